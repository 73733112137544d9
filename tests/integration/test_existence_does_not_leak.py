"""Existence does not leak (issue 14, item 5; SPEC §6 "anything outside answers 404, not 403").

For every route of the URL map that names an object in its path, a user of another province — each
role, the admin included — gets the same answer for county A's existing object as for an id that
does not exist: the same status and the same body once the id itself is blanked out. A 404 names only
the object asked for, never the project or contract above it ("no project 12" for someone else's
payment told the caller which project the payment was on).
"""

import re
from typing import Any

import pytest

from tests.flow import CONTRACTOR_B, Flow
from tests.fuzz.county import OTHER, ROLES, County, build
from tests.integration.test_authorization_sweep import ROUTES, Caller, _path

MISSING = 987654321


@pytest.fixture
def backend() -> str:
    return "sqlite"


def _blank(text: str, ident: int) -> str:
    """The answer without what differs on every request (its id, a CSRF token) and with the asked id blanked
    in a problem's ``detail`` (a page's 404 does not repeat the id)."""
    text = re.sub(r'"request_id":\s*"[^"]*"', "", text)
    text = re.sub(r'name="csrf_token"[^>]*>', "", text)
    return re.sub(r'("detail":\s*"[^"]*?)(?<!\d)' + str(ident) + r'(?!\d)', r"\1N", text)


def _with_id(rule: str, county: County, name: str, value: int) -> str:
    return _path(rule, county).replace(f"/{county.ids[name]}", f"/{value}", 1) if name in county.ids else ""


def test_a_foreign_object_answers_exactly_like_a_missing_one_for_every_role(flow: Flow) -> None:
    county = build(flow)
    routes = sorted(rule for method, rule in ROUTES
                    if method == "GET" and ROUTES[(method, rule)].kind in ("object", "mine"))
    differ: list[str] = []
    for role in ROLES:
        caller = Caller(county, OTHER[role])
        for rule in routes:
            names = [n for n in re.findall(r"<(?:\w+:)?(\w+)>", rule) if n in county.ids]
            if not names:
                continue
            name = names[-1]
            existing = _answer(caller, _path(rule, county))
            missing = _answer(caller, _with_id(rule, county, name, MISSING))
            if existing[0] != missing[0] or _blank(existing[1], county.ids[name]) != _blank(missing[1], MISSING):
                differ.append(f"GET {rule} as {role}: {existing[0]} {existing[1][:160]!r} "
                              f"≠ {missing[0]} {missing[1][:160]!r}")
    assert not differ, "\n".join(differ)


def test_a_contractors_rivals_objects_answer_like_missing_ones_naming_only_themselves(flow: Flow) -> None:
    county = build(flow)  # county A's objects hang from contractor A's contract; contractor B asks for them
    headers = flow.h(CONTRACTOR_B)
    for kind in ("contracts", "acceptances", "payments", "documents"):
        ident = county.ids[f"{kind[:-1]}_id"]
        resp = flow.client.get(f"/api/v1/{kind}/{ident}", headers=headers)
        body: dict[str, Any] = resp.get_json()
        assert resp.status_code == 404, (kind, resp.status_code)
        assert body["detail"] == f"no {kind[:-1]} {ident}", body
        assert "project" not in body["detail"] and "contract" not in body["detail"].replace(f"no {kind[:-1]}", "")


def _answer(caller: Caller, path: str) -> tuple[int, str]:
    client = caller.app.test_client()
    if path.startswith("/api/"):
        resp = client.get(path, headers=caller.bearer)
    else:
        resp = caller.session.get(path)
    try:
        return resp.status_code, resp.get_data(as_text=True)
    finally:
        resp.close()
