"""Sessions end everywhere at logout, nothing personal is cached, and the API authenticates first (issue 14, item 6)."""

import re
from typing import Any

import pytest

from tests.flow import COMMERCE, Flow
from tests.helpers import PASSWORD, token_headers


def login_page(flow: Flow, username: str = COMMERCE) -> None:
    flow.app.config["WTF_CSRF_ENABLED"] = False
    resp = flow.client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302


def test_logging_out_of_the_browser_revokes_the_users_bearer_tokens(flow: Flow) -> None:
    headers = token_headers(flow.client, COMMERCE)
    assert flow.client.get("/api/v1/me", headers=headers).status_code == 200
    login_page(flow)
    assert flow.client.post("/logout").status_code == 302
    resp = flow.client.get("/api/v1/me", headers=headers)
    assert resp.status_code == 401
    assert flow.client.get("/projects").status_code == 302  # the browser session is over too


def test_authenticated_answers_carry_no_store_and_static_files_do_not(flow: Flow) -> None:
    assert flow.get("/me").headers["Cache-Control"] == "no-store"
    login_page(flow)
    assert flow.client.get("/projects").headers["Cache-Control"] == "no-store"
    assert flow.client.get("/").headers.get("Cache-Control") == "no-store"
    static = flow.client.get("/static/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def _operations(app: Any) -> list[tuple[str, str, dict[str, Any]]]:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    return [(method, path, op) for path, item in document["paths"].items() for method, op in item.items()
            if method in ("get", "post", "put", "patch", "delete")]


def _concrete(path: str) -> str:
    """The path with every parameter filled: 1 for an id, a real event name for ``{event}``."""
    return re.sub(r"\{(\w+)\}", lambda m: "approve" if m.group(1) == "event" else "1", path)


@pytest.mark.parametrize("body", [{"amount": 1e400, "event": 7, "kind": ["x"]}, "not json"])
def test_every_operation_that_needs_a_login_answers_an_anonymous_caller_401_whatever_the_body(
        app: Any, client: Any, body: Any) -> None:
    for method, path, operation in _operations(app):
        if operation.get("security") == []:
            continue
        url = _concrete(path) + "?page=-1&size=abc&month=0000-00"
        if isinstance(body, dict):
            resp = client.open(url, method=method.upper(), json=body)
        else:
            resp = client.open(url, method=method.upper(), data=body, content_type="application/json")
        assert resp.status_code == 401, (method, path, resp.status_code, resp.get_json())
        assert "errors" not in (resp.get_json() or {})
