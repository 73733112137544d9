"""The plain browser login: flask-login sessions, CSRF, logout that ends the session."""

import re
from typing import Any

import pytest

from tests.helpers import PASSWORD, make_user


@pytest.fixture
def browser_app(app: Any) -> Any:
    make_user(app.extensions["disburse.db"], "fy-finance", "finance", "530325")
    return app


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_login_session_reaches_the_api_and_logout_ends_it(browser_app: Any) -> None:
    client = browser_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    resp = client.post("/login", data={"username": "fy-finance", "password": PASSWORD,
                                       "csrf_token": csrf_token(page)})
    assert resp.status_code == 302
    assert client.get("/api/v1/me").get_json()["username"] == "fy-finance"
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_token(home)}).status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_a_wrong_password_says_nothing_about_the_user(browser_app: Any) -> None:
    client = browser_app.test_client()
    answers = []
    for username in ("fy-finance", "nobody-at-all"):
        page = client.get("/login").get_data(as_text=True)
        resp = client.post("/login", data={"username": username, "password": "wrong password",
                                           "csrf_token": csrf_token(page)})
        assert resp.status_code == 401
        answers.append(resp.get_data(as_text=True).replace(username, ""))
    assert "用户名或密码错误" in answers[0]


def test_a_login_without_csrf_token_is_refused(browser_app: Any) -> None:
    client = browser_app.test_client()
    resp = client.post("/login", data={"username": "fy-finance", "password": PASSWORD})
    assert resp.status_code == 400
