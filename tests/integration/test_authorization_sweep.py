"""The authorization sweep (issue 10): every route of the URL map, as everyone who must not, and as those who may.

:data:`ROUTES` classifies each rule and method of ``app.url_map``; a route missing from it fails the
test ("unlisted route"), so a new route gets a decision before it ships. County A (seed 003's county,
``tests.fuzz.county``) holds a project, contracts, an acceptance in notice with an objection, a payment, a
report, a document, a notification and a signed checkpoint. Each route is called

- anonymously: the API answers 401, a page redirects to ``/login`` (public routes answer without either);
- by a user of another province, one per role: an object route answers 404 — SPEC §6 "anything outside
  answers 404, not 403" — unless the role may never do it (403); a listing, desk or the user's own
  pages answer, but show nothing of county A;
- by county A's user of each role: a role that may never do it gets 403, a role that may is not refused
  (401/403/404) — for a workflow event the state decides, so 403 for another role's event and 409 are
  fine there.

The API is called with bearer tokens, the pages with a logged-in session and the form's CSRF token,
each with a body that passes the form or schema, so the answer is the authorization's and not a 422.
"""

import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from disburse.excel.cells import XLSX
from disburse.excel.template import county_template
from disburse.paths import RULES_DIR as RULES
from tests.flow import CODE_A, COUNTY, DECLARED, NAME_A, Flow
from tests.fuzz.county import HOME, OTHER, PDF, ROLES, County, build
from tests.helpers import PASSWORD, example

READERS = frozenset({"commerce", "finance", "leader", "supervisor", "inspector", "contractor"})
PROVERS = frozenset({"inspector", "supervisor", "admin"})
ALL = frozenset(ROLES)
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Access:
    """How a route answers. ``kind``:

    - ``public``: anyone, no login;
    - ``object``: names an object of county A (path or body); ``roles`` may, the others get 403,
      users of another province 404 (or 403 when their role may never do it); ``event``: a change
      whose outcome for county A's users the state, the form and the event's own role decide
      (403/409/422 allowed, success only for ``roles``);
    - ``gate``: no object; ``roles`` may (and see only their jurisdiction), the others get 403;
    - ``mine``: an object of one user (county A's commerce user's notification): 404 for everyone else.
    """

    kind: str
    roles: frozenset[str] = frozenset()
    event: bool = False


PUBLIC = Access("public")


def obj(roles: frozenset[str] = READERS, *, event: bool = False) -> Access:
    return Access("object", frozenset(roles), event)


def gate(roles: frozenset[str]) -> Access:
    return Access("gate", frozenset(roles))


OWN = gate(ALL)  # the caller's own things: every logged-in user, showing only their own
MINE = Access("mine")

