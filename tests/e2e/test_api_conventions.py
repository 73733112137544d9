"""API conventions: problem+json, money as strings, authentication (SPEC §11.1)."""

from typing import Any

import pytest

from tests.helpers import make_user, small_plan, token_headers


@pytest.fixture
def commerce(app: Any, client: Any) -> dict[str, str]:
    make_user(app.extensions["disburse.db"], "fy-commerce", "commerce", "530325")
    return token_headers(client, "fy-commerce")


def test_a_json_number_for_money_is_a_422_that_says_so(client: Any, commerce: Any) -> None:
    doc = small_plan()
    doc["total"] = 10000000
    resp = client.post("/api/v1/projects", json=doc, headers=commerce)
    assert resp.status_code == 422
    assert resp.content_type == "application/problem+json"
    assert "not a number" in resp.get_json()["errors"]["total"][0]


def test_field_errors_say_where(client: Any, commerce: Any) -> None:
    doc = small_plan()
    doc["lines"][2]["amount"] = "abc"
    del doc["name"]
    errors = client.post("/api/v1/projects", json=doc, headers=commerce).get_json()["errors"]
    assert set(errors) == {"lines.2.amount", "name"}


def test_malformed_json_is_a_400(client: Any, commerce: Any) -> None:
    resp = client.post("/api/v1/projects", data="{not json", headers={**commerce, "Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["status"] == 400
    resp = client.post("/api/v1/projects/1/events", data="[", headers={**commerce, "Content-Type": "application/json"})
    assert resp.status_code == 400


@pytest.mark.parametrize("body", [[], "text", 42, None, {"lines": "no"}])
def test_odd_bodies_never_yield_a_500(client: Any, commerce: Any, body: Any) -> None:
    resp = client.post("/api/v1/projects", json=body, headers=commerce)
    assert resp.status_code in (400, 415, 422), resp.get_json()


def test_a_body_too_large_is_a_413(app: Any, client: Any, commerce: Any) -> None:
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    resp = client.post("/api/v1/projects", data=big, headers={**commerce, "Content-Type": "application/json"})
    assert resp.status_code == 413 and resp.content_type == "application/problem+json"


def test_missing_or_bad_credentials_are_a_401(client: Any) -> None:
    assert client.get("/api/v1/projects").status_code == 401
    resp = client.get("/api/v1/projects", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401 and resp.content_type == "application/problem+json"
    resp = client.post("/api/v1/auth/tokens", json={"username": "ghost", "password": "whatever1"})
    assert resp.status_code == 401


def test_tokens_are_stored_only_as_hashes(app: Any, client: Any, commerce: Any) -> None:
    from sqlalchemy import select

    from disburse.adapters.orm import ApiToken

    token = commerce["Authorization"].split()[1]
    with app.extensions["disburse.db"].reading() as tx:
        stored = tx.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_unknown_events_and_projects(client: Any, commerce: Any) -> None:
    pid = client.post("/api/v1/projects", json=small_plan(), headers=commerce).get_json()["id"]
    resp = client.post(f"/api/v1/projects/{pid}/events", json={"event": "explode"}, headers=commerce)
    assert resp.status_code == 422 and "event" in resp.get_json()["errors"]
    assert client.get("/api/v1/projects/999999", headers=commerce).status_code == 404
    assert client.get(f"/api/v1/projects/{pid}/events/explode", headers=commerce).status_code == 422


def test_the_openapi_document_describes_the_api(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/projects", "/api/v1/projects/{project_id}", "/api/v1/projects/{project_id}/events",
                 "/api/v1/projects/{project_id}/events/{event}", "/api/v1/auth/tokens",
                 "/api/v1/audit/verify", "/api/v1/projects/{project_id}/audit", "/api/v1/me"):
        assert path in spec["paths"], path


def test_a_plan_outside_the_jurisdiction_cannot_be_created(client: Any, commerce: Any) -> None:
    resp = client.post("/api/v1/projects", json=small_plan(region="530326"), headers=commerce)
    assert resp.status_code == 422 and "region" in resp.get_json()["errors"]


def test_me_tells_who_is_calling(client: Any, commerce: Any) -> None:
    assert client.get("/api/v1/me", headers=commerce).get_json()["role"] == "commerce"


def test_login_and_failed_login_are_audited(app: Any, client: Any, commerce: Any) -> None:
    client.post("/api/v1/auth/tokens", json={"username": "fy-commerce", "password": "wrong password"})
    from sqlalchemy import select

    from disburse.adapters.orm import AuditEntry

    with app.extensions["disburse.db"].reading() as tx:
        actions = tx.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-2:] == ["auth.login", "auth.login_failed"]


def test_a_collision_between_concurrent_writers_is_a_409_not_a_500(app: Any, client: Any, commerce: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    from disburse.api import problems

    assert app.error_handler_spec[None][None][IntegrityError] is problems.handle_collision
    with app.test_request_context("/api/v1/projects"):
        resp = problems.handle_collision(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert resp.status_code == 409 and resp.mimetype == "application/problem+json"
