"""An amendment proposed in the plan form (issue 18 item 1) through the test client: the form starts from the
plan in force, its lines keeping their ids; the reason is a field of its own; a line's amount changed in 万元
reaches the amendments service the API calls and shows old → new; errors stand beside their fields in the
reader's language with what was typed kept; the YAML editor stays the advanced way."""

import html as html_lib
import re
from typing import Any

import yaml

from tests.e2e.test_plan_form import form_of
from tests.e2e.test_projects_ui import logged_in
from tests.flow import COMMERCE, FINANCE, SUPERVISOR, Flow


def text_of(resp: Any) -> str:
    return html_lib.unescape(resp.get_data(as_text=True))


def between(text: str, start: str, end: str) -> str:
    at = text.index(start)
    return text[at:text.index(end, at)]


def amendment_form(app: Any, flow: Flow) -> tuple[int, Any, dict[str, Any], str]:
    """A tendered project (seed 003's plan, filed), commerce's client and the amendment form as it opens."""
    pid = flow.tendered_project()["id"]
    client, token = logged_in(app, COMMERCE)
    page = text_of(client.get(f"/projects/{pid}/amendments/new"))
    form = form_of(page)
    form["csrf_token"] = token
    return pid, client, form, page


def test_the_amendment_form_starts_from_the_plan_in_force_its_lines_keeping_their_ids(app: Any, flow: Flow) -> None:
    pid, client, form, page = amendment_form(app, flow)
    in_force = flow.project(pid)
    assert [form[f"lines-{i}-id"] for i in range(5)] == [str(line["id"]) for line in in_force["lines"]]
    assert form["unit"] == "万元" and form["total"] == "1,000" and form["lines-1-amount"] == "500"
    assert set(form["lines-1-tags"]) == set(in_force["lines"][1]["tags"])
    assert form["lines-1-tag_order"] == " ".join(in_force["lines"][1]["tags"])  # kept as the plan orders them
    assert 'name="reason"' in page and 'data-testid="amendment-reason"' in page
    checks = page[page.index('data-testid="plan-checks"'):]
    assert 'data-state="checked"' in checks and 'data-check="lines_sum" data-passed="true"' in checks
    assert "<h2>提交前核对</h2>" in checks and "报备前核对" not in page  # checked when proposed and approved
    assert 'data-testid="submit-amendment"' in page and 'data-testid="plan-document-link"' in page
    finance, _ = logged_in(app, FINANCE)
    assert finance.get(f"/projects/{pid}/amendments/new").status_code == 403


def test_a_lines_amount_changed_in_wan_is_proposed_and_shown_old_to_new_the_plan_in_force_unchanged(
        app: Any, flow: Flow) -> None:
    pid, client, form, _ = amendment_form(app, flow)
    before = flow.project(pid)
    form.update({"lines-3-amount": "80.5", "lines-4-amount": "119.5", "reason": "按市商务局意见调整扶贫与其他事项"})
    checked = client.post("/plans/check", data=form, headers={"X-CSRFToken": form["csrf_token"]}).get_json()
    assert checked["complete"] and all(check["passed"] for check in checked["checks"]), checked

    made = client.post(f"/projects/{pid}/amendments/new", data=form)
    assert made.status_code == 302, text_of(made)[:3000]
    number = int(made.headers["location"].rstrip("/").rsplit("/", 1)[1])
    amendment = flow.ok(flow.get(f"/amendments/{number}"))
    assert amendment["state"] == "proposed" and amendment["reason"] == "按市商务局意见调整扶贫与其他事项"
    assert [c["path"] for c in amendment["changes"]] == ["lines.3.amount", "lines.4.amount"]  # nothing else moved
    assert [line["id"] for line in amendment["plan"]["lines"]] == [line["id"] for line in before["lines"]]
    assert [line["amount"] for line in amendment["plan"]["lines"]][3:] == ["805000.00", "1195000.00"]
    assert flow.project(pid)["lines"] == before["lines"]  # in force only once the supervisor approves

    supervisor, _ = logged_in(app, SUPERVISOR)
    for lang, old, new in (("zh", "100万元", "80.5万元"), ("en", "1,000,000.00", "805,000.00")):
        shown = text_of(supervisor.get(f"/amendments/{number}?lang={lang}"))
        row = between(between(shown, 'data-testid="diff"', "</table>"), 'data-path="lines.3.amount"', "</tr>")
        assert old in row and new in row, row