#: Every rule of the URL map and method → how it answers. A new route must be added here.
ROUTES: dict[tuple[str, str], Access] = {
    # --- the JSON API ---------------------------------------------------------------------
    ("POST", "/api/v1/auth/tokens"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/v1/me"): OWN,
    ("GET", "/api/v1/me/notifications"): OWN,
    ("POST", "/api/v1/me/notifications/read"): OWN,
    ("POST", "/api/v1/me/notifications/<int:notification_id>/read"): MINE,
    ("GET", "/api/v1/me/delegations"): OWN,
    ("POST", "/api/v1/me/delegations"): gate(frozenset({"commerce", "finance", "leader"})),
    ("POST", "/api/v1/me/delegations/<int:delegation_id>/revoke"): MINE,
    ("DELETE", "/api/v1/me/delegations/<int:delegation_id>"): MINE,
    ("GET", "/api/v1/delegations"): gate(ADMIN),
    ("POST", "/api/v1/delegations/<int:delegation_id>/revoke"): obj(ADMIN),
    ("GET", "/api/v1/projects"): gate(READERS),
    ("POST", "/api/v1/projects"): gate({"commerce"}),  # a plan outside the jurisdiction is a 422 on its region
    ("POST", "/api/v1/projects/import"): gate({"commerce"}),  # a workbook, likewise
    ("GET", "/api/v1/projects/<int:project_id>"): obj(),
    ("GET", "/api/v1/projects/<int:project_id>/events/<event>"): obj(),
    ("POST", "/api/v1/projects/<int:project_id>/events"): obj(READERS, event=True),
    ("GET", "/api/v1/projects/<int:project_id>/audit"): obj(),
    ("PUT", "/api/v1/projects/<int:project_id>/plan"): obj({"commerce"}, event=True),
    ("DELETE", "/api/v1/projects/<int:project_id>"): obj({"commerce"}, event=True),
    ("GET", "/api/v1/projects/<int:project_id>/versions"): obj(),
    ("POST", "/api/v1/projects/<int:project_id>/amendments"): obj({"commerce"}, event=True),
    ("GET", "/api/v1/projects/<int:project_id>/amendments"): obj(),
    ("GET", "/api/v1/amendments/<int:amendment_id>"): obj(),
    ("POST", "/api/v1/amendments/<int:amendment_id>/events"): obj({"commerce", "supervisor"}, event=True),
    ("POST", "/api/v1/projects/<int:project_id>/allocations"): obj({"finance"}, event=True),
    ("POST", "/api/v1/projects/<int:project_id>/recoveries"): obj({"supervisor", "finance", "inspector"}, event=True),
    ("GET", "/api/v1/projects/<int:project_id>/recoveries"): obj(),
    ("GET", "/api/v1/recoveries/<int:recovery_id>"): obj(),
    ("GET", "/api/v1/recoveries/<int:recovery_id>/events/<event>"): obj(),
    ("POST", "/api/v1/recoveries/<int:recovery_id>/events"): obj({"supervisor", "finance"}, event=True),
    ("POST", "/api/v1/projects/<int:project_id>/calls"): obj({"commerce"}, event=True),
    ("GET", "/api/v1/calls/<int:call_id>"): obj(),
    ("POST", "/api/v1/calls/<int:call_id>/applications"): obj({"commerce", "contractor"}, event=True),
    ("GET", "/api/v1/applications/<int:application_id>"): obj(),
    ("GET", "/api/v1/applications/<int:application_id>/events/<event>"): obj(),
    ("POST", "/api/v1/applications/<int:application_id>/events"): obj({"commerce", "contractor"}, event=True),
    ("POST", "/api/v1/applications/<int:application_id>/acceptances"): obj({"commerce", "contractor"}, event=True),
    ("POST", "/api/v1/applications/<int:application_id>/payments"): obj({"commerce", "contractor"}, event=True),
    ("GET", "/api/v1/public/calls"): PUBLIC,
    ("GET", "/api/v1/public/calls/<int:call_id>"): PUBLIC,
    ("POST", "/api/v1/applications/<int:application_id>/volume-reports"): obj({"commerce", "contractor"}, event=True),
    ("GET", "/api/v1/applications/<int:application_id>/volume-reports"): obj(),
    ("GET", "/api/v1/volume-reports/<int:report_id>"): obj(),
    ("GET", "/api/v1/volume-reports/<int:report_id>/events/<event>"): obj(),
    ("POST", "/api/v1/volume-reports/<int:report_id>/events"): obj({"commerce"}, event=True),
    ("GET", "/api/v1/projects/<int:project_id>/allocations"): obj(READERS - {"contractor"}),
    ("GET", "/api/v1/projects/<int:project_id>/reports"): obj(),
    ("POST", "/api/v1/projects/<int:project_id>/reports"): obj({"commerce"}, event=True),
    ("GET", "/api/v1/projects/<int:project_id>/contracts"): obj(),
    ("POST", "/api/v1/projects/<int:project_id>/contracts"): obj({"commerce"}, event=True),
    ("GET", "/api/v1/projects/<int:project_id>/ledger"): obj(),
    ("GET", "/api/v1/projects/<int:project_id>/ledger.xlsx"): obj(),
    ("GET", "/api/v1/projects/<int:project_id>/plan.xlsx"): obj(),
    ("GET", "/api/v1/contracts/<int:contract_id>"): obj(),
    ("DELETE", "/api/v1/contracts/<int:contract_id>"): obj({"commerce"}, event=True),
    ("PUT", "/api/v1/contracts/<int:contract_id>/payee"): obj({"commerce"}, event=True),
    ("GET", "/api/v1/contracts/<int:contract_id>/acceptances"): obj(),
    ("POST", "/api/v1/contracts/<int:contract_id>/acceptances"): obj({"commerce", "contractor"}, event=True),
    ("GET", "/api/v1/contracts/<int:contract_id>/payments"): obj(),
    ("POST", "/api/v1/contracts/<int:contract_id>/payments"): obj({"commerce", "contractor"}, event=True),
    ("GET", "/api/v1/acceptances/<int:acceptance_id>"): obj(),
    ("GET", "/api/v1/acceptances/<int:acceptance_id>/certificate.pdf"): obj(READERS, event=True),
    ("GET", "/api/v1/acceptances/<int:acceptance_id>/minutes.pdf"): obj(READERS, event=True),
    ("GET", "/api/v1/acceptances/<int:acceptance_id>/events/<event>"): obj(),
    ("POST", "/api/v1/acceptances/<int:acceptance_id>/events"): obj(READERS, event=True),
    ("GET", "/api/v1/payments/queue"): gate({"commerce", "finance"}),
    ("GET", "/api/v1/payments/<int:payment_id>"): obj(),
    ("GET", "/api/v1/payments/<int:payment_id>/events/<event>"): obj(),
    ("POST", "/api/v1/payments/<int:payment_id>/events"): obj(READERS, event=True),
    ("GET", "/api/v1/payments/<int:payment_id>/voucher.pdf"): obj(READERS, event=True),  # 409 until disbursed
    ("GET", "/api/v1/payments/<int:payment_id>/approval-sheet.pdf"): obj(),
    ("POST", "/api/v1/documents"): obj(READERS, event=True),  # the form names county A's project
    ("GET", "/api/v1/documents/<int:document_id>"): obj(),
    ("GET", "/api/v1/reports/late"): gate(READERS - {"contractor"}),
    ("GET", "/api/v1/reports/monthly.xlsx"): gate(READERS - {"contractor"}),
    ("GET", "/api/v1/audit/verify"): gate(PROVERS),
    ("GET", "/api/v1/audit/digest"): gate(PROVERS),
    ("GET", "/api/v1/audit/checkpoints"): PUBLIC,
    ("GET", "/api/v1/audit/consistency"): PUBLIC,
    ("GET", "/api/v1/audit/entries/<int:seq>/proof"): obj(PROVERS),
    ("GET", "/api/v1/public/projects"): PUBLIC,
    ("GET", "/api/v1/public/notices"): PUBLIC,
    ("GET", "/api/v1/public/notices/<int:notice_id>"): PUBLIC,
    ("GET", "/api/v1/public/projects/<int:project_id>"): PUBLIC,
    ("GET", "/api/v1/public/projects/<int:project_id>/ocds"): PUBLIC,
    ("GET", "/api/v1/public/ocds"): PUBLIC,
    ("GET", "/api/v1/public/notices/<int:notice_id>/notice.pdf"): PUBLIC,
    ("POST", "/api/v1/public/notices/<int:notice_id>/objections"): PUBLIC,
    # a user of another province's admin is outside its jurisdiction (404); a new user's region is a 422
    ("GET", "/api/v1/users"): gate(ADMIN),
    ("POST", "/api/v1/users"): gate(ADMIN),
    ("GET", "/api/v1/users/<int:user_id>"): obj(ADMIN),
    ("POST", "/api/v1/users/<int:user_id>/events"): obj(ADMIN, event=True),
    # --- the pages ------------------------------------------------------------------------
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): OWN,
    ("GET", "/static/<path:filename>"): PUBLIC,
    ("GET", "/workflows/<name>.svg"): PUBLIC,
    ("GET", "/public"): PUBLIC,
    ("GET", "/public/projects"): PUBLIC,
    ("GET", "/public/projects/<int:project_id>"): PUBLIC,
    ("GET", "/public/calls"): PUBLIC,
    ("GET", "/public/calls/<int:call_id>"): PUBLIC,
    ("GET", "/public/notices/<int:notice_id>"): PUBLIC,
    ("POST", "/public/notices/<int:notice_id>"): PUBLIC,
    ("GET", "/public/checkpoints"): PUBLIC,
    ("GET", "/public/checkpoints/<int:size>.txt"): PUBLIC,
    ("GET", "/public/checkpoints/public_key.txt"): PUBLIC,
    ("GET", "/"): OWN,
    ("GET", "/notifications"): OWN,
    ("POST", "/notifications/read"): OWN,
    ("POST", "/notifications/<int:notification_id>/read"): MINE,
    ("GET", "/me/delegations"): OWN,
    ("POST", "/me/delegations"): gate(frozenset({"commerce", "finance", "leader"})),  # an empty form: 422
    ("POST", "/me/delegations/<int:delegation_id>/revoke"): MINE,
    ("POST", "/me/acting"): OWN,  # nobody named: "no delegation in force", back to the page
    ("POST", "/me/acting/stop"): OWN,
    ("GET", "/desk"): gate(READERS - {"contractor"}),
    ("GET", "/desk/finance"): gate({"commerce", "finance"}),
    ("GET", "/desk/leader"): gate(READERS),
    ("GET", "/desk/contractor"): gate(READERS),
    ("POST", "/desk/contractor/documents"): obj(READERS, event=True),
    ("GET", "/projects"): gate(READERS),
    ("GET", "/projects/new"): gate({"commerce"}),
    ("POST", "/projects/new"): gate({"commerce"}),
    ("GET", "/projects/new/template.xlsx"): gate({"commerce"}),
    ("GET", "/projects/<int:project_id>"): obj(),
    ("POST", "/projects/<int:project_id>/events"): obj(READERS, event=True),
    ("POST", "/projects/<int:project_id>/contracts"): obj({"commerce"}, event=True),
    ("POST", "/projects/<int:project_id>/reports"): obj({"commerce"}, event=True),
    ("GET", "/projects/<int:project_id>/plan"): obj({"commerce"}),
    ("POST", "/projects/<int:project_id>/plan"): obj({"commerce"}, event=True),
    ("GET", "/projects/<int:project_id>/plan/document"): obj({"commerce"}),
    ("POST", "/plans/check"): gate({"commerce"}),
    ("POST", "/api/v1/plans/check"): gate({"commerce"}),
    ("GET", "/projects/<int:project_id>/amendments/new"): obj({"commerce"}),
    ("POST", "/projects/<int:project_id>/amendments/new"): obj({"commerce"}, event=True),
    ("GET", "/projects/<int:project_id>/amendments/new/document"): obj({"commerce"}),
    ("GET", "/amendments/<int:amendment_id>"): obj(),
    ("POST", "/amendments/<int:amendment_id>/events"): obj({"commerce", "supervisor"}, event=True),
    ("POST", "/projects/<int:project_id>/allocations"): obj({"finance"}, event=True),
    ("POST", "/projects/<int:project_id>/recoveries"): obj({"supervisor", "finance", "inspector"}, event=True),
    ("POST", "/recoveries/<int:recovery_id>/events"): obj({"supervisor", "finance"}, event=True),
    ("GET", "/reports/late"): gate(READERS - {"contractor"}),
    ("POST", "/projects/<int:project_id>/calls"): obj({"commerce"}, event=True),
    ("GET", "/calls/<int:call_id>"): obj(),
    ("POST", "/calls/<int:call_id>/applications"): obj({"commerce", "contractor"}, event=True),
    # the call page's upload of materials: the enterprise's user, or commerce on its behalf
    ("POST", "/calls/<int:call_id>/documents"): obj({"commerce", "contractor"}, event=True),
    ("GET", "/applications/<int:application_id>"): obj(),
    ("POST", "/applications/<int:application_id>/events"): obj({"commerce", "contractor"}, event=True),
    ("POST", "/applications/<int:application_id>/acceptances"): obj({"commerce", "contractor"}, event=True),
    ("POST", "/applications/<int:application_id>/volume-reports"): obj({"commerce", "contractor"}, event=True),
    ("POST", "/volume-reports/<int:report_id>/events"): obj({"commerce"}, event=True),
    ("POST", "/applications/<int:application_id>/payments"): obj({"commerce", "contractor"}, event=True),
    ("GET", "/contracts/<int:contract_id>"): obj(),
    ("POST", "/contracts/<int:contract_id>/acceptances"): obj({"commerce", "contractor"}, event=True),
    ("POST", "/contracts/<int:contract_id>/payee"): obj({"commerce"}, event=True),
    ("POST", "/contracts/<int:contract_id>/payments"): obj({"commerce", "contractor"}, event=True),
    ("GET", "/acceptances/<int:acceptance_id>"): obj(),
    ("POST", "/acceptances/<int:acceptance_id>/events"): obj(READERS, event=True),
    ("GET", "/payments/<int:payment_id>"): obj(),
    ("GET", "/payments/<int:payment_id>/approval-sheet.pdf"): obj(),
    ("POST", "/payments/<int:payment_id>/events"): obj(READERS, event=True),
    ("GET", "/audit"): gate({"inspector", "supervisor"}),
    ("GET", "/audit/<int:seq>"): obj({"inspector", "supervisor"}),
    ("GET", "/audit/checkpoints"): OWN,
    # the export carries the whole log; here it holds entries of both provinces, so nobody's
    # jurisdiction covers it (services.audit.entries_outside) — only the CLI's system actor exports
    ("GET", "/audit/export.zip"): gate(frozenset()),
    ("POST", "/audit/verify"): gate(PROVERS),
    ("GET", "/admin/users"): gate(ADMIN),
    ("POST", "/admin/users"): gate(ADMIN),
    ("POST", "/admin/users/<int:user_id>/events"): obj(ADMIN, event=True),
    ("GET", "/admin/delegations"): gate(ADMIN),
    ("POST", "/admin/delegations/<int:delegation_id>/revoke"): obj(ADMIN),
}

