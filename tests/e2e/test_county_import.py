"""A county's own budget table imported through HTTP and filed (issue 18 item 2).

Seed 000 §7 as 柯坪县 prints it (title, 大类/建设内容/金额（万元）, 总计 first, merged categories, a 注
below) goes in through ``POST /api/v1/projects/import`` and through the new-project page; the lines its
words do not tag stay untagged, ``file`` names them, and once they are tagged the plan files.
"""

import io
import re
from typing import Any

from openpyxl import load_workbook

from disburse.excel.cells import XLSX
from tests.e2e.test_projects_ui import logged_in
from tests.flow import COMMERCE, CONTRACTOR_A, COUNTY, Flow, unmet_codes
from tests.unit.test_county_tables import keping_as_printed, saved

QUERY = f"name=柯坪县续建项目（县表导入）&region={COUNTY}&rule_set=national-2020"


def import_county_table(flow: Flow, body: bytes, query: str = QUERY, as_: str = COMMERCE, lang: str = "zh") -> Any:
    return flow.client.post(f"/api/v1/projects/import?{query}&lang={lang}", data=body, content_type=XLSX,
                            headers=flow.h(as_))


def tagged(project: dict[str, Any], choose: dict[int, list[str]]) -> dict[str, Any]:
    """The project's plan as a document (SPEC §11.3), with the chosen tags on the lines left untagged."""
    keys = ("id", "ref", "category", "item", "amount", "tags", "responsible", "cooperating", "deadline", "note")
    return {"name": project["name"], "region": COUNTY, "rule_set": project["rule_set"],
            "total": project["total"], "funding": [{"source": f["source"], "amount": f["amount"]}
                                                   for f in project["funding"]],
            "subtotals": project.get("subtotals") or {},
            "lines": [{**{k: line.get(k) for k in keys}, "tags": line["tags"] or choose[line["id"]]}
                      for line in project["lines"]]}


def test_a_county_table_imports_through_the_api_and_files_once_its_untagged_lines_are_tagged(flow: Flow) -> None:
    body = flow.ok(import_county_table(flow, saved(keping_as_printed())), 201)
    project = body["project"]
    assert project["state"] == "plan_drafted" and project["total"] == "6500000.00"
    assert [(f["source"], f["amount"]) for f in project["funding"]] == [("中央财政资金", "6500000.00")]
    assert body["defaults"] == ["资金来源按中央财政资金 650万元填入（表中没有资金来源）"] and body["warnings"] == []
    untagged = [line for line in project["lines"] if not line["tags"]]
    assert untagged and len(body["untagged"]) == len(untagged) and body["untagged"][0] == "B10"

    explained = flow.ok(flow.get(f"/projects/{project['id']}/events/file"))
    assert not explained["allowed"]
    named = [u["message"] for u in explained["unmet"] if u["code"] == "line_untagged"]
    assert len(named) == len(untagged) and untagged[0]["item"][:10] in named[0]
    assert unmet_codes(flow.fire(project["id"], "file")) == ["line_untagged"] * len(untagged)

    document = tagged(project, {line["id"]: ["logistics"] for line in untagged})
    edited = flow.client.put(f"/api/v1/projects/{project['id']}/plan", json=document, headers=flow.h(COMMERCE))
    assert edited.status_code == 200, edited.get_json()
    assert flow.fire_ok(project["id"], "file")["state"] == "filed"


def test_a_total_that_disagrees_is_a_warning_by_cell_and_the_draft_is_refused_at_filing_until_fixed(flow: Flow) -> None:
    wb = keping_as_printed()
    wb.active["D4"] = 660
    body = flow.ok(import_county_table(flow, saved(wb), lang="en"), 201)
    assert body["warnings"] == ["D4: total 660 ≠ the sum of the lines 650"]
    assert body["defaults"] == ["funding source set to 中央财政资金, 660 万元 (the workbook gives no funding source)"]
    assert "lines_sum_mismatch" in unmet_codes(flow.fire(body["project"]["id"], "file"))


def test_an_unreadable_cell_is_refused_naming_the_cell_in_the_requests_language(flow: Flow) -> None:
    wb = keping_as_printed()
    wb.active["C6"] = "三十五万"
    zh = import_county_table(flow, saved(wb))
    assert zh.status_code == 422 and zh.get_json()["errors"] == {"C6": ["不是金额：三十五万"]}
    en = import_county_table(flow, saved(wb), lang="en")
    assert en.get_json()["errors"] == {"C6": ["not an amount: 三十五万"]}
    missing = import_county_table(flow, saved(keping_as_printed()), query="rule_set=national-2020", lang="en")
    assert missing.status_code == 422 and set(missing.get_json()["errors"]) == {"name", "region"}
    assert missing.get_json()["errors"]["region"][0].startswith("missing region code")


def test_only_commerce_imports_and_only_a_workbook_body(flow: Flow) -> None:
    assert import_county_table(flow, saved(keping_as_printed()), as_=CONTRACTOR_A).status_code == 403
    wrong = flow.client.post(f"/api/v1/projects/import?{QUERY}", json={"name": "x"}, headers=flow.h(COMMERCE))
    assert wrong.status_code == 422 and "file" in wrong.get_json()["errors"]
    junk = import_county_table(flow, b"not a workbook")
    assert junk.status_code == 422 and junk.get_json()["errors"] == {"file": ["不是 .xlsx 工作簿"]}


def test_the_new_project_page_imports_a_county_table_and_says_which_lines_need_a_tag(app: Any, flow: Flow) -> None:
    client, token = logged_in(app, COMMERCE)
    form = {"csrf_token": token, "name": "柯坪县续建项目（页面导入）", "region": COUNTY, "rule_set": "national-2020"}
    resp = client.post("/projects/new", data={**form, "file": (io.BytesIO(saved(keping_as_printed())), "县表.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    page = client.get(resp.headers["location"]).get_data(as_text=True)
    assert re.search(r"\d+ 行尚未选择资金用途（B10、", page)
    assert "资金来源按中央财政资金 650万元填入" in page

    wb = keping_as_printed()
    wb.active["C6"] = "三十五万"
    refused = client.post("/projects/new?lang=en", data={**form, "file": (io.BytesIO(saved(wb)), "县表.xlsx")},
                          content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="C6"' in html and "not an amount: 三十五万" in html


def test_the_template_downloads_from_the_import_page_and_imports_as_it_is(app: Any, flow: Flow) -> None:
    client, _ = logged_in(app, COMMERCE)
    page = client.get("/projects/new").get_data(as_text=True)
    href = re.search(r'href="([^"]+)"[^>]*data-testid="plan-template"', page)
    assert href
    resp = client.get(href.group(1))
    assert resp.status_code == 200 and resp.mimetype == XLSX and "attachment" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert [c.value for c in ws[3]][:4] == ["序号", "类别", "建设内容", "金额（万元）"]
    body = flow.ok(import_county_table(flow, resp.data), 201)
    assert body["project"]["total"] == "150000.00" and body["untagged"] == []
