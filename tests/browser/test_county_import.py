"""An official imports 柯坪县's own budget table in Chromium, sees which lines need a 资金用途, and files the
plan once she has chosen them on the plan's form (issue 18 items 1 and 2)."""

import re
from pathlib import Path

from tests.browser.conftest import Live
from tests.flow import COMMERCE, COUNTY, Flow
from tests.unit.test_county_tables import keping_as_printed, saved


def test_an_official_imports_a_county_table_sees_the_untagged_lines_and_files_once_they_are_tagged(
        live: Live, flow: Flow, tmp_path: Path) -> None:
    table = tmp_path / "柯坪县资金安排表.xlsx"
    table.write_bytes(saved(keping_as_printed()))
    page = live.login(COMMERCE)
    page.goto("/projects/new")
    with page.expect_download() as download:
        page.click("[data-testid=plan-template]")
    assert download.value.suggested_filename.endswith(".xlsx")

    page.set_input_files("[data-testid=plan-file]", str(table))
    page.fill("[data-testid=plan-name]", "柯坪县电子商务进农村综合示范续建项目")
    page.fill("[data-testid=plan-region]", COUNTY)
    page.fill("[data-testid=plan-rule-set]", "national-2020")
    page.click("[data-testid=create-project]")
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    assert page.locator("h1 .state").get_attribute("data-state") == "plan_drafted"
    pid = int(page.url.rsplit("/", 1)[1])
    project = flow.project(pid)
    untagged = [line for line in project["lines"] if not line["tags"]]
    assert untagged
    notice = page.locator(".flash.warning").inner_text()
    assert f"{len(untagged)} 行尚未选择资金用途（B10、" in notice
    assert "资金来源按中央财政资金 650万元填入" in page.locator(".flash.info").inner_text()
    reasons = page.locator("[data-testid=blocked-file] li[data-code=line_untagged]")
    assert reasons.count() == len(untagged) and untagged[0]["item"][:10] in reasons.first.inner_text()
    live.shot(page, "county-import-untagged")

    page.goto(f"/projects/{pid}/plan")
    needing = page.locator("[data-line].pf-needs-tag")
    assert needing.count() == len(untagged)
    names = [needing.nth(n).locator("input[type=checkbox]").first.get_attribute("name")
             for n in range(needing.count())]  # the row stops needing a tag once one is ticked
    for name in names:
        page.locator(f"[data-line]:has(input[name='{name}'])").get_by_label("农村物流配送体系").check()
    assert page.locator("[data-line].pf-needs-tag").count() == 0
    live.shot(page, "county-import-tagging")
    page.locator("[data-testid=save-plan]").click()
    page.wait_for_url(re.compile(rf".*/projects/{pid}$"))
    lines = {line["id"]: line for line in flow.project(pid)["lines"]}
    assert all(lines[line["id"]]["tags"] == ["logistics"] for line in untagged)
    assert all(lines[line["id"]]["tags"] for line in project["lines"])
    page.click("[data-testid=event-file]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1 .state").get_attribute("data-state") == "filed"
