"""The public objection form's defences: CSRF, the honeypot, the minimum time, the rate limit (SPEC §9)."""

import re
from typing import Any

from tests.flow import Flow, public_address

CONTENT = "验收材料与实际建设情况不符，请核查。"


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def open_form(flow: Flow) -> tuple[str, dict[str, str], dict[str, Any]]:
    project, a, _b = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    path = f"/public/notices/{acceptance['notice']['id']}"
    html = flow.client.get(path).get_data(as_text=True)
    form = {"csrf_token": hidden(html, "csrf_token"), "form_token": hidden(html, "form_token"),
            "name": "", "contact": "13800000000", "content": CONTENT, "website": ""}
    return path, form, acceptance


def post(flow: Flow, path: str, form: dict[str, str], address: str | None = None) -> Any:
    return flow.client.post(path, data=form, environ_base={"REMOTE_ADDR": address or public_address()})


def test_a_form_sent_back_at_once_is_refused_and_keeps_the_text(flow: Flow) -> None:
    path, form, acceptance = open_form(flow)
    resp = post(flow, path, form)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "提交过快" in html and CONTENT in html
    assert flow.acceptance(acceptance["id"])["state"] == "in_notice"


def test_a_forged_or_missing_form_token_is_refused(flow: Flow, app: Any) -> None:
    app.config["OBJECTION_MIN_SECONDS"] = 0
    path, form, _acceptance = open_form(flow)
    for token in ("", form["form_token"][:-2] + "xx"):
        resp = post(flow, path, {**form, "form_token": token})
        assert resp.status_code == 422 and "表单已失效" in resp.get_data(as_text=True)


def test_the_form_without_its_csrf_token_is_refused(flow: Flow, app: Any) -> None:
    app.config["OBJECTION_MIN_SECONDS"] = 0
    path, form, acceptance = open_form(flow)
    resp = post(flow, path, {k: v for k, v in form.items() if k != "csrf_token"})
    assert resp.status_code == 400
    assert flow.acceptance(acceptance["id"])["state"] == "in_notice"


def test_missing_fields_are_shown_in_place_and_a_good_form_is_filed(flow: Flow, app: Any) -> None:
    app.config["OBJECTION_MIN_SECONDS"] = 0
    path, form, acceptance = open_form(flow)
    resp = post(flow, path, {**form, "contact": ""})
    assert resp.status_code == 422
    assert 'data-field="contact"' in resp.get_data(as_text=True) and CONTENT in resp.get_data(as_text=True)
    resp = post(flow, path, form)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(path)
    assert flow.acceptance(acceptance["id"])["state"] == "objected"


def test_too_many_objections_from_one_address_are_refused_politely(flow: Flow, app: Any) -> None:
    app.config["OBJECTION_MIN_SECONDS"] = 0
    path, form, _acceptance = open_form(flow)
    address = public_address()
    for _ in range(5):
        assert post(flow, path, form, address).status_code == 302
    resp = post(flow, path, form, address)
    assert resp.status_code == 429 and "提交过于频繁" in resp.get_data(as_text=True)


def test_a_draft_project_has_no_public_page_and_an_ended_notice_takes_no_objection(flow: Flow, app: Any) -> None:
    draft = flow.create_project()
    assert flow.client.get(f"/public/projects/{draft['id']}").status_code == 404
    app.config["OBJECTION_MIN_SECONDS"] = 0
    path, form, acceptance = open_form(flow)
    flow.after_notice(acceptance)
    assert 'data-testid="notice-closed"' in flow.client.get(path).get_data(as_text=True)
    resp = post(flow, path, form)
    assert resp.status_code == 409 and CONTENT in resp.get_data(as_text=True)
