"""The plan as a form (issue 18 item 1) through the test client: a new project typed in 万元 with its county
chosen among the author's and its rule set and tags by their labels; amounts converted exactly to the fen and
refused beyond it, field by field, what was typed kept; the budget checks answered as the official types; a
draft edited in the form keeping its lines, an untagged line shown as needing a tag and ``file`` refused until
tagged; the YAML editor still reachable."""

import html as html_lib
import re
from typing import Any

import yaml

from tests.e2e.test_projects_ui import logged_in
from tests.flow import COMMERCE, COUNTY, FINANCE, Flow
from tests.helpers import example


def text_of(resp: Any) -> str:
    return html_lib.unescape(resp.get_data(as_text=True))


def qujing_plan(token: str, *, centre: str = "150", chain: str = "500", unit: str = "万元") -> dict[str, Any]:
    """A plan of 1000万元 under the Qujing rules, as the form posts it: a public service centre, a supply chain,
    logistics; the centre's share is what ``centre`` makes it (its cap is 15 %)."""
    logistics = str(1000 - int(centre) - int(chain))
    return {
        "csrf_token": token, "plan_form": "1", "name": "富源县电子商务进农村综合示范项目", "doc_no": "",
        "region": COUNTY, "rule_set": "qujing-2018", "unit": unit, "total": "1,000",
        "period_start": "2024-01-01", "period_end": "2025-12-31",
        "funding-0-source": "中央财政资金", "funding-0-amount": "1000",
        "phases-0-name": "建设阶段", "phases-0-start": "2024-01-01", "phases-0-end": "2025-06-30",
        "targets-0-name": "建成村级服务站", "targets-0-target": "120", "targets-0-unit": "个",
        "lines-0-category": "公共服务体系", "lines-0-item": "县级电商公共服务中心", "lines-0-amount": centre,
        "lines-0-tags": "public_service_center", "lines-0-responsible": "县商务局、县财政局",
        "lines-0-deadline": "2025-06-30",
        "lines-1-category": "供应链体系", "lines-1-item": "农产品供应链", "lines-1-amount": chain,
        "lines-1-tags": "supply_chain",
        "lines-2-category": "物流体系", "lines-2-item": "县乡村三级物流", "lines-2-amount": logistics,
        "lines-2-tags": "logistics",
        "lines-3-category": "", "lines-3-item": "", "lines-3-amount": "",  # a spare row, left empty
    }


def project_id(resp: Any) -> int:
    assert resp.status_code == 302, text_of(resp)[:3000]
    return int(resp.headers["location"].rstrip("/").rsplit("/", 1)[1])


def test_the_new_project_form_offers_the_authors_counties_rule_sets_by_title_and_tags_by_label(
        app: Any, flow: Flow) -> None:
    client, _ = logged_in(app, COMMERCE)
    page = text_of(client.get("/projects/new"))
    region = page[page.index('name="region"'):page.index("</select>", page.index('name="region"'))]
    assert f'value="{COUNTY}"' in region and "福建省 / 宁德市 / 霞浦县" in region
    assert region.count("<option") == 1  # a county commerce bureau acts in its own county only
    assert "曲靖市2018年电子商务进农村综合示范项目资金管理规则" in page
    assert "公共服务中心" in page and "农村电商供应链体系" in page
    visible = re.sub(r"<[^>]+>", " ", page)
    assert "public_service_center" not in visible and "qujing-2018" not in visible  # codes stay in values
    assert 'data-testid="plan-file"' in page  # the import of a file stays on the page
    english = text_of(client.get("/projects/new?lang=en"))
    assert "Qujing 2018 rural e-commerce demonstration: fund rules" in english and "Public service centre" in english


def test_a_plan_typed_in_wan_yuan_becomes_the_project_exactly_to_the_fen(app: Any, flow: Flow) -> None:
    client, token = logged_in(app, COMMERCE)
    form = qujing_plan(token)
    form.update({"total": "1000.000001", "funding-0-amount": "1000.000001", "lines-1-amount": "500.000001"})
    pid = project_id(client.post("/projects/new", data=form))
    project = flow.project(pid)
    assert project["total"] == "10000000.01" and project["rule_set"] == "qujing-2018"
    assert [line["amount"] for line in project["lines"]] == ["1500000.00", "5000000.01", "3500000.00"]
    assert [line["tags"] for line in project["lines"]] == [["public_service_center"], ["supply_chain"], ["logistics"]]
    assert project["lines"][0]["responsible"] == ["县商务局", "县财政局"]

    page = text_of(client.get(f"/projects/{pid}/plan"))  # not whole 百元: the draft opens in 元, grouped
    assert re.search(r'name="unit" value="元"[^>]* checked', page) and 'value="10,000,000.01"' in page
    form = form_of(page)
    form["csrf_token"] = token
    assert client.post(f"/projects/{pid}/plan", data=form).status_code == 302
    assert flow.project(pid)["lines"] == project["lines"]  # what the form shows reads back to the same plan
    filed = flow.fire(pid, "file")
    assert filed.status_code == 200, filed.get_json()["unmet"]  # the form made a plan that files