#: Path values for the rules' arguments: county A's objects, or a file every install has.
FIXED = {"name": "project", "filename": "app.css"}
#: The event asked about or fired on each workflow (one its state does not allow: nothing changes).
EVENTS = {"projects": "resume", "acceptances": "approve", "payments": "verify", "amendments": "withdraw",
          "recoveries": "confirm_order", "users": "enable", "admin": "enable", "applications": "withdraw",
          "volume-reports": "reject"}


def _path(rule: str, county: County) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "event":
            return EVENTS[rule.split("/")[3 if rule.startswith("/api/") else 1]]
        return str(FIXED.get(name, county.ids.get(name)))

    return re.sub(r"<(?:\w+:)?(\w+)>", value, rule)


#: A payee's account that passes the schema (issue 17).
PAYEE = {"payee_bank": "中国农业银行霞浦县支行", "payee_account": "6228 4801 0000 0000 019"}


def _api_body(rule: str, county: County) -> dict[str, Any]:
    """Keyword arguments for the test client: a body that passes the operation's schema."""
    if rule.endswith("/auth/tokens"):
        return {"json": {"username": HOME["commerce"], "password": PASSWORD}}
    if rule == "/api/v1/users":
        return {"json": {"username": "xp-finance-sweep", "role": "finance", "region": COUNTY}}
    if rule == "/api/v1/plans/check":  # a check stores nothing and echoes its caller's plan: one of its own
        return {"json": {**example("003"), "name": "某县自拟实施方案"}}
    if rule == "/api/v1/projects" or rule.endswith("/plan"):
        return {"json": example("003")}
    if rule == "/api/v1/projects/import":
        return {"data": county_template(), "content_type": XLSX,
                "query_string": {"name": "XX县（县表导入）", "region": COUNTY, "rule_set": "national-2020"}}
    if rule.endswith("/amendments"):
        return {"json": {"plan": example("003"), "reason": "调整"}}
    if rule.endswith("/recoveries"):
        return {"json": {"basis": "default", "amount": "1.00", "reason": "核查"}}
    if rule.endswith("/calls"):
        return {"json": {"title": "物流补贴申报", "line_ids": [county.project["lines"][4]["id"]], "total": "1.00",
                         "deadline": "2024-12-31"}}
    if rule.endswith("/applications"):
        return {"json": {"applicant": {"name": NAME_A, "credit_code": CODE_A, "declarations": DECLARED},
                         "amount_requested": "1.00", "description": "电商扶贫项目"}}
    if rule.endswith("/volume-reports"):
        return {"json": {"month": "2024-08", "volume": 1, "document_ids": [county.document["id"]]}}
    if rule.endswith("/allocations"):
        return {"json": {"doc_no": "X财〔2024〕1号", "source": "中央财政专项资金", "amount": "1.00",
                         "arrived_on": "2024-09-01"}}
    if rule.endswith("/events"):
        event = EVENTS[rule.split("/")[3]]
        return {"json": {"event": event, "voucher_no": "X-1", "disbursed_on": "2024-10-01"}
                if event == "disburse" else {"event": event}}
    if rule.endswith("/reports"):
        return {"json": {"month": "2024-08", "text": "八月进度"}}
    if rule.endswith("/contracts"):
        return {"json": Flow.contract_body(county.project, [1], "1000.00", lot="标段九")}
    if rule.endswith("/acceptances"):
        return {"json": {} if "/applications/" in rule else {"kind": "stage", "stage": 1}}
    if rule.endswith("/payments"):
        return {"json": {"amount": "1.00"} if "/applications/" in rule else {"kind": "advance", "amount": "1.00"}}
    if rule.endswith("/payee"):
        return {"json": PAYEE}
    if rule == "/api/v1/me/delegations":  # passes the schema; the roles that may are refused the unknown deputy
        return {"json": {"to": "sweep-nobody", "until": "2029-02-01"}}
    if rule.endswith("/objections"):
        return {"json": {"contact": "13800000000", "content": "请核查。"}}
    if rule == "/api/v1/documents":
        return {"content_type": "multipart/form-data",
                "data": {"project_id": str(county.project["id"]), "kind": "application",
                         "file": (io.BytesIO(PDF), "a.pdf")}}
    return {}


