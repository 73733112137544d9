"""Every PDF (the public notice, the certificate, the voucher, the approval sheet) and every Excel export
names states, events, tags, roles and rule sets by their labels (issue 18 item 5): no code the service keeps
(``in_notice``, ``verify``, ``public_service_center``, ``commerce``, ``qujing-2018``) stands as a word of its
own, and no developer reference ("SPEC", "seed 003").

The project is taken through many states first: an acceptance approved after its notice, a second one
in notice, a payment disbursed, one in flight and one rejected, a progress report submitted.
"""

import io
import re
from typing import Any

import pypdfium2 as pdfium
from openpyxl import load_workbook

from disburse.adapters import rulesets
from disburse.domain import labels
from disburse.services.workflows import LOADERS
from tests.flow import COMMERCE, CONTRACTOR_A, CONTRACTOR_B, FINANCE, LEADER, Flow
from tests.helpers import example

URL = re.compile(r"https?://\S+")
DEVELOPER = re.compile(r"SPEC|seed\s*0\d\d|seed 0", re.IGNORECASE)


def codes() -> set[str]:
    """Every code a reader could meet: the workflows' states and events, the rule sets' ids and tags, the
    roles, the payment kinds and the audit actions."""
    found: set[str] = set(labels.ROLES) | set(labels.PAYMENT_KINDS) | set(labels.AUDIT_ACTIONS)
    for name, load in LOADERS.items():
        workflow = load()
        found |= set(workflow.states) | set(workflow.transitions) | {f"{name}.{t}" for t in workflow.transitions}
    for rule_set in rulesets.available():
        found.add(rule_set)
        found |= rulesets.load(rule_set).vocabulary()
    return found


def raw_codes(text: str, allowed: frozenset[str] = frozenset()) -> set[str]:
    """The codes standing as words of their own in ``text`` (a user name such as ``xp-commerce`` is not one)."""
    text = URL.sub(" ", text)
    return {code for code in codes() - allowed
            if re.search(rf"(?<![A-Za-z0-9_.\-]){re.escape(code)}(?![A-Za-z0-9_\-])", text)}


def typed(value: Any, key: str = "") -> list[str]:
    """What people wrote into a plan document that an export prints as written: notes and the source it was
    taken from (the example plans cite their seed documents there)."""
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in typed(v, k)]
    if isinstance(value, list):
        return [text for v in value for text in typed(v, key)]
    return [str(value)] if key in ("note", "seed", "sections") and value else []


def without(text: str, written: list[str]) -> str:
    for passage in sorted(written, key=len, reverse=True):
        text = text.replace(passage, " ")
    return text


def pdf_words(content: bytes) -> str:
    document = pdfium.PdfDocument(content)
    try:
        return "\n".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()


def sheet_words(content: bytes) -> dict[str, str]:
    """Each worksheet's cells as text, one cell a line."""
    wb = load_workbook(io.BytesIO(content))
    return {ws.title: "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)
            for ws in wb.worksheets}


def busy_project(flow: Flow) -> dict[str, Any]:
    """Seed 003 with an acceptance approved and one in notice, payments disbursed, verified and rejected,
    and a progress report submitted; what the documents of each are read from."""
    flow.user("xp-finance-2", "finance")
    project, a, b = flow.selected_project()
    approved = flow.in_notice(project, a)
    flow.after_notice(approved)
    flow.act_ok(approved, "close_notice")
    flow.act_ok(approved, "approve", as_=LEADER)
    in_notice = flow.in_notice(project, b, as_=CONTRACTOR_B)
    advance = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1950000.00"},
                                CONTRACTOR_A), 201)
    for event, who, data in (("verify", COMMERCE, {}), ("approve", FINANCE, {}),
                             ("disburse", "xp-finance-2", {"voucher_no": "XP-2024-PZ-001",
                                                           "disbursed_on": "2024-10-11"})):
        flow.ok(flow.post(f"/payments/{advance['id']}/events", {"event": event, **data}, who))
    waiting = flow.ok(flow.post(f"/contracts/{b['id']}/payments", {"kind": "advance", "amount": "1000000.00"},
                                CONTRACTOR_B), 201)
    flow.ok(flow.post(f"/payments/{waiting['id']}/events", {"event": "verify"}, COMMERCE))
    rejected = flow.ok(flow.post(f"/contracts/{b['id']}/payments", {"kind": "advance", "amount": "50000.00"},
                                 CONTRACTOR_B), 201)
    flow.ok(flow.post(f"/payments/{rejected['id']}/events", {"event": "reject", "note": "材料不全"}, COMMERCE))
    flow.ok(flow.post(f"/projects/{project['id']}/reports", {"month": "2024-09", "text": "服务中心已建成"}), 201)
    return {"project": project, "approved": approved, "in_notice": in_notice, "disbursed": advance,
            "waiting": waiting, "rejected": rejected}


def test_the_code_list_holds_what_a_reader_must_never_see() -> None:
    found = codes()
    assert {"in_notice", "verify", "commerce", "public_service_center", "qujing-2018", "advance"} <= found
    assert raw_codes("状态：in_notice") == {"in_notice"} and raw_codes("xp-commerce（商务部门）") == set()
    assert raw_codes("http://localhost/public/notices/1") == set()


def test_every_pdf_and_export_names_codes_by_their_labels(flow: Flow) -> None:
    made = busy_project(flow)
    pid = made["project"]["id"]
    pdfs = {
        "notice": flow.client.get(f"/api/v1/public/notices/{made['in_notice']['notice']['id']}/notice.pdf"),
        "certificate": flow.get(f"/acceptances/{made['approved']['id']}/certificate.pdf"),
        "voucher": flow.get(f"/payments/{made['disbursed']['id']}/voucher.pdf", FINANCE),
        **{f"approval sheet ({name})": flow.get(f"/payments/{made[name]['id']}/approval-sheet.pdf", FINANCE)
           for name in ("disbursed", "waiting", "rejected")},
    }
    for name, resp in pdfs.items():
        assert resp.status_code == 200 and resp.data.startswith(b"%PDF-"), name
        text = pdf_words(resp.data)
        assert re.search(r"[\u4e00-\u9fff]", text), name
        assert raw_codes(text) == set(), (name, text)
        assert not DEVELOPER.search(text), (name, text)
    exports = {
        "ledger": flow.get(f"/projects/{pid}/ledger.xlsx"),
        "monthly": flow.get("/reports/monthly.xlsx?month=2024-09", COMMERCE),
        "plan": flow.get(f"/projects/{pid}/plan.xlsx"),
    }
    for name, resp in exports.items():
        assert resp.status_code == 200, (name, resp.get_data(as_text=True)[:300])
        for sheet, text in sheet_words(resp.data).items():
            allowed = frozenset(rulesets.available()) if name == "plan" and sheet == "项目信息" else frozenset()
            assert raw_codes(text, allowed) == set(), (name, sheet, text)
            assert not DEVELOPER.search(without(text, typed(example("003")))), (name, sheet, text)


def test_the_plan_workbook_keeps_the_rule_set_code_the_import_reads_and_labels_its_tags(flow: Flow) -> None:
    project = flow.tendered_project()
    sheets = sheet_words(flow.get(f"/projects/{project['id']}/plan.xlsx").data)
    rules = rulesets.load(project["rule_set"])
    table = next(iter(sheets.values()))
    assert any(rules.tag_label(tag)[0] in table for line in project["lines"] for tag in line["tags"])
    assert project["rule_set"] in sheets["项目信息"]
