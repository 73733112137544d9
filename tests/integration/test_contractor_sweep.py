"""The contractor sweep (issue 14, item 1): a contractor sees only its own work, on every route.

Two contractors share seed 003's project: the rival (contractor A: lines 1–2, a contract, an acceptance
in public notice with an objection, a verified advance, an uploaded document) and the caller (contractor
B: lines 3–5, its own contract, acceptance, advance and document); the rival also has an advance disbursed
and a recovery ordered on its contract (issue 17). The rival's figures are chosen so that they appear
nowhere else (6 487 315.00, 1 234 567.89, 598 765.43, 1 987 654.32, 345 678.91, 123 456.78).

Logged in as contractor B, the sweep calls every GET route of the URL map — the JSON API with a bearer
token, the pages with a session — with B's own objects in the path, and then every object route with
the rival's objects in the path. No answer may carry the rival's name, credit code or any of its
amounts (as 元, with separators, or in 万元), nor name one of its contracts, acceptances, payments or
documents (a JSON field or an audit entry pointing at it, a link to it). Excel and PDF answers are
read back as text. A route the sweep has no value for fails the test, so a new route is swept too.

Left out, on purpose: the public disclosure (``/public``, ``/api/v1/public``), which shows by law
what anyone may read (SPEC §9: contracts with contractor and amount, disbursed payments), and the
routes that carry no project data (static files, the login, the OpenAPI document, workflow diagrams,
the public checkpoints and consistency proofs).
"""

import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import openpyxl
import pypdfium2
import pytest

from disburse.domain.money import format_wan, format_yuan
from disburse.services import checkpoints, scheduling
from tests.flow import (
    CODE_A,
    CODE_B,
    COMMERCE,
    CONTRACTOR_A,
    CONTRACTOR_B,
    DECLARED,
    FINANCE,
    NAME_A,
    NAME_B,
    SUPERVISOR,
    Flow,
)
from tests.fuzz.county import PDF
from tests.helpers import PASSWORD
from tests.server_process import FINANCE_2

RIVAL_CONTRACT = "6487315.00"
RIVAL_ADVANCE = "1234567.89"
RIVAL_VERDICTS = ("598765.43", "1987654.32")
RIVAL_PAID = "345678.91"  # an advance disbursed to the rival, of which a recovery orders back
RIVAL_RECOVERY = "123456.78"
OWN_CONTRACT = "3456000.00"
OWN_ADVANCE = "777777.77"

#: Routes that carry nothing of a project, or only what the public may read (see the module docstring).
NOT_SWEPT = re.compile(r"^/(static/|login$|logout$|workflows/|public|api/v1/public|api/v1/openapi\.json$|"
                       r"api/v1/audit/(checkpoints|consistency)$)")
KINDS = ("contract", "acceptance", "payment", "document", "recovery", "application")


@dataclass
class Scene:
    flow: Flow
    own: dict[str, int] = field(default_factory=dict)
    rival: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def _upload(flow: Flow, project_id: int, contract_id: int, who: str) -> int:
    body = flow.ok(flow.client.post(
        "/api/v1/documents", headers=flow.h(who), content_type="multipart/form-data",
        data={"project_id": str(project_id), "contract_id": str(contract_id), "kind": "application",
              "file": (io.BytesIO(PDF), f"{who}-申请.pdf")}), 201)
    return int(body["id"])