def _form(rule: str, county: County) -> dict[str, Any]:
    """Form fields for a page's POST (the CSRF token is added by the caller)."""
    if rule.endswith("/events"):
        return {"event": EVENTS[rule.split("/")[1]]}
    if rule.endswith("/reports"):
        return {"month": "2024-08", "text": "八月进度"}
    if rule.endswith("/plan") or rule.endswith("/amendments/new"):
        return {"document": yaml.safe_dump(example("003"), allow_unicode=True), "reason": "调整"}
    if rule.endswith("/recoveries"):
        return {"basis": "default", "amount": "1.00", "reason": "核查"}
    if rule.endswith("/allocations"):
        return {"doc_no": "X财〔2024〕1号", "source": "中央财政专项资金", "amount": "1.00", "arrived_on": "2024-09-01"}
    if rule.endswith("/acceptances"):
        return {"kind": "stage", "stage": "1"}
    if rule.endswith("/payments"):
        return {"kind": "advance", "amount": "1.00"}
    if rule.endswith("/payee"):
        return PAYEE
    if rule.endswith("/calls"):
        return {"title": "物流补贴申报", "line_ids": str(county.project["lines"][4]["id"]), "total": "1.00",
                "deadline": "2024-12-31"}
    if rule.endswith("/applications"):
        return {"applicant.name": NAME_A, "applicant.credit_code": CODE_A, "amount_requested": "1.00",
                "description": "电商扶贫项目", **{f"declarations.{k}": "on" for k in DECLARED}}
    if rule.startswith("/calls/") and rule.endswith("/documents"):
        return {"file": (io.BytesIO(PDF), "a.pdf")}
    if rule == "/desk/contractor/documents":
        return {"contract_id": str(county.contract["id"]), "kind": "application", "file": (io.BytesIO(PDF), "a.pdf")}
    if rule == "/login":
        return {"username": HOME["commerce"], "password": PASSWORD}
    if rule.startswith("/public/notices/"):
        return {"contact": "13800000000", "content": "请核查。"}
    return {}


