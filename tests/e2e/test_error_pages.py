"""Errors a person meets are pages in the layout, in Chinese (English with the switch), with a way home
(issue 18); the API keeps answering problem+json."""

from typing import Any

import pytest

from tests.e2e.test_projects_ui import logged_in
from tests.flow import COMMERCE, CONTRACTOR_A, COUNTY, Flow


def test_a_commerce_user_on_the_admins_page_sees_a_styled_chinese_403_with_a_way_home(app: Any, flow: Flow) -> None:
    client, _ = logged_in(app, COMMERCE)
    resp = client.get("/admin/users")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403 and resp.mimetype == "text/html"
    assert 'data-testid="error-page"' in html and "无权访问" in html and 'data-testid="error-home"' in html
    assert 'class="top"' in html and "Forbidden" not in html
    english = client.get("/admin/users?lang=en").get_data(as_text=True)
    assert "Access denied" in english and "Back to the home page" in english


@pytest.mark.parametrize(("user", "path"), [(CONTRACTOR_A, "/audit"), ("xp-admin", "/projects")])
def test_a_contractor_or_an_admin_off_its_pages_sees_the_styled_403(app: Any, flow: Flow, user: str,
                                                                    path: str) -> None:
    if user == "xp-admin":
        flow.user(user, "admin", COUNTY)
    client, _ = logged_in(app, user)
    resp = client.get(path)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403 and "无权访问" in html and 'data-testid="error-home"' in html, html[:300]


def test_a_missing_page_and_a_missing_record_are_a_styled_404(app: Any, flow: Flow) -> None:
    client, _ = logged_in(app, COMMERCE)
    for path in ("/no-such-page", "/projects/999999"):
        resp = client.get(path)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 404 and "页面不存在" in html and 'data-status="404"' in html, path
        assert "Not Found" not in html, path
    anonymous = app.test_client().get("/no-such-page?lang=en").get_data(as_text=True)
    assert "Page not found" in anonymous and 'data-testid="error-home"' in anonymous


def test_the_api_keeps_its_problem_documents(app: Any, flow: Flow) -> None:
    resp = app.test_client().get("/api/v1/no-such-thing")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    assert resp.get_json()["status"] == 404