def build(flow: Flow) -> Scene:
    project = flow.tendered_project()
    rival = flow.ok(flow.add_contract(project, flow.contract_body(project, [1, 2], RIVAL_CONTRACT, lot="标段一")), 201)
    own = flow.ok(flow.add_contract(project, flow.contract_body(project, [3, 4, 5], OWN_CONTRACT, lot="标段二",
                                                                code=CODE_B, name=NAME_B)), 201)
    project = flow.fire_ok(project["id"], "select_contractor")

    acceptance = flow.ok(flow.apply(rival, CONTRACTOR_A), 201)
    flow.act_ok(acceptance, "start_review")
    verdicts = [{"line_id": line_id, "result": "pass", "accepted_amount": amount, "note": "核减：按实际完成量核定"}
                for line_id, amount in zip(rival["line_ids"], RIVAL_VERDICTS, strict=True)]
    flow.act_ok(acceptance, "pass", verdicts=verdicts)
    acceptance = flow.publish(acceptance)
    flow.ok(flow.object_to(acceptance), 201)
    flow.user(FINANCE_2, "finance")
    paid = flow.ok(flow.post(f"/contracts/{rival['id']}/payments", {"kind": "advance", "amount": RIVAL_PAID},
                             CONTRACTOR_A), 201)
    for event, who, data in (("verify", COMMERCE, {}), ("approve", FINANCE, {}),
                             ("disburse", FINANCE_2, {"voucher_no": "XP-PZ-7001", "disbursed_on": "2024-09-27"})):
        flow.ok(flow.post(f"/payments/{paid['id']}/events", {"event": event, **data}, who))
    recovery = flow.ok(flow.post(f"/projects/{project['id']}/recoveries",
                                 {"basis": "default", "amount": RIVAL_RECOVERY, "reason": "承办企业未按期建设",
                                  "contract_id": rival["id"]}, SUPERVISOR), 201)
    call = flow.ok(flow.post(f"/projects/{project['id']}/calls",
                             {"title": "电商扶贫项目申报", "line_ids": [rival["line_ids"][0]], "total": "1000.00",
                              "deadline": "2024-12-31"}), 201)
    application = flow.ok(flow.post(f"/calls/{call['id']}/applications", {
        "applicant": {"name": NAME_A, "credit_code": CODE_A, "declarations": DECLARED},
        "amount_requested": "1000.00", "description": "电商扶贫项目"}, CONTRACTOR_A), 201)
    advance = flow.ok(flow.post(f"/contracts/{rival['id']}/payments", {"kind": "advance", "amount": RIVAL_ADVANCE},
                                CONTRACTOR_A), 201)
    flow.ok(flow.post(f"/payments/{advance['id']}/events", {"event": "verify"}))

    own_acceptance = flow.ok(flow.apply(own, CONTRACTOR_B), 201)
    own_advance = flow.ok(flow.post(f"/contracts/{own['id']}/payments", {"kind": "advance", "amount": OWN_ADVANCE},
                                    CONTRACTOR_B), 201)
    scene = Scene(flow)
    scene.rival = {"contract": rival["id"], "acceptance": acceptance["id"], "payment": advance["id"],
                   "document": _upload(flow, project["id"], rival["id"], CONTRACTOR_A), "notice":
                   acceptance["notice"]["id"], "recovery": recovery["id"], "application": application["id"]}
    scene.own = {"project": project["id"], "contract": own["id"], "acceptance": own_acceptance["id"],
                 "payment": own_advance["id"], "document": _upload(flow, project["id"], own["id"], CONTRACTOR_B)}
    scheduling.tick(flow.db, flow.clock.now().replace(month=12, day=1))  # reminders and escalations to anyone
    signed = checkpoints.checkpoint(flow.db, checkpoints.signer(flow.app.extensions["disburse.settings"]),
                                    flow.clock.now())
    amendment = flow.ok(flow.post(f"/projects/{project['id']}/amendments",
                                  {"plan": flow.plan_of(project), "reason": "补充说明"}), 201)
    scene.extra = {"size": signed["size"], "finance_queue": flow.ok(flow.get("/payments/queue", FINANCE)),
                   "amendment": amendment["id"], "call": call["id"]}
    return scene


def forbidden_texts() -> list[str]:
    """The rival's name, credit code and amounts in every form a page or a file writes them."""
    texts = [NAME_A, CODE_A]
    for amount in (RIVAL_CONTRACT, RIVAL_ADVANCE, *RIVAL_VERDICTS, RIVAL_PAID, RIVAL_RECOVERY):
        value = Decimal(amount)
        texts += [format_yuan(value), f"{value:,.2f}", format_wan(value), f"{value:,.0f}"]
    return texts