def test_errors_stand_beside_their_fields_in_the_readers_language_with_what_was_typed_kept(
        app: Any, flow: Flow) -> None:
    pid, client, form, _ = amendment_form(app, flow)
    form.update({"lines-3-amount": "80.0000001", "lines-4-item": "", "reason": ""})
    refused = client.post(f"/projects/{pid}/amendments/new", data=form)
    page = text_of(refused)
    assert refused.status_code == 422
    for field in ("lines.3.amount", "lines.4.item", "reason"):
        assert f'data-field="{field}"' in page, field
    assert "最多6位小数" in page and "请说明调整理由" in page and "必填" in page
    assert 'value="80.0000001"' in page and 'name="lines-4-id" value="5"' in page  # the line keeps its id
    assert flow.ok(flow.get(f"/projects/{pid}/amendments")) == []  # nothing was proposed

    form["reason"] = "Adjusted on the city bureau's advice"
    english = text_of(client.post(f"/projects/{pid}/amendments/new?lang=en", data=form))
    assert "at most 6 decimals" in english and "Required" in english
    assert "Adjusted on the city bureau's advice</textarea>" in english and 'data-field="reason"' not in english
    form.update({"lines-3-amount": "80", "lines-4-item": "其他事项", "reason": "理" * 4001})  # AmendmentIn's limit
    too_long = client.post(f"/projects/{pid}/amendments/new?lang=en", data=form)
    assert too_long.status_code == 422 and "The reason is too long" in text_of(too_long)


def test_a_second_amendment_while_one_is_open_is_refused_with_the_form_kept(app: Any, flow: Flow) -> None:
    pid, client, form, _ = amendment_form(app, flow)
    form.update({"lines-3-amount": "90", "lines-4-amount": "110", "reason": "第一次调整"})
    assert client.post(f"/projects/{pid}/amendments/new", data=form).status_code == 302
    form.update({"lines-3-amount": "70", "lines-4-amount": "130", "reason": "第二次调整"})
    again = client.post(f"/projects/{pid}/amendments/new", data=form)
    page = text_of(again)
    assert again.status_code == 409 and "待审核的方案调整" in page
    assert 'value="70"' in page and "第二次调整</textarea>" in page
    assert len(flow.ok(flow.get(f"/projects/{pid}/amendments"))) == 1


def test_the_yaml_editor_proposes_an_amendment_as_the_advanced_way(app: Any, flow: Flow) -> None:
    pid, client, form, _ = amendment_form(app, flow)
    page = text_of(client.get(f"/projects/{pid}/amendments/new/document"))
    match = re.search(r'<textarea name="document"[^>]*>(.*?)</textarea>', page, re.S)
    assert match and 'name="reason"' in page
    document = yaml.safe_load(match.group(1))
    document["lines"][3]["amount"], document["lines"][4]["amount"] = "900000.00", "1100000.00"
    text = yaml.safe_dump(document, allow_unicode=True)
    blank = client.post(f"/projects/{pid}/amendments/new", data={"csrf_token": form["csrf_token"], "document": text,
                                                                 "reason": " "})
    assert blank.status_code == 422 and 'data-field="reason"' in text_of(blank) and "900000.00" in text_of(blank)
    made = client.post(f"/projects/{pid}/amendments/new", data={"csrf_token": form["csrf_token"], "document": text,
                                                                "reason": "以文本调整"})
    assert made.status_code == 302, text_of(made)[:3000]
    number = int(made.headers["location"].rstrip("/").rsplit("/", 1)[1])
    assert [c["path"] for c in flow.ok(flow.get(f"/amendments/{number}"))["changes"]] == [
        "lines.3.amount", "lines.4.amount"]
