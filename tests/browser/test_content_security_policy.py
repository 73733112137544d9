"""The pages work under the strict Content-Security-Policy, which Chromium enforces (issue 10;
disburse/security.py; docs/security.md): no violation is reported, the charts are drawn, the timeline
is placed and the workflow diagram is styled.
"""

from typing import Any

from tests.browser.conftest import Live
from tests.flow import COMMERCE, INSPECTOR, SUPERVISOR, Flow

#: Collects the page's ``securitypolicyviolation`` events (an init script is not subject to the policy).
WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
                          e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


def watched(live: Live, page: Any | None = None) -> tuple[Any, list[str]]:
    """A page whose console messages about refused content are collected."""
    page = page or live.page()
    refused: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda msg: refused.append(msg.text) if "Refused to" in msg.text else None)
    return page, refused


def visit(page: Any, path: str, refused: list[str]) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("() => window.__csp")
    assert not violations and not refused, (path, violations, refused)
    assert page.evaluate("() => document.readyState") == "complete"


def test_the_staff_pages_report_no_policy_violation_and_still_draw(live: Live, flow: Flow) -> None:
    project, contract_a, _ = flow.selected_project()
    acceptance = flow.in_notice(project, contract_a)
    page, refused = watched(live)
    visit(page, "/login", refused)
    live.login(COMMERCE, page)
    for path in ("/desk", "/projects", f"/projects/{project['id']}", f"/acceptances/{acceptance['id']}",
                 f"/projects/{project['id']}?lang=en"):
        visit(page, path, refused)
    page.goto(f"/projects/{project['id']}")
    page.wait_for_load_state("networkidle")
    if page.locator("[data-chart]").count():  # ECharts is installed by the build: the chart is drawn
        assert page.locator("[data-chart] canvas, [data-chart] svg").count() >= 1
    bars = page.locator(".timeline .tl-bar")
    assert bars.count() >= 1
    lefts = [bars.nth(i).evaluate("el => el.style.left") for i in range(bars.count())]
    widths = [bars.nth(i).evaluate("el => el.getBoundingClientRect().width") for i in range(bars.count())]
    assert all(left.endswith("%") for left in lefts) and len(set(lefts)) > 1 and min(widths) > 0, (lefts, widths)
    current_fill = page.locator("[data-testid=workflow-diagram] g.current rect").evaluate(
        "el => getComputedStyle(el).fill")
    assert current_fill == "rgb(179, 38, 30)"  # the diagram's own <style>, allowed by its hash

    for name in (SUPERVISOR, INSPECTOR):
        other, other_refused = watched(live)
        live.login(name, other)
        own = ("/desk",) if name == SUPERVISOR else ("/audit", "/audit/checkpoints")
        for path in (*own, f"/projects/{project['id']}"):
            visit(other, path, other_refused)


def test_the_public_pages_report_no_policy_violation(live: Live, flow: Flow) -> None:
    project, contract_a, _ = flow.selected_project()
    acceptance = flow.in_notice(project, contract_a)
    page, refused = watched(live)
    for path in ("/public", f"/public/projects/{project['id']}", f"/public/notices/{acceptance['notice']['id']}",
                 "/public/checkpoints"):
        visit(page, path, refused)