def _csrf(html: str) -> str | None:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    return match.group(1) if match else None


class Caller:
    """One user (or nobody) calling the API with a bearer token and the pages with a session."""

    def __init__(self, county: County, username: str | None) -> None:
        self.county = county
        self.app = county.flow.app
        self.username = username
        self.session = self.app.test_client()
        self.token = self.session.get("/login").get_data(as_text=True)
        if username is not None:
            resp = self.session.post("/login", data={"username": username, "password": PASSWORD,
                                                     "csrf_token": _csrf(self.token)})
            assert resp.status_code == 302, (username, resp.status_code)
            self.token = self.session.get("/notifications").get_data(as_text=True)
        self.csrf = _csrf(self.token)
        self.bearer = county.flow.h(username) if username else {}

    def call(self, method: str, rule: str) -> tuple[int, str, str]:
        """(status, where a redirect goes, the body as text)."""
        path = _path(rule, self.county)
        if rule == "/login" and method == "POST":  # logging in here would change who this caller is
            fresh = self.app.test_client()
            token = _csrf(fresh.get("/login").get_data(as_text=True))
            resp = fresh.post("/login", data={**_form(rule, self.county), "csrf_token": token})
        elif rule.startswith("/api/"):
            client = self.app.test_client()
            resp = client.open(path, method=method, headers=self.bearer, **(
                _api_body(rule, self.county) if method in ("POST", "PUT", "PATCH") else {}))
        else:
            data = {**_form(rule, self.county), "csrf_token": self.csrf} if method == "POST" else None
            resp = self.session.open(path, method=method, data=data,
                                     content_type="multipart/form-data" if data else None)
        try:
            body = resp.get_data(as_text=True) if not resp.mimetype.startswith(("application/pdf", "application/vnd",
                                                                               "application/zip")) else ""
            return resp.status_code, resp.headers.get("Location", ""), body
        finally:
            resp.close()