def leaked_references(value: Any, rival: dict[str, int]) -> list[str]:
    """Fields of a JSON answer that point at one of the rival's objects."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
            for kind in KINDS:
                if item.get(f"{kind}_id") == rival[kind]:
                    found.append(f"{kind}_id {rival[kind]} in {json.dumps(item, ensure_ascii=False)[:160]}")
                if item.get("entity_type") == kind and item.get("entity_id") == str(rival[kind]):
                    found.append(f"audit entry about {kind} {rival[kind]}")
    return found


def body_text(resp: Any) -> str:
    """The answer as text: Excel cells and PDF text read back, everything else decoded."""
    raw = resp.get_data()
    if resp.mimetype == "application/pdf" and not raw.startswith(PDF[:8]):  # an uploaded file is sent as it is
        pdf = pypdfium2.PdfDocument(raw)
        try:
            return "\n".join(page.get_textpage().get_text_range() for page in pdf)
        finally:
            pdf.close()
    if resp.mimetype.startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    return raw.decode("utf-8", errors="replace")


class Contractor:
    """Contractor B, with a bearer token for the API and a logged-in session for the pages."""

    def __init__(self, flow: Flow) -> None:
        flow.app.config["WTF_CSRF_ENABLED"] = False
        self.api = flow.app.test_client()
        self.bearer = flow.h(CONTRACTOR_B)
        self.pages = flow.app.test_client()
        assert self.pages.post("/login", data={"username": CONTRACTOR_B, "password": PASSWORD}).status_code == 302

    def get(self, path: str) -> Any:
        if path.startswith("/api/"):
            return self.api.get(path, headers=self.bearer)
        return self.pages.get(path)


def path_for(rule: str, ids: dict[str, int], scene: Scene) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.endswith("_id") and name[:-3] in ids:
            return str(ids[name[:-3]])
        fixed = {"event": "approve", "seq": "1", "size": str(scene.extra["size"]),
                 "notification_id": "1", "notice_id": str(scene.rival["notice"]),
                 "amendment_id": str(scene.extra.get("amendment", 1)),
                 "recovery_id": "999999",  # contractor B's work has no recovery: one that does not exist
                 "application_id": "999999",  # nor an application
                 "report_id": "999999",  # nor a volume report
                 "call_id": str(scene.extra["call"]),  # the call the rival applied on: public, its region's
                 "user_id": str(scene.flow.user_ids[CONTRACTOR_A])}  # the rival's user: the admin's routes only
        assert name in fixed, f"the sweep has no value for <{name}> in {rule}: give it one"
        return fixed[name]

    return re.sub(r"<(?:\w+:)?(\w+)>", value, rule)


@pytest.fixture
def backend() -> str:
    """SQLite: what a route shows is decided by the services, the same on both databases."""
    return "sqlite"


def test_a_contractor_sees_nothing_of_a_rivals_work_on_any_route(flow: Flow) -> None:
    scene = build(flow)
    me = Contractor(flow)
    forbidden = forbidden_texts()
    rules = sorted({rule.rule for rule in flow.app.url_map.iter_rules()
                    if "GET" in rule.methods and not NOT_SWEPT.match(rule.rule)})
    leaks: list[str] = []
    swept = 0
    for rule in rules:
        attempts = [("own", path_for(rule, scene.own, scene))]
        if any(f"<int:{kind}_id>" in rule for kind in KINDS):
            attempts.append(("rival", path_for(rule, {**scene.own, **scene.rival}, scene)))
        for whose, path in attempts:
            resp = me.get(path)
            try:
                assert resp.status_code < 500, (path, resp.status_code)
                if whose == "rival" and resp.status_code != 404:
                    leaks.append(f"{path}: {resp.status_code} for the rival's object, expected 404")
                text = body_text(resp)
                leaks += [f"{path}: shows {t!r}" for t in forbidden if t in text]
                leaks += [f"{path}: links to /{kind}s/{scene.rival[kind]}" for kind in KINDS
                          if re.search(rf"/{kind}s/{scene.rival[kind]}(?!\d)", text)]
                if resp.mimetype in ("application/json", "application/problem+json"):
                    leaks += [f"{path}: {ref}" for ref in leaked_references(json.loads(text), scene.rival)]
                swept += 1
            finally:
                resp.close()
    assert swept > 30, swept
    assert not leaks, "\n".join(leaks)


def test_the_sweep_would_see_a_leak(flow: Flow) -> None:
    """The same checks find the rival everywhere the finance bureau may look (so they can fail)."""
    scene = build(flow)
    queue = scene.extra["finance_queue"]
    assert leaked_references(queue, scene.rival)
    text = json.dumps(queue, ensure_ascii=False)
    assert any(t in text for t in forbidden_texts())
    bureau = flow.project(scene.own["project"])
    assert leaked_references(bureau, scene.rival) and RIVAL_RECOVERY in json.dumps(bureau)  # its recovery, shown


def test_a_contractors_project_figures_are_summed_over_its_own_contracts(flow: Flow) -> None:
    scene = build(flow)
    mine = flow.project(scene.own["project"], CONTRACTOR_B)
    assert mine["contracted"] == OWN_CONTRACT and mine["in_flight"] == OWN_ADVANCE
    assert mine["surplus"] is None
    assert [c["id"] for c in mine["contracts"]] == [scene.own["contract"]]
    bureau = flow.project(scene.own["project"])
    assert Decimal(bureau["contracted"]) == Decimal(OWN_CONTRACT) + Decimal(RIVAL_CONTRACT)
    assert Decimal(bureau["in_flight"]) == Decimal(OWN_ADVANCE) + Decimal(RIVAL_ADVANCE)


def test_a_contractor_reads_objections_to_its_work_without_who_filed_them(flow: Flow) -> None:
    project, _a, b = flow.selected_project()
    acceptance = flow.in_notice(project, b, as_=CONTRACTOR_B)
    flow.ok(flow.object_to(acceptance, content="站点未建成。", contact="13912345678"), 201)
    seen = flow.acceptance(acceptance["id"], CONTRACTOR_B)
    assert [o["content"] for o in seen["objections"]] == ["站点未建成。"]
    assert "13912345678" not in json.dumps(seen) and "contact" not in seen["objections"][0]
    audit = flow.ok(flow.get(f"/projects/{project['id']}/audit?per_page=200", CONTRACTOR_B))
    assert "13912345678" not in json.dumps(audit, ensure_ascii=False)
    assert flow.acceptance(acceptance["id"])["objections"][0]["contact"] == "13912345678"
