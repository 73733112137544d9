"""User administration by the admin role (issue 18 item 6), through the API: create users of every role in
the admin's jurisdiction, reset passwords, disable and re-enable, list by region — each act audited, and
the admin still without any business power."""

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from disburse.adapters.orm import AuditEntry
from tests.flow import CITY, CODE_A, COMMERCE, COUNTY, FINANCE, NAME_A, Flow, credit_code, with_wrong_check_digit
from tests.helpers import PASSWORD

PROVINCE = "350000"  # 福建省: the admin's jurisdiction
OTHER_COUNTY = "530325"  # 富源县, Yunnan: outside it
ADMIN = "fj-admin"
NATIONAL = "cn-admin"
NEW_CODE = credit_code("91350921MA33WXY10")


@pytest.fixture
def admin_flow(flow: Flow) -> Flow:
    flow.user(ADMIN, "admin", PROVINCE)
    return flow


def _create(flow: Flow, body: dict[str, Any], as_: str = ADMIN) -> Any:
    return flow.post("/users", {"region": COUNTY, **body}, as_)


def _login(flow: Flow, username: str, password: str) -> Any:
    return flow.client.post("/api/v1/auth/tokens", json={"username": username, "password": password})


def _entries(flow: Flow, action: str) -> list[AuditEntry]:
    with flow.db.reading() as tx:
        return list(tx.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                       .order_by(AuditEntry.seq)))


@pytest.mark.parametrize("role", ["commerce", "finance", "leader", "supervisor", "inspector", "admin"])
def test_the_admin_creates_a_user_of_each_bureau_role_who_can_then_log_in(admin_flow: Flow, role: str) -> None:
    body = admin_flow.ok(_create(admin_flow, {"username": f"new-{role}", "role": role,
                                              "password": "a good password"}), 201)
    assert (body["role"], body["region"]["code"], body["active"]) == (role, COUNTY, True)
    assert body["temporary_password"] is None
    assert "password_hash" not in json.dumps(body)
    assert _login(admin_flow, f"new-{role}", "a good password").status_code == 201


def test_a_contractor_user_names_a_known_contractor_or_a_valid_credit_code(admin_flow: Flow) -> None:
    admin_flow.selected_project()  # contractor A is known from its contract
    known = admin_flow.ok(_create(admin_flow, {"username": "xp-contractor-a2", "role": "contractor",
                                               "contractor": CODE_A}), 201)
    assert (known["contractor"], known["contractor_name"]) == (CODE_A, NAME_A)
    made = admin_flow.ok(_create(admin_flow, {"username": "new-contractor", "role": "contractor",
                                              "contractor": NEW_CODE.lower()}), 201)
    assert made["contractor"] == NEW_CODE
    assert made["temporary_password"]
    assert _login(admin_flow, "new-contractor", made["temporary_password"]).status_code == 201

    wrong = _create(admin_flow, {"username": "bad-contractor", "role": "contractor",
                                 "contractor": with_wrong_check_digit(NEW_CODE)})
    assert wrong.status_code == 422
    assert "校验码" in wrong.get_json()["errors"]["contractor"][0]
    missing = _create(admin_flow, {"username": "no-code", "role": "contractor"})
    assert "contractor" in missing.get_json()["errors"]
    stray = _create(admin_flow, {"username": "finance-with-code", "role": "finance", "contractor": CODE_A})
    assert "contractor" in stray.get_json()["errors"]


def test_a_region_outside_the_jurisdiction_or_unknown_is_refused_on_its_field(admin_flow: Flow) -> None:
    before = len(_entries(admin_flow, "user.create"))
    outside = _create(admin_flow, {"username": "yn-finance", "role": "finance", "region": OTHER_COUNTY})
    assert outside.status_code == 422
    assert outside.headers["Content-Type"].startswith("application/problem+json")
    assert "管辖范围" in outside.get_json()["errors"]["region"][0]
    unknown = _create(admin_flow, {"username": "nowhere", "role": "finance", "region": "999999"})
    assert list(unknown.get_json()["errors"]) == ["region"]
    bad_role = _create(admin_flow, {"username": "boss", "role": "mayor"})
    assert bad_role.status_code == 422 and "role" in bad_role.get_json()["errors"]
    assert len(_entries(admin_flow, "user.create")) == before


def test_a_username_is_taken_once(admin_flow: Flow) -> None:
    again = _create(admin_flow, {"username": FINANCE, "role": "finance"})
    assert again.status_code == 422
    assert "已被使用" in again.get_json()["errors"]["username"][0]