def _to_login(status: int, location: str) -> bool:
    return status in (301, 302, 303) and "/login" in location


@pytest.fixture
def backend() -> str:
    """SQLite: the sweep is about the routes' checks, which are the same on both databases."""
    return "sqlite"


@pytest.fixture
def county(flow: Flow) -> County:
    return build(flow)


def test_every_route_of_the_url_map_is_listed(county: County) -> None:
    rules = {(method, rule.rule) for rule in county.flow.app.url_map.iter_rules()
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    unlisted = sorted(rules - ROUTES.keys())
    assert not unlisted, f"unlisted route(s): {unlisted} — classify each in ROUTES (tests/integration/" \
                         f"test_authorization_sweep.py) after giving it its access check"
    gone = sorted(ROUTES.keys() - rules)
    assert not gone, f"ROUTES lists routes the app no longer has: {gone}"


def _titles(path: Any) -> set[str]:
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {*rules["title"].values(), *(source["title"] for source in rules.get("sources") or ())}


#: The rule sets' titles and their documents' titles: public, offered and cited to every county. Seed 003's plan
#: (the sweep's county A) is named by its document's title, so that title alone is not county A's data.
PUBLIC_TITLES = sorted(set().union(*(_titles(path) for path in RULES.glob("*.yaml"))), key=len, reverse=True)


def public_removed(body: str) -> str:
    for title in PUBLIC_TITLES:
        body = body.replace(title, "")
    return body


def test_every_route_refuses_whoever_must_not_and_admits_whoever_may(county: County) -> None:
    """Anonymous first, then the other province, then county A — the last may change county A's state."""
    marks = [county.project["name"], NAME_A]
    routes = sorted((rule, method) for method, rule in ROUTES if (method, rule) != ("POST", "/logout"))
    wrong: list[str] = []

    anonymous = Caller(county, None)
    for rule, method in routes:
        access = ROUTES[(method, rule)]
        status, location, _ = anonymous.call(method, rule)
        if status >= 500:
            wrong.append(f"{method} {rule} anonymous: {status}")
        elif access.kind == "public":
            if status in (401, 403) or _to_login(status, location):
                wrong.append(f"{method} {rule} is public but refused the anonymous caller ({status})")
        elif rule.startswith("/api/") and status != 401:
            wrong.append(f"{method} {rule} anonymous: {status}, expected 401")
        elif not rule.startswith("/api/") and not _to_login(status, location):
            wrong.append(f"{method} {rule} anonymous: {status} {location}, expected a redirect to /login")

    for side, names in (("other", OTHER), ("home", HOME)):
        for role in ROLES:
            caller = Caller(county, names[role])
            for rule, method in routes:
                access = ROUTES[(method, rule)]
                if access.kind == "public":
                    continue
                status, location, body = caller.call(method, rule)
                who = f"{method} {rule} as {side} {role} ({names[role]})"
                refused = status in (401, 403, 404) or _to_login(status, location)
                if status >= 500:
                    wrong.append(f"{who}: {status}")
                elif access.kind == "mine":
                    owner = side == "home" and role == "commerce"
                    if owner == (status == 404):
                        wrong.append(f"{who}: {status}, expected {'an answer' if owner else 404}")
                elif access.kind == "gate":
                    if role not in access.roles and status != 403:
                        wrong.append(f"{who}: {status}, expected 403 (the role may not)")
                    elif role in access.roles and refused:
                        wrong.append(f"{who}: {status}, expected an answer")
                    elif side == "other" and any(mark in public_removed(body) for mark in marks):
                        wrong.append(f"{who}: shows county A's data")
                elif side == "other":
                    if status != 404 and not (status == 403 and role not in access.roles):
                        wrong.append(f"{who}: {status}, expected 404 (outside the jurisdiction)")
                elif role not in access.roles:
                    if status not in ((403, 409, 422) if access.event else (403,)):
                        wrong.append(f"{who}: {status}, expected 403 (the role may not)")
                elif refused and not (status == 403 and access.event):
                    wrong.append(f"{who}: {status}, expected an answer")
    assert not wrong, "\n".join(wrong)


def test_logout_needs_a_session_and_ends_it(county: County) -> None:
    anonymous = Caller(county, None)
    status, location, _ = anonymous.call("POST", "/logout")
    assert _to_login(status, location)
    user = Caller(county, HOME["finance"])
    status, location, _ = user.call("POST", "/logout")
    assert status == 302
    assert _to_login(*user.call("GET", "/notifications")[:2])