def test_an_amount_beyond_the_fen_or_not_a_number_is_refused_beside_its_field_with_what_was_typed_kept(
        app: Any, flow: Flow) -> None:
    client, token = logged_in(app, COMMERCE)
    form = qujing_plan(token)
    form.update({"lines-1-amount": "500.0000001", "lines-2-amount": "三百五十", "name": ""})
    refused = client.post("/projects/new", data=form)
    page = text_of(refused)
    assert refused.status_code == 422
    assert 'data-field="lines.1.amount"' in page and 'data-field="lines.2.amount"' in page
    assert "最多6位小数" in page and 'data-field="name"' in page and "必填" in page
    assert 'value="500.0000001"' in page and 'value="三百五十"' in page and 'value="县商务局、县财政局"' in page
    form["lines-1-amount"] = "5000000.001"
    form["unit"] = "元"
    english = text_of(client.post("/projects/new?lang=en", data=form))
    assert "at most 2 decimals" in english and "Required" in english


def test_the_plan_check_answers_each_rule_as_the_official_types(app: Any, flow: Flow) -> None:
    client, token = logged_in(app, COMMERCE)
    above = client.post("/plans/check", data=qujing_plan(token, centre="200", chain="500"),
                        headers={"X-CSRFToken": token})
    answer = above.get_json()
    assert above.status_code == 200 and answer["complete"], answer
    by_code = {check["code"]: check for check in answer["checks"]}
    cap = by_code["caps:public_service_center"]
    assert not cap["passed"] and cap["label"] == "支持公共服务中心建设的资金比例不得高于15%"
    assert "20%" in cap["unmet"][0]["message"] and cap["clause"]
    assert by_code["floors:supply_chain"]["passed"] and by_code["lines_sum"]["passed"]
    assert by_code["prohibited:trading_platform"]["passed"]
    assert answer["sums"][0] == {"label": "总投资", "wan": "1000万元", "yuan": "10,000,000.00 元"}

    within = client.post("/plans/check?lang=en", data=qujing_plan(token), headers={"X-CSRFToken": token}).get_json()
    assert all(check["passed"] for check in within["checks"]), within
    assert any(check["label"].startswith("Funds supporting the public service centre") for check in within["checks"])

    incomplete = client.post("/plans/check?lang=zh", data={**qujing_plan(token), "name": "", "total": ""},
                             headers={"X-CSRFToken": token}).get_json()
    assert not incomplete["complete"] and set(incomplete["errors"]) >= {"name", "total"}
    assert {"项目名称", "总投资"} <= set(incomplete["where"])
    assert client.post("/plans/check", data={k: v for k, v in qujing_plan(token).items()
                                              if k != "csrf_token"}).status_code == 400  # the CSRF token is required


def test_without_script_the_refused_cap_is_shown_beside_the_form_and_the_project_is_made_a_draft(
        app: Any, flow: Flow) -> None:
    client, token = logged_in(app, COMMERCE)
    pid = project_id(client.post("/projects/new", data=qujing_plan(token, centre="200")))  # a draft may break it
    page = text_of(client.get(f"/projects/{pid}/plan"))
    checks = page[page.index('data-testid="plan-checks"'):]
    assert 'data-check="caps:public_service_center" data-passed="false"' in checks
    assert "超过 15% 的上限" in checks
    assert flow.fire(pid, "file").status_code == 409


