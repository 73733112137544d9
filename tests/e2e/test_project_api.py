"""The project lifecycle through the HTTP API (SPEC §5.1, §11.1), on SQLite and PostgreSQL."""

from typing import Any

import pytest

from tests.helpers import make_user, small_plan, token_headers


@pytest.fixture
def users(app: Any, client: Any) -> dict[str, dict[str, str]]:
    """A commerce user and colleagues of 富源县 (530325, 曲靖市), plus outsiders."""
    db = app.extensions["disburse.db"]
    make_user(db, "fy-commerce", "commerce", "530325")
    make_user(db, "qj-supervisor", "supervisor", "530300")
    make_user(db, "qj-inspector", "inspector", "530300")
    make_user(db, "fy-finance", "finance", "530325")
    make_user(db, "hz-commerce", "commerce", "530326")  # 会泽县: same city, another county
    make_user(db, "kp-inspector", "inspector", "652929")  # 柯坪县, far away
    return {name: token_headers(client, name) for name in
            ("fy-commerce", "qj-supervisor", "qj-inspector", "fy-finance", "hz-commerce", "kp-inspector")}


def create(client: Any, headers: dict[str, str], doc: dict[str, Any] | None = None) -> dict[str, Any]:
    resp = client.post("/api/v1/projects", json=doc or small_plan(), headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def fire(client: Any, headers: dict[str, str], pid: int, event: str, **data: Any) -> Any:
    return client.post(f"/api/v1/projects/{pid}/events", json={"event": event, **data}, headers=headers)


def test_a_project_walks_filed_returned_filed_tendered_suspended_tendered(client: Any, users: Any) -> None:
    commerce, supervisor, inspector = users["fy-commerce"], users["qj-supervisor"], users["qj-inspector"]
    project = create(client, commerce)
    pid = project["id"]
    assert project["state"] == "plan_drafted"
    assert project["total"] == "10000000.00" and project["total_wan"] == "1000万元"
    assert project["allowed_events"] == ["edit_plan", "withdraw", "file"]

    steps = [
        (commerce, "file", {}, "filed"),
        (supervisor, "return_for_revision", {"note": "请按地区商务局意见修改"}, "plan_drafted"),
        (commerce, "file", {}, "filed"),
        (commerce, "open_tender", {"method": "open", "packaging": "by_item",
                                   "announced_on": "2019-03-01", "reference": "FY-2019-01"}, "tendered"),
        (inspector, "suspend", {"note": "接到举报，暂停核查"}, "suspended"),
        (inspector, "resume", {"note": "核查完毕"}, "tendered"),
    ]
    for headers, event, data, expected in steps:
        resp = fire(client, headers, pid, event, **data)
        assert resp.status_code == 200, (event, resp.get_json())
        assert resp.get_json()["state"] == expected

    body = client.get(f"/api/v1/projects/{pid}", headers=commerce).get_json()
    assert body["tender"]["current"]["packaging"] == "by_item" and body["previous_state"] is None

    audit = client.get(f"/api/v1/projects/{pid}/audit", headers=inspector).get_json()
    transitions = [(e["action"], e["from_state"], e["to_state"]) for e in audit["items"]]
    assert transitions == [
        ("project.create", None, "plan_drafted"),
        ("project.file", "plan_drafted", "filed"),
        ("project.return_for_revision", "filed", "plan_drafted"),
        ("project.file", "plan_drafted", "filed"),
        ("project.open_tender", "filed", "tendered"),
        ("project.suspend", "tendered", "suspended"),
        ("project.resume", "suspended", "tendered"),
    ]
    assert audit["items"][2]["note"] == "请按地区商务局意见修改"
    verify = client.get("/api/v1/audit/verify", headers=inspector).get_json()
    assert verify["ok"] is True and verify["entries"] >= len(transitions)


def test_a_user_of_another_county_gets_404_and_the_denial_is_logged(client: Any, users: Any) -> None:
    pid = create(client, users["fy-commerce"])["id"]
    for name in ("hz-commerce", "kp-inspector"):
        resp = client.get(f"/api/v1/projects/{pid}", headers=users[name])
        assert resp.status_code == 404
        assert resp.content_type == "application/problem+json"
        assert fire(client, users[name], pid, "file").status_code == 404
    listed = client.get("/api/v1/projects", headers=users["hz-commerce"]).get_json()
    assert listed["total"] == 0
    supervisor_list = client.get("/api/v1/projects", headers=users["qj-supervisor"]).get_json()
    assert [p["id"] for p in supervisor_list["items"]] == [pid]
    audit = client.get(f"/api/v1/projects/{pid}/audit", headers=users["qj-inspector"]).get_json()
    assert all(e["action"] != "access.denied" for e in audit["items"])  # denials are not project changes
    from sqlalchemy import select

    from disburse.adapters.orm import AuditEntry

    db = client.application.extensions["disburse.db"]
    with db.reading() as tx:
        denied = set(tx.session.scalars(
            select(AuditEntry.actor_username).where(AuditEntry.action == "access.denied")))
    assert denied == {"hz-commerce", "kp-inspector"}


def test_an_inspector_gets_403_on_file(client: Any, users: Any) -> None:
    pid = create(client, users["fy-commerce"])["id"]
    resp = fire(client, users["qj-inspector"], pid, "file")
    assert resp.status_code == 403
    assert resp.get_json()["unmet"][0]["code"] == "role_not_allowed"
    assert client.get(f"/api/v1/projects/{pid}", headers=users["fy-commerce"]).get_json()["state"] == "plan_drafted"


def test_select_contractor_from_filed_is_a_409(client: Any, users: Any) -> None:
    pid = create(client, users["fy-commerce"])["id"]
    assert fire(client, users["fy-commerce"], pid, "file").status_code == 200
    resp = fire(client, users["fy-commerce"], pid, "select_contractor")
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["unmet"][0]["code"] == "wrong_state"
    assert body["unmet"][0]["message_zh"] and body["unmet"][0]["message_en"]


def test_file_refuses_a_plan_over_the_cap_and_changes_nothing(client: Any, users: Any) -> None:
    doc = small_plan()
    doc["lines"][0]["amount"] = "1500001.00"
    doc["lines"][2]["amount"] = "2499999.00"
    pid = create(client, users["fy-commerce"], doc)["id"]
    explained = client.get(f"/api/v1/projects/{pid}/events/file", headers=users["fy-commerce"]).get_json()
    assert explained["allowed"] is False
    assert [u["code"] for u in explained["unmet"]] == ["share_above_cap"]
    resp = fire(client, users["fy-commerce"], pid, "file")
    assert resp.status_code == 409
    unmet = resp.get_json()["unmet"]
    assert unmet[0]["clause"] == "曲政办发〔2018〕205号 五(一)" and "15%" in unmet[0]["message"]
    project = client.get(f"/api/v1/projects/{pid}", headers=users["fy-commerce"]).get_json()
    assert project["state"] == "plan_drafted" and project["allowed_events"] == ["edit_plan", "withdraw"]
    audit = client.get(f"/api/v1/projects/{pid}/audit", headers=users["fy-commerce"]).get_json()
    assert [e["action"] for e in audit["items"]] == ["project.create"]


def test_explaining_an_event_names_its_required_data(client: Any, users: Any) -> None:
    pid = create(client, users["fy-commerce"])["id"]
    fire(client, users["fy-commerce"], pid, "file")
    body = client.get(f"/api/v1/projects/{pid}/events/open_tender", headers=users["fy-commerce"]).get_json()
    assert body["allowed"] is True and body["requires"] == ["method", "packaging", "announced_on"]
    resp = fire(client, users["fy-commerce"], pid, "open_tender", method="open")
    assert resp.status_code == 422
    assert set(resp.get_json()["errors"]) == {"packaging", "announced_on"}
    resp = fire(client, users["fy-commerce"], pid, "open_tender", method="open", packaging="by_county",
                announced_on="2019-03-01")
    assert resp.status_code == 422 and "packaging" in resp.get_json()["errors"]


def test_suspend_needs_a_note(client: Any, users: Any) -> None:
    pid = create(client, users["fy-commerce"])["id"]
    resp = fire(client, users["qj-inspector"], pid, "suspend")
    assert resp.status_code == 422 and "note" in resp.get_json()["errors"]


def test_allowed_events_reflect_the_current_user(client: Any, users: Any) -> None:
    pid = create(client, users["fy-commerce"])["id"]
    fire(client, users["fy-commerce"], pid, "file")
    def allowed(name: str) -> list[str]:
        return client.get(f"/api/v1/projects/{pid}", headers=users[name]).get_json()["allowed_events"]
    assert allowed("fy-commerce") == ["open_tender"]
    assert allowed("qj-supervisor") == ["return_for_revision"]
    assert allowed("qj-inspector") == ["suspend"]
    assert allowed("fy-finance") == []


def test_listing_filters_by_state_and_paginates(client: Any, users: Any) -> None:
    ids = [create(client, users["fy-commerce"])["id"] for _ in range(3)]
    fire(client, users["fy-commerce"], ids[0], "file")
    page = client.get("/api/v1/projects?per_page=2&page=1", headers=users["fy-commerce"]).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2
    filed = client.get("/api/v1/projects?state=filed", headers=users["fy-commerce"]).get_json()
    assert [p["id"] for p in filed["items"]] == [ids[0]]
    bad = client.get("/api/v1/projects?per_page=0", headers=users["fy-commerce"])
    assert bad.status_code == 422 and "per_page" in bad.get_json()["errors"]