def test_a_national_admin_administers_every_region(flow: Flow) -> None:
    flow.user(NATIONAL, "admin", "000000")
    flow.ok(_create(flow, {"username": "yn-finance", "role": "finance", "region": OTHER_COUNTY}, NATIONAL), 201)
    regions = {u["region"]["code"] for u in flow.ok(flow.get("/users", NATIONAL))["items"]}
    assert {COUNTY, CITY, OTHER_COUNTY} <= regions


def test_the_list_is_by_region_within_the_jurisdiction(admin_flow: Flow) -> None:
    admin_flow.user("yn-finance", "finance", OTHER_COUNTY)
    everyone = admin_flow.ok(admin_flow.get("/users", ADMIN))
    names = [u["username"] for u in everyone["items"]]
    assert "yn-finance" not in names and FINANCE in names and ADMIN in names
    assert everyone["total"] == len(names)
    county = admin_flow.ok(admin_flow.get(f"/users?region={COUNTY}", ADMIN))["items"]
    assert {u["region"]["code"] for u in county} == {COUNTY}
    finance = admin_flow.ok(admin_flow.get("/users?role=finance", ADMIN))["items"]
    assert [u["username"] for u in finance] == [FINANCE]
    assert admin_flow.ok(admin_flow.get(f"/users?region={OTHER_COUNTY}", ADMIN))["items"] == []
    other = admin_flow.user_ids["yn-finance"]
    assert admin_flow.get(f"/users/{other}", ADMIN).status_code == 404
    assert admin_flow.post(f"/users/{other}/events", {"event": "disable"}, ADMIN).status_code == 404
    assert _login(admin_flow, "yn-finance", PASSWORD).status_code == 201


def test_a_disabled_user_cannot_log_in_and_its_token_stops_until_re_enabled(admin_flow: Flow) -> None:
    victim = admin_flow.user_ids[FINANCE]
    old_token = admin_flow.h(FINANCE)
    assert admin_flow.client.get("/api/v1/me", headers=old_token).status_code == 200
    body = admin_flow.ok(admin_flow.post(f"/users/{victim}/events", {"event": "disable", "note": "调离"}, ADMIN))
    assert body["active"] is False
    assert admin_flow.client.get("/api/v1/me", headers=old_token).status_code == 401
    assert _login(admin_flow, FINANCE, PASSWORD).status_code == 401
    again = admin_flow.post(f"/users/{victim}/events", {"event": "disable"}, ADMIN)
    assert again.status_code == 409 and again.get_json()["unmet"][0]["code"] == "already_disabled"

    assert admin_flow.ok(admin_flow.post(f"/users/{victim}/events", {"event": "enable"}, ADMIN))["active"] is True
    assert admin_flow.client.get("/api/v1/me", headers=old_token).status_code == 401  # old tokens stay ended
    assert _login(admin_flow, FINANCE, PASSWORD).status_code == 201
    [disabled] = _entries(admin_flow, "user.disable")
    [enabled] = _entries(admin_flow, "user.enable")
    assert (disabled.actor_username, disabled.entity_id, disabled.note) == (ADMIN, str(victim), "调离")
    assert json.loads(disabled.data)["tokens_revoked"] == 1
    assert enabled.seq > disabled.seq


def test_a_reset_password_works_once_shown_and_the_old_one_fails(admin_flow: Flow) -> None:
    victim = admin_flow.user_ids[COMMERCE]
    old_token = admin_flow.h(COMMERCE)
    body = admin_flow.ok(admin_flow.post(f"/users/{victim}/events", {"event": "reset_password"}, ADMIN))
    temporary = body["temporary_password"]
    assert temporary and len(temporary) >= 12
    assert admin_flow.client.get("/api/v1/me", headers=old_token).status_code == 401
    assert _login(admin_flow, COMMERCE, PASSWORD).status_code == 401
    assert _login(admin_flow, COMMERCE, temporary).status_code == 201
    assert "temporary_password" not in admin_flow.ok(admin_flow.get(f"/users/{victim}", ADMIN))
    [entry] = _entries(admin_flow, "user.reset_password")
    assert temporary not in entry.data and entry.actor_username == ADMIN


def test_an_admin_cannot_disable_or_reset_itself(admin_flow: Flow) -> None:
    me = admin_flow.user_ids[ADMIN]
    for event in ("disable", "reset_password"):
        resp = admin_flow.post(f"/users/{me}/events", {"event": event}, ADMIN)
        assert resp.status_code == 409 and resp.get_json()["unmet"][0]["code"] == "own_account"
    assert _login(admin_flow, ADMIN, PASSWORD).status_code == 201


