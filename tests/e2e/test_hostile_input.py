"""Input a client can send but nothing can store never crashes the server (issue 14, item 2).

A NUL character or a lone surrogate in a string field, and JSON nested 50 000 deep, answered 500
before: each is now a 400 (nesting) or a 422 naming the field, nothing is written, and where the
request is a login or an objection it counts against the client's limits like any refused one.
"""

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from disburse.adapters.limits import ACCOUNT, OBJECTION
from disburse.adapters.orm import AuditEntry, Objection, Project
from tests.flow import COMMERCE, Flow, public_address
from tests.helpers import PASSWORD, example

NUL = "\u0000"
SURROGATE = "\ud800"
#: As a client writes them in JSON text: the escapes, so the body itself is valid UTF-8.
POISONS = pytest.mark.parametrize("poison", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
DEEP = b"[" * 50_000


def problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:400])
    assert resp.mimetype == "application/problem+json"
    body: dict[str, Any] = resp.get_json()
    return body


def count(flow: Flow, model: Any, *where: Any) -> int:
    with flow.db.reading() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def raw_json(value: Any) -> bytes:
    """JSON text with every non-ASCII character escaped (a lone surrogate cannot be UTF-8 encoded)."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")


# --- logins -------------------------------------------------------------------------------------


@POISONS
def test_a_login_with_an_unstorable_username_is_a_422_naming_it_and_a_failed_login(flow: Flow, poison: str) -> None:
    before = count(flow, AuditEntry, AuditEntry.action == "auth.login_failed")
    resp = flow.client.post("/api/v1/auth/tokens", data=raw_json({"username": f"xp{poison}commerce",
                                                                  "password": "guess"}),
                            content_type="application/json")
    assert set(problem(resp, 422)["errors"]) == {"username"}
    assert count(flow, AuditEntry, AuditEntry.action == "auth.login_failed") == before + 1


def test_unstorable_logins_count_toward_the_account_lock(flow: Flow) -> None:
    body = raw_json({"username": f"xp-commerce{NUL}", "password": "guess"})
    statuses = [flow.client.post("/api/v1/auth/tokens", data=body, content_type="application/json").status_code
                for _ in range(ACCOUNT.attempts + 1)]
    assert statuses == [422] * (ACCOUNT.attempts - 1) + [429, 429]


@POISONS
def test_an_unstorable_password_is_refused_without_a_500(flow: Flow, poison: str) -> None:
    resp = flow.client.post("/api/v1/auth/tokens", data=raw_json({"username": COMMERCE,
                                                                  "password": PASSWORD + poison}),
                            content_type="application/json")
    assert set(problem(resp, 422)["errors"]) == {"password"}


def test_the_login_page_refuses_a_nul_with_the_field_marked_and_counts_it(app: Any, flow: Flow) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    before = count(flow, AuditEntry, AuditEntry.action == "auth.login_failed")
    resp = flow.client.post("/login", data={"username": f"xp{NUL}", "password": "guess"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'data-field="username"' in page and "含有无法保存的字符" in page
    assert count(flow, AuditEntry, AuditEntry.action == "auth.login_failed") == before + 1


# --- objections ---------------------------------------------------------------------------------


@pytest.fixture
def notice(flow: Flow) -> dict[str, Any]:
    project, a, _ = flow.selected_project()
    return flow.in_notice(project, a)


@POISONS
def test_an_unstorable_objection_is_a_422_naming_the_field_and_nothing_is_filed(
        flow: Flow, notice: dict[str, Any], poison: str) -> None:
    resp = flow.client.post(f"/api/v1/public/notices/{notice['notice']['id']}/objections",
                            data=raw_json({"contact": "13800000000", "content": f"材料不符{poison}"}),
                            content_type="application/json", environ_base={"REMOTE_ADDR": public_address()})
    assert set(problem(resp, 422)["errors"]) == {"content"}
    assert count(flow, Objection) == 0


def test_refused_objections_count_toward_the_address_limit(flow: Flow, notice: dict[str, Any]) -> None:
    address = public_address()
    url = f"/api/v1/public/notices/{notice['notice']['id']}/objections"
    bad = raw_json({"contact": f"138{NUL}", "content": "材料不符"})
    for _ in range(OBJECTION.attempts):
        resp = flow.client.post(url, data=bad, content_type="application/json", environ_base={"REMOTE_ADDR": address})
        assert resp.status_code == 422
    resp = flow.object_to(notice, address=address)
    assert problem(resp, 429)["type"] == "/problems/rate-limited"
    assert count(flow, Objection) == 0


def test_the_public_objection_form_refuses_a_nul_in_place(app: Any, flow: Flow, notice: dict[str, Any]) -> None:
    from disburse.web.public import form_token

    app.config.update(WTF_CSRF_ENABLED=False, OBJECTION_MIN_SECONDS=0)
    with app.test_request_context():
        token = form_token(notice["notice"]["id"])
    resp = flow.client.post(f"/public/notices/{notice['notice']['id']}",
                            data={"contact": "13800000000", "content": f"材料{NUL}不符", "form_token": token},
                            environ_base={"REMOTE_ADDR": public_address()})
    assert resp.status_code == 422
    assert 'data-field="content"' in resp.get_data(as_text=True)
    assert count(flow, Objection) == 0


# --- everywhere else ----------------------------------------------------------------------------


@POISONS
def test_a_plan_with_an_unstorable_name_is_a_422_and_no_project_is_made(flow: Flow, poison: str) -> None:
    plan = example("003")
    plan["lines"][0]["item"] = f"公共服务{poison}中心"
    resp = flow.client.post("/api/v1/projects", data=raw_json(plan), content_type="application/json",
                            headers=flow.h(COMMERCE))
    assert set(problem(resp, 422)["errors"]) == {"lines.0.item"}
    assert count(flow, Project) == 0


def test_a_nul_in_a_query_parameter_is_a_422_naming_it(flow: Flow) -> None:
    resp = flow.client.get("/api/v1/projects?state=filed%00", headers=flow.h(COMMERCE))
    assert set(problem(resp, 422)["errors"]) == {"state"}


def test_a_nul_in_the_idempotency_key_is_a_422_naming_the_header(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    resp = flow.client.post(f"/api/v1/contracts/{a['id']}/payments", json={"kind": "advance", "amount": "100.00"},
                            headers={**flow.h(COMMERCE), "Idempotency-Key": f"k{NUL}"})
    assert set(problem(resp, 422)["errors"]) == {"Idempotency-Key"}


def test_a_nul_in_a_page_form_is_refused_and_changes_nothing(app: Any, flow: Flow) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    project = flow.tendered_project()
    flow.client.post("/login", data={"username": COMMERCE, "password": PASSWORD})
    resp = flow.client.post(f"/projects/{project['id']}/reports", data={"month": "2024-09", "text": f"进度{NUL}"})
    assert resp.status_code == 422
    assert flow.ok(flow.get(f"/projects/{project['id']}/reports"))["total"] == 0


@pytest.mark.parametrize("path", ["/api/v1/auth/tokens", "/api/v1/projects", "/api/v1/public/notices/1/objections"])
def test_json_nested_fifty_thousand_deep_is_a_400(flow: Flow, path: str) -> None:
    resp = flow.client.post(path, data=DEEP, content_type="application/json", headers=flow.h(COMMERCE))
    assert problem(resp, 400)["type"] == "/problems/malformed-request"


def test_an_anonymous_caller_gets_401_not_field_errors(flow: Flow) -> None:
    resp = flow.client.post("/api/v1/projects", data=raw_json({"name": NUL}), content_type="application/json")
    assert "errors" not in problem(resp, 401)
    resp = flow.client.post("/api/v1/projects/1/events", json={"event": 7})
    assert "errors" not in problem(resp, 401)


def test_a_body_that_is_not_utf8_is_a_400(flow: Flow) -> None:
    resp = flow.client.post("/api/v1/auth/tokens", data=b'{"username": "\xff\xfe", "password": "x"}',
                            content_type="application/json")
    assert resp.status_code == 400
