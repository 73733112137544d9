"""The acceptance page's workflow diagram is drawn in the page's language (issue 18 item 3): its address
carries the language, so a browser's image cache cannot serve the Chinese drawing to an English page; the
project page's performance table names its columns in English too."""

import html
import re
from typing import Any

from tests.e2e.test_projects_ui import logged_in
from tests.flow import COMMERCE, CONTRACTOR_A, Flow

HAN = re.compile(r"[\u3400-\u9fff]")


def diagram_address(page: str) -> str:
    found = re.search(r'<img src="([^"]+)"[^>]*data-testid="workflow-diagram"', page)
    assert found is not None, page[:2000]
    return html.unescape(found.group(1))


def test_the_acceptance_page_asks_for_the_diagram_in_its_own_language(app: Any, flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A), 201)
    client, _ = logged_in(app, COMMERCE)

    english = diagram_address(client.get(f"/acceptances/{acceptance['id']}?lang=en").get_data(as_text=True))
    chinese = diagram_address(client.get(f"/acceptances/{acceptance['id']}?lang=zh").get_data(as_text=True))
    assert english == "/workflows/acceptance.svg?state=applied&lang=en"
    assert chinese == "/workflows/acceptance.svg?state=applied&lang=zh"

    drawn = client.get(english).get_data(as_text=True)  # the session's cookie says zh by now: the address decides
    assert ">Applied<" in drawn and ">In public notice<" in drawn
    assert not HAN.search(drawn), drawn[:500]
    assert '<g class="state current" data-state="applied"' in drawn
    assert "已申请" in client.get(chinese).get_data(as_text=True)


def test_the_acceptance_diagram_in_english_names_states_and_events_in_english(app: Any) -> None:
    drawn = app.test_client().get("/workflows/acceptance.svg?lang=en").get_data(as_text=True)
    for label in ("Applied", "Under review", "In public notice", "Approved", "Start the review", "Pass"):
        assert f">{label}<" in drawn, label
    assert not HAN.search(drawn)


def test_the_performance_table_heads_its_columns_indicator_target_value_actual_in_english(app: Any,
                                                                                           flow: Flow) -> None:
    pid = flow.create_project()["id"]
    client, _ = logged_in(app, COMMERCE)
    page = client.get(f"/projects/{pid}?lang=en").get_data(as_text=True)
    head = re.search(r'data-testid="targets">\s*<thead>(.*?)</thead>', page, re.S)
    assert head is not None
    assert re.findall(r"<th[^>]*>([^<]*)</th>", head.group(1)) == ["Indicator", "Target value", "Actual"]
