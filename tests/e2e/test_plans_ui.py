"""Plans that live in the browser (issue 16) through the test client: a draft's plan edited and withdrawn
with a confirmation, an amendment proposed, its changes shown old → new and decided, the versions list, the
funds arrived and the public page saying when the plan was adjusted — in Chinese and in English."""

import html as html_lib
import re
from typing import Any

import yaml

from tests.e2e.test_plan_form import form_of
from tests.e2e.test_projects_ui import logged_in
from tests.flow import COMMERCE, CONTRACTOR_A, FINANCE, SUPERVISOR, Flow


def text_of(resp: Any) -> str:
    return html_lib.unescape(resp.get_data(as_text=True))


def document_on(page: str) -> dict[str, Any]:
    """The plan document the form starts from (its textarea)."""
    match = re.search(r'<textarea name="document"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, page[:2000]
    loaded: dict[str, Any] = yaml.safe_load(match.group(1))
    return loaded


def test_a_draft_is_edited_in_its_form_and_withdrawn_after_a_confirmation(app: Any, flow: Flow) -> None:
    pid = flow.create_project()["id"]
    client, token = logged_in(app, COMMERCE)
    page = text_of(client.get(f"/projects/{pid}"))
    assert 'data-testid="edit-plan"' in page and 'data-event="edit_plan"' not in page  # a page, not a button
    assert 'data-event="withdraw"' in page and "不能恢复" in page  # the withdraw form asks first

    form = text_of(client.get(f"/projects/{pid}/plan/document"))  # the advanced editor, beside the plan form
    document = document_on(form)
    assert all(isinstance(line["id"], int) for line in document["lines"])  # each line keeps its identity
    document["lines"][4]["item"] = "农村物流配送体系（调整后）"
    saved = client.post(f"/projects/{pid}/plan", data={"csrf_token": token,
                                                       "document": yaml.safe_dump(document, allow_unicode=True)})
    assert saved.status_code == 302, text_of(saved)[:2000]
    assert "农村物流配送体系（调整后）" in text_of(client.get(f"/projects/{pid}"))

    broken = client.post(f"/projects/{pid}/plan", data={"csrf_token": token, "document": "name: [unclosed"})
    assert broken.status_code == 422 and "name: [unclosed" in text_of(broken)  # what was typed stays

    gone = client.post(f"/projects/{pid}/events", data={"csrf_token": token, "event": "withdraw"})
    assert gone.status_code == 302 and flow.project(pid)["state"] == "withdrawn"
    assert client.get(f"/projects/{pid}/plan").status_code == 200  # readable; saving is refused
    assert client.get(f"/projects/{pid}/plan/document").status_code == 200
    refused = client.post(f"/projects/{pid}/plan", data={"csrf_token": token,
                                                         "document": yaml.safe_dump(document, allow_unicode=True)})
    assert refused.status_code == 409


def test_an_amendment_is_proposed_shown_old_to_new_and_approved_into_version_2(app: Any, flow: Flow) -> None:
    project = flow.tendered_project()
    pid = project["id"]
    commerce, token = logged_in(app, COMMERCE)
    page = text_of(commerce.get(f"/projects/{pid}"))
    assert 'data-testid="propose-amendment"' in page and 'data-testid="edit-plan"' not in page

    form = form_of(text_of(commerce.get(f"/projects/{pid}/amendments/new")))  # the plan form, the plan in force
    assert form["unit"] == "万元" and form["lines-3-amount"] == "100" and form["lines-4-amount"] == "100"
    form.update({"csrf_token": token, "lines-3-amount": "50", "lines-4-amount": "150", "reason": " "})
    without_reason = commerce.post(f"/projects/{pid}/amendments/new", data=form)
    assert without_reason.status_code == 422 and 'data-field="reason"' in text_of(without_reason)
    made = commerce.post(f"/projects/{pid}/amendments/new", data={**form, "reason": "按市商务局意见调整"})
    assert made.status_code == 302, text_of(made)[:3000]
    amendment_url = made.headers["location"]

    supervisor, stoken = logged_in(app, SUPERVISOR)
    shown = text_of(supervisor.get(amendment_url))
    diff = shown[shown.index('data-testid="diff"'):shown.index("</table>", shown.index('data-testid="diff"'))]
    assert diff.count("<tr data-path=") == 2
    assert "1,000,000.00 元" in diff and "50万元" in diff and "1,500,000.00 元" in diff
    assert 'data-event="approve"' in shown and "立即成为现行版本" in shown  # approve asks first
    number = amendment_url.rstrip("/").rsplit("/", 1)[1]
    no_note = supervisor.post(f"/amendments/{number}/events", data={"csrf_token": stoken, "event": "reject"})
    assert no_note.status_code == 422 and flow.ok(flow.get(f"/amendments/{number}", SUPERVISOR))["state"] == "proposed"
    approved = supervisor.post(f"/amendments/{number}/events", data={"csrf_token": stoken, "event": "approve"})
    assert approved.status_code == 302

    after = text_of(commerce.get(f"/projects/{pid}"))
    assert re.search(r'data-testid="plan-version">第 2 版<', after)
    versions = after[after.index('data-testid="versions"'):]
    assert 'data-version="1"' in versions and 'data-version="2"' in versions and "按市商务局意见调整" in versions
    old = text_of(commerce.get(f"/projects/{pid}?version=1"))
    assert 'data-testid="old-version"' in old and "现行为第 2 版" in old
    public = text_of(app.test_client().get(f"/public/projects/{pid}"))
    assert "经批准调整" in public and "按市商务局意见调整" in public

    english = text_of(supervisor.get(f"{amendment_url}?lang=en"))
    assert "Approved" in english and "amount (yuan)" in english and "审核" not in english


def test_finance_records_funds_arrived_from_the_project_page_and_commerce_may_not(app: Any, flow: Flow) -> None:
    pid = flow.fire_ok(flow.create_project()["id"], "file")["id"]
    finance, token = logged_in(app, FINANCE)
    page = text_of(finance.get(f"/projects/{pid}"))
    assert 'data-testid="allocation-form"' in page
    source = flow.project(pid)["funding"][0]["source"]
    recorded = finance.post(f"/projects/{pid}/allocations", data={
        "csrf_token": token, "doc_no": "X财外指〔2024〕1号", "source": source, "amount": "1000000.00",
        "arrived_on": "2024-09-01"})
    assert recorded.status_code == 302
    funds = text_of(finance.get(f"/projects/{pid}"))
    funds = funds[funds.index('data-testid="allocations"'):]
    assert "X财外指〔2024〕1号" in funds and "1,000,000.00" in funds
    too_much = finance.post(f"/projects/{pid}/allocations", data={
        "csrf_token": token, "doc_no": "X2", "source": source, "amount": "99999999.00", "arrived_on": "2024-09-02"})
    assert too_much.status_code == 409 and 'value="99999999.00"' in text_of(too_much)
    bad = finance.post(f"/projects/{pid}/allocations", data={
        "csrf_token": token, "doc_no": "X3", "source": source, "amount": "abc", "arrived_on": "2024-09-02"})
    assert bad.status_code == 422 and 'data-field="amount"' in text_of(bad)

    commerce, ctoken = logged_in(app, COMMERCE)
    assert commerce.post(f"/projects/{pid}/allocations", data={
        "csrf_token": ctoken, "doc_no": "X4", "source": source, "amount": "1.00",
        "arrived_on": "2024-09-02"}).status_code == 403


def test_a_contractor_sees_neither_the_funds_nor_the_amendments_of_the_project(app: Any, flow: Flow) -> None:
    """The funds arrived are the bureaus' business (docs/decisions.md, issue 16)."""
    project = flow.tendered_project()
    flow.contract_a(project)
    contractor, _ = logged_in(app, CONTRACTOR_A)
    page = text_of(contractor.get(f"/projects/{project['id']}"))
    assert 'data-testid="plan"' in page
    assert 'data-testid="funds"' not in page and "X财外指" not in page
    assert 'data-testid="propose-amendment"' not in page and 'data-testid="allocation-form"' not in page
