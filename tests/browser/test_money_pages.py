"""The money pages without a browser (Flask's test client): who sees what, refused forms, the new lists."""

import re
from io import BytesIO
from typing import Any

from disburse.services import acceptances, contracts, documents, payments, users
from tests.flow import COMMERCE, CONTRACTOR_A, CONTRACTOR_B, FINANCE, LEADER, Flow
from tests.helpers import PASSWORD

OTHER_COUNTY = "350902"  # 蕉城区, a neighbour of 霞浦县 in the same city


def logged_in(app: Any, username: str) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token[1]})
    assert answer.status_code == 302
    return client


def csrf(client: Any, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found
    return found[1]


def actor(flow: Flow, username: str) -> Any:
    return users.actor_by_username(flow.db, username)


def test_another_contractor_gets_404_for_contract_acceptance_and_payment_pages(app: Any, flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    payment = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1950000.00"},
                                CONTRACTOR_A), 201)
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A), 201)
    other = logged_in(app, CONTRACTOR_B)
    for path in (f"/contracts/{a['id']}", f"/payments/{payment['id']}", f"/acceptances/{acceptance['id']}"):
        assert other.get(path).status_code == 404, path
    mine = logged_in(app, CONTRACTOR_A)
    for path in (f"/contracts/{a['id']}", f"/payments/{payment['id']}", f"/acceptances/{acceptance['id']}"):
        assert mine.get(path).status_code == 200, path


def test_an_upload_of_a_type_not_allowed_is_refused_at_the_field(app: Any, flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    client = logged_in(app, CONTRACTOR_A)
    token = csrf(client, "/desk/contractor")
    answer = client.post("/desk/contractor/documents", content_type="multipart/form-data", data={
        "csrf_token": token, "contract_id": str(a["id"]), "kind": "application",
        "file": (BytesIO(b"MZ\x90\x00"), "setup.exe")})
    assert answer.status_code == 422
    assert 'data-field="file"' in answer.get_data(as_text=True)
    without_token = client.post("/desk/contractor/documents", content_type="multipart/form-data", data={
        "contract_id": str(a["id"]), "file": (BytesIO(b"%PDF-1.4\n"), "a.pdf")})
    assert without_token.status_code == 400
    assert documents.list_documents(flow.db, actor(flow, CONTRACTOR_A))["total"] == 0
    pdf = b"%PDF-1.4\n%%EOF\n"
    uploaded = client.post("/desk/contractor/documents", content_type="multipart/form-data", data={
        "csrf_token": token, "contract_id": str(a["id"]), "kind": "application", "file": (BytesIO(pdf), "a.pdf")})
    assert uploaded.status_code == 302
    listed = documents.list_documents(flow.db, actor(flow, CONTRACTOR_A))["items"]
    assert [d["filename"] for d in listed] == ["a.pdf"]
    download = client.get(f"/api/v1/documents/{listed[0]['id']}")  # the desk's link, with the session
    assert download.status_code == 200 and download.data == pdf
    download.close()
    assert documents.list_documents(flow.db, actor(flow, CONTRACTOR_B))["total"] == 0


def test_a_payment_step_posted_without_its_csrf_token_is_refused(app: Any, flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    payment = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1950000.00"},
                                CONTRACTOR_A), 201)
    client = logged_in(app, COMMERCE)
    assert client.post(f"/payments/{payment['id']}/events", data={"event": "verify"}).status_code == 400
    assert flow.ok(flow.get(f"/payments/{payment['id']}"))["state"] == "requested"
    token = csrf(client, f"/payments/{payment['id']}")
    answer = client.post(f"/payments/{payment['id']}/events", data={"event": "verify", "csrf_token": token})
    assert answer.status_code == 302 and answer.headers["location"].endswith(f"/payments/{payment['id']}")
    assert flow.ok(flow.get(f"/payments/{payment['id']}"))["state"] == "verified"


def test_the_lists_keep_to_the_jurisdiction_and_to_the_contractors_own(flow: Flow) -> None:
    project, a, b = flow.selected_project()
    mine = flow.in_notice(project, a)
    theirs = flow.ok(flow.apply(b, CONTRACTOR_B), 201)
    flow.ok(flow.post(f"/contracts/{b['id']}/payments", {"kind": "advance", "amount": "1050000.00"},
                      CONTRACTOR_B), 201)
    flow.user("jc-leader", "leader", OTHER_COUNTY)
    flow.user("jc-finance", "finance", OTHER_COUNTY)

    leader = actor(flow, LEADER)
    everything = acceptances.list_in_jurisdiction(flow.db, leader)
    assert [x["id"] for x in everything["items"]] == [mine["id"], theirs["id"]]  # the longest-waiting first
    in_notice = acceptances.list_in_jurisdiction(flow.db, leader, ("in_notice",))
    assert [x["id"] for x in in_notice["items"]] == [mine["id"]] and in_notice["total"] == 1
    assert acceptances.list_in_jurisdiction(flow.db, actor(flow, "jc-leader"))["total"] == 0

    contractor_a = actor(flow, CONTRACTOR_A)
    assert [x["id"] for x in acceptances.list_in_jurisdiction(flow.db, contractor_a)["items"]] == [mine["id"]]
    assert [x["id"] for x in contracts.list_in_jurisdiction(flow.db, contractor_a)["items"]] == [a["id"]]
    assert payments.list_in_jurisdiction(flow.db, contractor_a)["total"] == 0
    assert payments.list_in_jurisdiction(flow.db, actor(flow, CONTRACTOR_B))["total"] == 1
    assert payments.list_in_jurisdiction(flow.db, actor(flow, FINANCE), ("requested",))["total"] == 1
    assert payments.list_in_jurisdiction(flow.db, actor(flow, "jc-finance"))["total"] == 0
    assert contracts.list_in_jurisdiction(flow.db, actor(flow, "jc-finance"))["total"] == 0
    ledger = contracts.list_in_jurisdiction(flow.db, actor(flow, FINANCE))["items"]
    assert {c["lot"]: c["ledger"]["in_flight"] for c in ledger} == {"标段一": "0.00", "标段二": "1050000.00"}
