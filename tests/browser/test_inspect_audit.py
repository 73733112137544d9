"""The inspectors' audit trail browser in a real browser (SPEC §8, issue 7)."""

from typing import Any

from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import INSPECTOR, Flow


def test_the_inspector_follows_a_project_through_the_log_and_verifies_it(live: Live, flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    flow.ok(flow.object_to(acceptance), 201)
    page = live.login(INSPECTOR)
    assert page.url.endswith("/audit")
    live.shot(page, "home-inspector")
    page.fill("[data-testid=filter-project]", str(project["id"]))
    page.click("[data-testid=filter-submit]")
    rows = page.locator("[data-testid=audit-entries] tbody tr")
    actions = [rows.nth(i).get_attribute("data-action") for i in range(rows.count())]
    for step in ("project.create", "project.file", "contract.sign", "project.select_contractor",
                 "acceptance.publish", "objection.file"):
        assert step in actions, (step, actions)
    assert actions[0] == "objection.file"  # newest first
    page.fill("[data-testid=filter-action]", "acceptance.")
    page.click("[data-testid=filter-submit]")
    assert {rows.nth(i).get_attribute("data-action") for i in range(rows.count())} == {
        "acceptance.apply", "acceptance.start_review", "acceptance.pass", "acceptance.finance_recheck",
        "acceptance.publish", "acceptance.object"}
    publish = page.locator("tr[data-action='acceptance.publish'] a[data-testid^=entry-]")
    publish.click()
    entry_hash = page.locator("[data-testid=entry-hash]").inner_text()
    prev_hash = page.locator("[data-testid=entry-prev-hash]").inner_text()
    assert len(entry_hash) == len(prev_hash) == 64 and entry_hash != prev_hash
    assert '"notice_id"' in page.locator("[data-testid=entry-data]").inner_text()
    page.click("[data-testid=entry-previous]")
    assert page.locator("[data-testid=entry-hash]").inner_text() == prev_hash
    page.goto("/audit")
    page.click("[data-testid=verify-log]")
    assert "审计日志校验通过" in page.locator(".flash.verified").inner_text()


def test_the_audit_pages_in_english_show_no_chinese_in_their_chrome(live: Live, flow: Flow) -> None:
    project = flow.tendered_project()
    page = live.login(INSPECTOR)
    page.goto(f"/audit?lang=en&project={project['id']}")
    page.click("[data-testid=verify-log]")
    assert "Audit log verified: OK" in page.locator(".flash.verified").inner_text()
    assert not HAN.findall(chrome_text(page)), chrome_text(page)
    page.locator("[data-testid=audit-entries] a[data-testid^=entry-]").first.click()
    assert not HAN.findall(chrome_text(page)), chrome_text(page)


def test_a_bad_date_is_shown_next_to_its_field(live: Live, flow: Flow, app: Any) -> None:
    page = live.login(INSPECTOR)
    response = page.goto("/audit?from=2024-13-01&actor=xp-commerce")
    assert response.status == 422
    assert page.locator(".field-error[data-field=from]").is_visible()
    assert page.input_value("[data-testid=filter-actor]") == "xp-commerce"
