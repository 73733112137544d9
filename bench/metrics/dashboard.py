"""The dashboard API requests: the project list and the approval queue (timed by :mod:`bench.metrics.pages`).

The project list is read as the busiest province's supervisor and inspector (several pages, several
state filters); the queue as the busiest county's finance user and as its prefecture's.
"""

from __future__ import annotations

from bench.datagen import Generated

STATES = (None, "contractor_selected", "staged_acceptance", "filed")
PAGES = (1, 2, 3, 5)
QUEUE_WEIGHT = 8


def requests_of(gen: Generated) -> list[tuple[str, str]]:
    """(username, path) of every dashboard request measured."""
    out: list[tuple[str, str]] = []
    for who in (f"supervisor-{gen.busy_province}", f"inspector-{gen.busy_province}"):
        for state in STATES:
            for page in PAGES:
                query = f"per_page=20&page={page}" + (f"&state={state}" if state else "")
                out.append((who, f"/api/v1/projects?{query}"))
    for _ in range(QUEUE_WEIGHT):  # as many queue samples as project-list samples
        for who in (f"finance-{gen.busy_county}", f"finance-{gen.busy_prefecture}"):
            for page in (1, 2):
                out.append((who, f"/api/v1/payments/queue?per_page=20&page={page}"))
    return out