def test_a_draft_is_edited_in_the_form_keeping_its_lines_and_an_untagged_line_must_be_tagged_to_file(
        app: Any, flow: Flow) -> None:
    pid = flow.create_project()["id"]
    before = flow.project(pid)
    client, token = logged_in(app, COMMERCE)
    page = text_of(client.get(f"/projects/{pid}/plan"))
    assert re.search(r'name="unit" value="万元"[^>]* checked', page) and 'name="lines-1-amount" value="500"' in page
    assert 'data-testid="plan-document-link"' in page

    form = form_of(page)
    form["csrf_token"] = token
    form["lines-4-item"] = "电商人才培训（调整后）"
    form["lines-4-tags"] = []  # the official unticks the line's use of funds
    saved = client.post(f"/projects/{pid}/plan", data=form)
    assert saved.status_code == 302, text_of(saved)[:3000]
    after = flow.project(pid)
    assert [line["id"] for line in after["lines"]] == [line["id"] for line in before["lines"]]
    assert after["lines"][4]["item"] == "电商人才培训（调整后）" and after["lines"][4]["tags"] == []
    assert after["lines"][0]["cooperating"] == before["lines"][0]["cooperating"]  # kept, though not on the form
    assert after["total"] == before["total"]

    shown = text_of(client.get(f"/projects/{pid}/plan"))
    assert shown.count("pf-line pf-needs-tag") == 1 and "尚未选择资金用途" in shown
    assert 'data-check="tags" data-passed="false"' in shown
    assert flow.fire(pid, "file").status_code == 409

    form["lines-4-tags"] = ["training"]
    form["rule_set"] = "national-2020"  # another rule set: taken as it is now, not at the old one's version
    assert client.post(f"/projects/{pid}/plan", data=form).status_code == 302
    assert flow.project(pid)["rule_set"] == "national-2020"
    assert flow.fire(pid, "file").status_code == 200


def test_the_yaml_editor_stays_reachable_as_the_advanced_way(app: Any, flow: Flow) -> None:
    pid = flow.create_project()["id"]
    client, token = logged_in(app, COMMERCE)
    page = text_of(client.get(f"/projects/{pid}/plan/document"))
    match = re.search(r'<textarea name="document"[^>]*>(.*?)</textarea>', page, re.S)
    assert match
    document = yaml.safe_load(match.group(1))
    document["name"] = "XX县示范方案（文本修改）"
    saved = client.post(f"/projects/{pid}/plan", data={"csrf_token": token,
                                                       "document": yaml.safe_dump(document, allow_unicode=True)})
    assert saved.status_code == 302 and flow.project(pid)["name"] == "XX县示范方案（文本修改）"


def test_only_a_plan_author_gets_the_form(app: Any, flow: Flow) -> None:
    pid = flow.create_project()["id"]
    client, _ = logged_in(app, FINANCE)
    assert client.get("/projects/new").status_code == 403
    assert client.get(f"/projects/{pid}/plan").status_code == 403


def form_of(page: str) -> dict[str, Any]:
    """The plan form's fields as a browser would post them (text, hidden and date inputs, the checked boxes
    and radios, the selected options); the rows' templates are not part of the form."""
    start = page.index("data-plan-form")
    body = re.sub(r"<template.*?</template>", "", page[start:page.index("</form>", start)], flags=re.S)
    form: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) in ("checkbox", "radio"):
            if " checked" not in tag:
                continue
            if kind.group(1) == "checkbox":
                form.setdefault(name.group(1), []).append(value.group(1) if value else "")
                continue
        form[name.group(1)] = value.group(1) if value else ""
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        form[name] = chosen.group(1) if chosen else ""
    return form


def test_the_api_checks_a_plan_document_rule_by_rule_without_storing_it(app: Any, flow: Flow) -> None:
    document = example("003")
    document["rule_set"] = "qujing-2018"  # its cap: 15 % to the public service centre
    document["lines"][0]["amount"], document["lines"][4]["amount"] = "200", "50"
    answer = flow.ok(flow.post("/plans/check", document))
    assert answer["ok"] is False and answer["checks"][0]["code"] == "caps:public_service_center"  # failed first
    by_code = {check["code"]: check for check in answer["checks"]}
    assert not by_code["caps:public_service_center"]["passed"] and by_code["lines_sum"]["passed"]
    assert by_code["caps:public_service_center"]["unmet"][0]["code"] == "share_above_cap"
    assert flow.ok(flow.post("/plans/check", example("003")))["ok"] is True
    assert flow.get("/projects").get_json()["total"] == 0  # nothing was created
    document["total"] = 1000
    assert flow.post("/plans/check", document).status_code == 422
    assert flow.post("/plans/check", example("003"), FINANCE).status_code == 403


def test_a_plan_without_lines_says_so_above_the_form_in_the_readers_language(app: Any, flow: Flow) -> None:
    client, token = logged_in(app, COMMERCE)
    form = {k: v for k, v in qujing_plan(token).items() if not k.startswith("lines-")}
    page = text_of(client.post("/projects/new", data=form))
    errors = page[page.index('data-testid="plan-errors"'):page.index("</div>", page.index('data-testid="plan-errors"'))]
    assert '<li data-field="lines">建设内容与资金安排：必填</li>' in errors
    english = text_of(client.post("/projects/new?lang=en", data=form))
    assert '<li data-field="lines">Budget lines: Required</li>' in english