def test_every_act_is_audited_without_the_password(admin_flow: Flow) -> None:
    created = admin_flow.ok(_create(admin_flow, {"username": "xp-finance-2", "role": "finance"}), 201)
    entry = _entries(admin_flow, "user.create")[-1]
    assert (entry.actor_username, entry.actor_role, entry.entity_type, entry.entity_id) == (
        ADMIN, "admin", "user", str(created["id"]))
    assert json.loads(entry.data)["role"] == "finance"
    assert created["temporary_password"] not in entry.data
    for event in ("reset_password", "disable", "enable"):
        admin_flow.ok(admin_flow.post(f"/users/{created['id']}/events", {"event": event}, ADMIN))
        assert _entries(admin_flow, f"user.{event}")[-1].entity_id == str(created["id"])


@pytest.mark.parametrize("role", ["commerce", "finance", "supervisor", "inspector"])
def test_no_other_role_administers_users_and_the_refusal_is_logged(admin_flow: Flow, role: str) -> None:
    who = {"commerce": COMMERCE, "finance": FINANCE, "supervisor": "nd-supervisor", "inspector": "nd-inspector"}[role]
    victim = admin_flow.user_ids[FINANCE]
    denied = len(_entries(admin_flow, "access.denied"))
    assert admin_flow.get("/users", who).status_code == 403
    assert admin_flow.get(f"/users/{victim}", who).status_code == 403
    assert _create(admin_flow, {"username": "sneaky", "role": "admin"}, who).status_code == 403
    assert admin_flow.post(f"/users/{victim}/events", {"event": "disable"}, who).status_code == 403
    assert len(_entries(admin_flow, "access.denied")) == denied + 4


def test_the_admin_still_has_no_business_powers(admin_flow: Flow) -> None:
    project = admin_flow.tendered_project()
    pid = project["id"]
    assert admin_flow.get(f"/projects/{pid}", ADMIN).status_code == 403
    assert admin_flow.get("/projects", ADMIN).status_code == 403
    assert admin_flow.post(f"/projects/{pid}/events", {"event": "select_contractor"}, ADMIN).status_code == 403
    assert admin_flow.post(f"/projects/{pid}/events", {"event": "suspend", "note": "x"}, ADMIN).status_code == 403
    assert admin_flow.post("/projects", admin_flow.plan_of(project), ADMIN).status_code == 403
    assert admin_flow.get("/payments/queue", ADMIN).status_code == 403
    assert admin_flow.ok(admin_flow.get(f"/projects/{pid}", COMMERCE))["state"] == project["state"]


def test_the_openapi_document_lists_the_user_operations_without_password_hashes(admin_flow: Flow) -> None:
    document = admin_flow.client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/users", "/api/v1/users/{user_id}", "/api/v1/users/{user_id}/events"} <= set(document["paths"])
    assert "password_hash" not in json.dumps(document)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def _page_session(flow: Flow, username: str) -> tuple[Any, str]:
    client = flow.app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login)
    assert token
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token.group(1)}).status_code == 302
    home = client.get("/", follow_redirects=True)
    return client, home.get_data(as_text=True)


def test_the_page_resets_a_password_and_shows_it_once(admin_flow: Flow) -> None:
    client, home = _page_session(admin_flow, ADMIN)
    assert "用户管理" in home and FINANCE in home
    victim = admin_flow.user_ids[FINANCE]
    resp = client.post(f"/admin/users/{victim}/events", data={"event": "reset_password", "csrf_token": _csrf(home)})
    assert resp.status_code == 200
    shown = re.search(r'data-testid="password-value" data-data>([^<]+)<', resp.get_data(as_text=True))
    assert shown
    assert _login(admin_flow, FINANCE, shown.group(1)).status_code == 201
    assert 'data-testid="password-value"' not in client.get("/admin/users").get_data(as_text=True)


def test_the_page_lists_by_region_and_refuses_other_roles(admin_flow: Flow) -> None:
    client, _home = _page_session(admin_flow, ADMIN)
    county = client.get(f"/admin/users?region={COUNTY}").get_data(as_text=True)
    assert f'data-user="{FINANCE}"' in county and 'data-user="nd-supervisor"' not in county
    finance, _ = _page_session(admin_flow, FINANCE)
    assert finance.get("/admin/users").status_code == 403
