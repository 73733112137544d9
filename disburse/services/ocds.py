"""Disclosure as OCDS 1.1 release packages (SPEC §9, last paragraph; seed 004 §8(1)1, seed 001 §8(4)).

A project is one contracting process, ``ocid = <ocid_prefix>-<project id>``. Its releases are compiled
from the project's audit log: one release per disclosed change, ``id = <ocid>-<audit seq>``, dated when
the change was recorded, so a release id never changes once published and every later disclosed
change adds a release (docs/ocds.md has the full mapping):

==============================================  ===================================================
audit entry                                      release (tag: content)
==============================================  ===================================================
``project.file``                                  ``planning``: budget, the tender being planned (items = budget lines)
``project.open_tender`` / ``reannounce_tender``   ``tender``: method, announcement date, status active
``project.tender_failed``                         ``tenderUpdate``: status unsuccessful (流标)
``project.select_contractor``                     ``tenderUpdate``: status complete
``contract.sign``                                 ``award`` + ``contract``: supplier, value, lines, date signed
``contract.withdraw``                             ``awardCancellation`` + ``contractTermination``
``payment.disburse``                              ``implementation``: a transaction (date, value, payer, payee)
``acceptance.*`` → ``approved`` / ``failed``      ``implementation``: a milestone met / not met
``project.*`` → ``closed``                        ``contractTermination``: every contract terminated
==============================================  ===================================================

Only what :mod:`disburse.services.disclosure` discloses leaves this module, by the same rule: no
project whose plan is a draft (``plan_drafted`` answers 404), no user, no voucher number, no objector,
no internal note. The audit entries are read for their sequence number, time, action, entity and
target state only; a release's content comes from the disclosed rows (and, for a contract, from what
its signing recorded, so a withdrawn contract keeps its award).

Amounts are JSON numbers, as OCDS requires (``value.amount``), in CNY: exact yuan with at most two
decimals, written as an integer when whole, else as the float whose shortest repr is the same decimal
(checked; every amount below 10¹³ yuan has one). Text is Chinese: ``language`` is ``zh`` and every
title that OCDS lets carry language variants also carries ``title_zh``.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    Application,
    AuditEntry,
    BudgetLine,
    Call,
    CallLine,
    Contract,
    Contractor,
    Payment,
    Project,
    Region,
)
from disburse.domain.notice import SHANGHAI
from disburse.domain.states import AcceptanceState, ApplicationState, PaymentState, ProjectState
from disburse.services.disclosure import UNDISCLOSED
from disburse.services.errors import NotFound

VERSION = "1.1"
LANGUAGE = "zh"
CURRENCY = "CNY"
#: org-id.guide's list code for China's unified social credit code (统一社会信用代码, GB 32100-2015).
USCC_SCHEME = "CN-USCC"

#: SPEC §5.1 tender methods → OCDS ``procurementMethod`` (closed codelist: open, selective, limited, direct).
#: Invited tenders, competitive negotiation, consultation and inquiry (政府采购法 art. 26) let at least three
#: qualified suppliers compete: selective. Single source awards one supplier without competition: direct.
#: The Chinese name of the method goes to ``procurementMethodDetails``.
PROCUREMENT_METHODS = {
    "open": ("open", "公开招标"),
    "invited": ("selective", "邀请招标"),
    "competitive_negotiation": ("selective", "竞争性谈判"),
    "competitive_consultation": ("selective", "竞争性磋商"),
    "inquiry": ("selective", "询价"),
    "single_source": ("direct", "单一来源采购"),
}
PACKAGING = {"whole": "整体打包", "by_region": "按区域分包", "by_item": "按项目分包"}

#: The audit actions that may make a release (acceptances and closing are picked by their target state).
_ACTIONS = ("project.", "contract.sign", "contract.withdraw", "payment.disburse", "acceptance.", "call.open",
            "application.publish", "application.award", "application.resolve_objection")
#: How a call for applications is awarded, as ``procurementMethodDetails`` (seed 003 §5(1)1②).
CALL_METHOD = "项目申报（先建后补、以奖代补）"


class AmountError(ValueError):
    """An amount that no JSON number carries exactly (never happens below 10¹³ yuan)."""


def amount_number(amount: Decimal) -> int | float:
    """Exact yuan as a JSON number: an int when whole, else the float whose shortest repr is that decimal."""
    if amount == amount.to_integral_value():
        return int(amount)
    number = float(amount)
    if Decimal(repr(number)) != amount:
        raise AmountError(f"{amount} has no exact JSON number")
    return number


def _value(amount: Decimal) -> dict[str, Any]:
    return {"amount": amount_number(amount), "currency": CURRENCY}


def _at(moment: datetime) -> str:
    """A time in Beijing time to the second (OCDS date-time with its offset)."""
    return moment.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


def _day(day: date) -> str:
    """A local date as the start of that day in Beijing time."""
    return f"{day.isoformat()}T00:00:00+08:00"


def _titled(title: str, **rest: Any) -> dict[str, Any]:
    """``title`` in the release's language and again as the ``title_zh`` language variant."""
    return {"title": title, "title_zh": title, **rest}


def _ref(party: dict[str, Any]) -> dict[str, Any]:
    return {"id": party["id"], "name": party["name"]}


@dataclass
class _Process:
    """What the releases of one project are built from, loaded once."""

    project: Project
    ocid: str
    buyer: dict[str, Any]
    payer: dict[str, Any]
    items: dict[int, dict[str, Any]]
    contracts: dict[int, Contract]
    suppliers: dict[str, dict[str, Any]]
    payments: dict[int, Payment]
    acceptances: dict[int, Acceptance]

    def award_id(self, contract_id: int) -> str:
        return f"{self.ocid}-award-{contract_id}"

    def contract_id(self, contract_id: int) -> str:
        return f"{self.ocid}-contract-{contract_id}"

    def tender_id(self) -> str:
        return f"{self.ocid}-tender"


def _address(session: Session, region: Region) -> dict[str, Any]:
    """The county as an OCDS address: its province as ``region``, the county as ``locality``."""
    codes = [c for c in region.path.split("/") if c]
    province = session.scalar(select(Region.name).where(Region.code.in_(codes), Region.level == "province"))
    return {"locality": region.name, **({"region": province} if province else {}), "countryName": "中国"}


def _supplier(contractor: Contractor) -> dict[str, Any]:
    return {"id": f"{USCC_SCHEME}-{contractor.credit_code}", "name": contractor.name,
            "identifier": {"scheme": USCC_SCHEME, "id": contractor.credit_code, "legalName": contractor.name},
            "roles": ["supplier", "payee"]}


def _item(line: BudgetLine) -> dict[str, Any]:
    """A budget line as a tender item: one unit whose value is the line's amount."""
    item: dict[str, Any] = {"id": str(line.position + 1), "description": f"{line.category}：{line.item}",
                            "quantity": 1}
    if line.amount is not None:
        item["unit"] = {"name": "项", "value": _value(line.amount)}
    return item


def _load(session: Session, project: Project, ocid_prefix: str) -> _Process:
    county = project.region
    address = _address(session, county)
    # A subsidy agreement (补助协议, issue 20) belongs to its call's process, not to the project's tender.
    contracts = {c.id: c for c in session.scalars(select(Contract).where(Contract.project_id == project.id,
                                                                         Contract.application_id.is_(None))
                                                  .order_by(Contract.id)).unique()}
    contractors = session.scalars(select(Contractor).join(Contract, Contract.contractor_id == Contractor.id)
                                  .where(Contract.project_id == project.id)).unique().all()
    payments = {p.id: p for p in session.scalars(select(Payment).where(Payment.project_id == project.id,
                                                                       Payment.state == PaymentState.DISBURSED))}
    acceptances = {a.id: a for a in session.scalars(select(Acceptance).where(Acceptance.project_id == project.id))}
    return _Process(
        project=project,
        ocid=f"{ocid_prefix}-{project.id}",
        buyer={"id": f"{county.code}-commerce", "name": f"{county.name}商务局", "address": address,
               "roles": ["buyer", "procuringEntity"]},
        payer={"id": f"{county.code}-finance", "name": f"{county.name}财政局", "address": address,
               "roles": ["payer"]},
        items={line.id: _item(line) for line in project.lines},
        contracts=contracts,
        suppliers={c.credit_code: _supplier(c) for c in contractors},
        payments=payments,
        acceptances=acceptances,
    )


def _known_supplier(session: Session, process: _Process, credit_code: str) -> dict[str, Any] | None:
    """The supplier of a contract, also when the contract was withdrawn since (its contractor row stays)."""
    if credit_code not in process.suppliers:
        contractor = session.scalar(select(Contractor).where(Contractor.credit_code == credit_code))
        if contractor is None:
            return None
        process.suppliers[credit_code] = _supplier(contractor)
    return process.suppliers[credit_code]


# --- one builder per kind of disclosed change -------------------------------------------------------
#
# Each returns (tags, parties, sections) or None when the entry discloses nothing.

_Built = tuple[list[str], list[dict[str, Any]], dict[str, Any]] | None


def _planning(process: _Process) -> _Built:
    project = process.project
    budget: dict[str, Any] = {
        "description": "；".join(f"{f.source} {f.amount:.2f}元" for f in project.funding) or None,
        "amount": _value(project.total),
        "project": project.name,
    }
    if project.doc_no:
        budget["projectID"] = project.doc_no
    tender = _titled(project.name, id=process.tender_id(), status="planning", procuringEntity=_ref(process.buyer),
                     items=list(process.items.values()), value=_value(project.total))
    if project.period_start or project.period_end:
        tender["contractPeriod"] = {k: _day(v) for k, v in (("startDate", project.period_start),
                                                            ("endDate", project.period_end)) if v}
    return ["planning"], [process.buyer], {"planning": {"budget": {k: v for k, v in budget.items() if v}},
                                           "tender": tender}


def _tender(process: _Process, data: dict[str, Any]) -> _Built:
    round_ = data["tender"]
    method, method_zh = PROCUREMENT_METHODS.get(round_["method"], (None, round_["method"]))
    notes = [f"第{round_['round']}次公告", f"分包方式：{PACKAGING.get(round_['packaging'], round_['packaging'])}"]
    if round_.get("reference"):
        notes.append(f"招标编号：{round_['reference']}")
    tender = _titled(process.project.name, id=process.tender_id(), status="active",
                     procuringEntity=_ref(process.buyer), description="；".join(notes),
                     procurementMethodDetails=method_zh,
                     tenderPeriod={"startDate": _day(date.fromisoformat(round_["announced_on"]))})
    if method:
        tender["procurementMethod"] = method
    return ["tender"], [process.buyer], {"tender": tender}


def _tender_status(process: _Process, status: str) -> _Built:
    return ["tenderUpdate"], [], {"tender": {"id": process.tender_id(), "status": status}}


def _sign(session: Session, process: _Process, contract_id: int, data: dict[str, Any]) -> _Built:
    supplier = _known_supplier(session, process, data["contractor"])
    if supplier is None:
        return None
    contract = process.contracts.get(contract_id)
    amount = _value(Decimal(data["amount"]))
    items = [process.items[i] for i in data.get("line_ids", []) if i in process.items]
    award = _titled(data["lot"], id=process.award_id(contract_id), status="active", value=amount,
                    suppliers=[_ref(supplier)], items=items)
    signed = _titled(data["lot"], id=process.contract_id(contract_id), awardID=process.award_id(contract_id),
                     status="active", value=amount, items=items)
    if contract is not None:
        award["date"] = signed["dateSigned"] = _day(contract.signed_on)
    return ["award", "contract"], [supplier], {"awards": [award], "contracts": [signed]}


def _withdraw(process: _Process, contract_id: int) -> _Built:
    return (["awardCancellation", "contractTermination"], [],
            {"awards": [{"id": process.award_id(contract_id), "status": "cancelled"}],
             "contracts": [{"id": process.contract_id(contract_id), "awardID": process.award_id(contract_id),
                            "status": "terminated"}]})


def _disbursed(process: _Process, payment_id: int) -> _Built:
    payment = process.payments.get(payment_id)
    contract = process.contracts.get(payment.contract_id) if payment else None
    if payment is None or contract is None or payment.disbursed_on is None:
        return None
    supplier = process.suppliers[contract.contractor.credit_code]
    transaction = {"id": f"{process.ocid}-payment-{payment.id}", "date": _day(payment.disbursed_on),
                   "value": _value(payment.amount), "payer": _ref(process.payer), "payee": _ref(supplier)}
    return ["implementation"], [process.payer, supplier], {"contracts": [{
        "id": process.contract_id(contract.id), "awardID": process.award_id(contract.id),
        "implementation": {"transactions": [transaction]}}]}


def _acceptance_title(acceptance: Acceptance) -> str:
    return "终验" if acceptance.kind == "final" else f"第{acceptance.stage}阶段验收"


def _milestone(process: _Process, acceptance_id: int, met: bool, at: str) -> _Built:
    acceptance = process.acceptances.get(acceptance_id)
    if acceptance is None or acceptance.contract_id not in process.contracts:
        return None
    milestone = _titled(_acceptance_title(acceptance), id=f"{process.ocid}-acceptance-{acceptance.id}",
                        type="delivery", status="met" if met else "notMet", dateModified=at)
    if met:
        milestone["dateMet"] = at
    contract_id = acceptance.contract_id
    return ["implementation"], [], {"contracts": [{
        "id": process.contract_id(contract_id), "awardID": process.award_id(contract_id),
        "implementation": {"milestones": [milestone]}}]}


def _closed(process: _Process) -> _Built:
    return ["contractTermination"], [], {"contracts": [
        {"id": process.contract_id(c), "awardID": process.award_id(c), "status": "terminated"}
        for c in process.contracts]}


def _build(session: Session, process: _Process, entry: AuditEntry) -> _Built:
    """The release content of one audit entry, or None when the entry discloses nothing."""
    action, target = entry.action, entry.to_state
    entity = int(entry.entity_id) if entry.entity_id and entry.entity_id.isdigit() else 0
    builders: dict[str, Callable[[], _Built]] = {
        "project.file": lambda: _planning(process),
        "project.open_tender": lambda: _tender(process, _data(entry)),
        "project.reannounce_tender": lambda: _tender(process, _data(entry)),
        "project.tender_failed": lambda: _tender_status(process, "unsuccessful"),
        "project.select_contractor": lambda: _tender_status(process, "complete"),
        "contract.sign": lambda: _sign(session, process, entity, _data(entry)),
        "contract.withdraw": lambda: _withdraw(process, entity),
        "payment.disburse": lambda: _disbursed(process, entity),
    }
    if action in builders:
        return builders[action]()
    if action.startswith("acceptance.") and target in (AcceptanceState.APPROVED, AcceptanceState.FAILED):
        return _milestone(process, entity, target == AcceptanceState.APPROVED, _at(entry.at))
    if action.startswith("project.") and target == ProjectState.CLOSED:
        return _closed(process)
    return None


def _data(entry: AuditEntry) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(entry.data)
    return value


def _releases(session: Session, project: Project, ocid_prefix: str) -> list[dict[str, Any]]:
    process = _load(session, project, ocid_prefix)
    calls = _load_calls(session, process)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.project_id == project.id)
                              .order_by(AuditEntry.seq)).all()
    releases = []
    for entry in entries:
        if not entry.action.startswith(_ACTIONS):
            continue
        routed = _call_build(process, calls, entry)
        ocid, built = routed if routed is not None else (process.ocid, _build(session, process, entry))
        if built is None:
            continue
        tags, parties, sections = built
        releases.append({
            "ocid": ocid, "id": f"{ocid}-{entry.seq}", "date": _at(entry.at), "tag": tags,
            "initiationType": "tender", "language": LANGUAGE,
            "parties": _unique([process.buyer, *parties]), "buyer": _ref(process.buyer), **sections,
        })
    return releases


# --- calls for applications: a contracting process each (issue 20) -----------------------------------
#
# A call is a tender of its own (OCDS 1.1 has one tender per contracting process, and the project's is its
# procurement), ocid ``<project ocid>-call-<call id>``, related to the project's process as its ``planning``
# process. The applications publicised are awards ``pending`` (the notice is the period before an award is in
# force) with the proposed subsidy; the leader's award makes the award ``active`` with the awarded subsidy and,
# in the same release, the subsidy agreement (补助协议) as its contract. Payments and acceptances of the
# agreement are that contract's transactions and milestones. The agreement is a row of ``contracts``: it is
# left out of the project's process (no second award, no ``contract.sign`` release of its own).


@dataclass
class _Calls:
    """The project's calls, their applications and subsidy agreements, loaded once."""

    calls: dict[int, Call]
    items: dict[int, list[dict[str, Any]]]
    applications: dict[int, Application]
    agreements: dict[int, Contract]
    payments: dict[int, Payment]
    acceptances: dict[int, Acceptance]

    def ocid(self, process: _Process, call_id: int) -> str:
        return f"{process.ocid}-call-{call_id}"

    def agreement_of(self, application_id: int) -> Contract | None:
        return next((c for c in self.agreements.values() if c.application_id == application_id), None)


def _load_calls(session: Session, process: _Process) -> _Calls:
    project_id = process.project.id
    calls = {c.id: c for c in session.scalars(select(Call).where(Call.project_id == project_id))}
    items: dict[int, list[dict[str, Any]]] = {i: [] for i in calls}
    for call_id, line_id in session.execute(select(CallLine.call_id, CallLine.line_id)
                                            .where(CallLine.call_id.in_(list(calls)))):
        if line_id in process.items:
            items[call_id].append(process.items[line_id])
    agreements = {c.id: c for c in session.scalars(select(Contract).where(Contract.project_id == project_id,
                                                                          Contract.application_id.is_not(None)))}
    return _Calls(
        calls=calls, items={k: sorted(v, key=lambda i: int(i["id"])) for k, v in items.items()},
        applications={a.id: a for a in session.scalars(select(Application).where(
            Application.project_id == project_id))},
        agreements=agreements,
        payments={p.id: p for p in process.payments.values() if p.contract_id in agreements},
        acceptances={a.id: a for a in process.acceptances.values() if a.contract_id in agreements})


def _enterprise(name: str, credit_code: str) -> dict[str, Any]:
    """An applicant as a party: its unified social credit code is public, as a contractor's."""
    return {"id": f"{USCC_SCHEME}-{credit_code}", "name": name,
            "identifier": {"scheme": USCC_SCHEME, "id": credit_code, "legalName": name},
            "roles": ["supplier", "payee"]}


def _call_build(process: _Process, calls: _Calls, entry: AuditEntry) -> tuple[str, _Built] | None:
    """The release of an entry about a call, its applications or a subsidy agreement, in the call's process
    (``(ocid, None)``: nothing to disclose); ``None`` when the entry is not about one."""
    entity = int(entry.entity_id) if entry.entity_id and entry.entity_id.isdigit() else 0
    action, target = entry.action, entry.to_state
    if action == "call.open" and entity in calls.calls:
        return calls.ocid(process, entity), _call_tender(process, calls, calls.calls[entity], entry)
    if action in ("application.publish", "application.award", "application.resolve_objection"):
        application = calls.applications.get(entity)
        if application is None or (action == "application.resolve_objection"
                                   and target != ApplicationState.REJECTED):
            return process.ocid, None
        ocid = calls.ocid(process, application.call_id)
        return ocid, _call_award(process, calls, ocid, application, entry)
    if action == "contract.sign" and entity in calls.agreements:
        return process.ocid, None  # disclosed with the award it writes
    if action == "payment.disburse" and entity in calls.payments:
        payment = calls.payments[entity]
        return _on_agreement(process, calls, calls.agreements[payment.contract_id],
                             lambda ocid, agreement: _subsidy_paid(process, ocid, agreement, payment))
    if action.startswith("acceptance.") and entity in calls.acceptances:
        if target not in (AcceptanceState.APPROVED, AcceptanceState.FAILED):
            return process.ocid, None
        acceptance = calls.acceptances[entity]
        met = target == AcceptanceState.APPROVED
        return _on_agreement(process, calls, calls.agreements[acceptance.contract_id],
                             lambda ocid, agreement: _agreement_milestone(ocid, agreement, acceptance, met,
                                                                          _at(entry.at)))
    return None


def _on_agreement(process: _Process, calls: _Calls, agreement: Contract,
                  build: Callable[[str, Contract], _Built]) -> tuple[str, _Built]:
    application = calls.applications.get(agreement.application_id or 0)
    if application is None:
        return process.ocid, None
    ocid = calls.ocid(process, application.call_id)
    return ocid, build(ocid, agreement)


def _call_tender(process: _Process, calls: _Calls, call: Call, entry: AuditEntry) -> _Built:
    """The call as the tender of its process: the money available, its lines as items, the conditions as the
    eligibility criteria, the materials, the period for applications up to 24:00 Beijing time of the deadline."""
    data = _data(entry)
    tender = _titled(call.title, id=f"{calls.ocid(process, call.id)}-tender", status="active",
                     procuringEntity=_ref(process.buyer), items=calls.items[call.id],
                     value=_value(Decimal(data.get("total") or call.total)), procurementMethod="open",
                     procurementMethodDetails=CALL_METHOD, eligibilityCriteria="；".join(call.conditions),
                     tenderPeriod={"startDate": _at(call.created_at),
                                   "endDate": f"{call.deadline.isoformat()}T23:59:59+08:00"})
    if call.materials:
        tender["submissionMethodDetails"] = "申报材料：" + "、".join(call.materials)
    related = {"id": "1", "relationship": ["planning"], "title": process.project.name, "scheme": "ocid",
               "identifier": process.ocid}
    return ["tender"], [], {"tender": tender, "relatedProcesses": [related]}


def _call_award(process: _Process, calls: _Calls, ocid: str, application: Application, entry: AuditEntry) -> _Built:
    """``publish``: an award ``pending`` for the proposed subsidy; ``award``: the award ``active`` for the awarded
    subsidy, with the subsidy agreement as its contract when it is signed in the same step; an objection upheld
    (the application rejected after its notice): the award ``unsuccessful``."""
    data = _data(entry)
    supplier = _enterprise(data.get("applicant") or application.applicant_name,
                           data.get("credit_code") or application.credit_code)
    award_id = f"{ocid}-award-{application.id}"
    items = calls.items.get(application.call_id, [])
    call = calls.calls[application.call_id]
    if entry.action == "application.resolve_objection":
        return ["awardUpdate"], [], {"awards": [{"id": award_id, "status": "unsuccessful"}]}
    if entry.action == "application.publish":
        proposed = Decimal(data.get("proposed_subsidy") or application.proposed_subsidy or 0)
        award = _titled(call.title, id=award_id, status="pending", date=_at(entry.at), value=_value(proposed),
                        suppliers=[_ref(supplier)], items=items, description="拟补助资金（公示中）")
        return ["award"], [supplier], {"awards": [award]}
    awarded = Decimal(data.get("awarded") or application.awarded or 0)
    award = _titled(call.title, id=award_id, status="active", date=_at(entry.at), value=_value(awarded),
                    suppliers=[_ref(supplier)], items=items)
    agreement = calls.agreement_of(application.id)
    if agreement is None:
        return ["awardUpdate"], [supplier], {"awards": [award]}
    contract = _titled(agreement.lot, id=f"{ocid}-contract-{agreement.id}", awardID=award_id, status="active",
                       value=_value(agreement.amount), items=items, dateSigned=_day(agreement.signed_on),
                       description="补助协议")
    return ["awardUpdate", "contract"], [supplier], {"awards": [award], "contracts": [contract]}


def _subsidy_paid(process: _Process, ocid: str, agreement: Contract, payment: Payment) -> _Built:
    if payment.disbursed_on is None or agreement.application_id is None:
        return None
    supplier = _enterprise(agreement.contractor.name, agreement.contractor.credit_code)
    transaction = {"id": f"{ocid}-payment-{payment.id}", "date": _day(payment.disbursed_on),
                   "value": _value(payment.amount), "payer": _ref(process.payer), "payee": _ref(supplier)}
    return ["implementation"], [process.payer, supplier], {"contracts": [{
        "id": f"{ocid}-contract-{agreement.id}", "awardID": f"{ocid}-award-{agreement.application_id}",
        "implementation": {"transactions": [transaction]}}]}


def _agreement_milestone(ocid: str, agreement: Contract, acceptance: Acceptance, met: bool, at: str) -> _Built:
    milestone = _titled(_acceptance_title(acceptance), id=f"{ocid}-acceptance-{acceptance.id}", type="delivery",
                        status="met" if met else "notMet", dateModified=at)
    if met:
        milestone["dateMet"] = at
    return ["implementation"], [], {"contracts": [{
        "id": f"{ocid}-contract-{agreement.id}", "awardID": f"{ocid}-award-{agreement.application_id}",
        "implementation": {"milestones": [milestone]}}]}


def _unique(parties: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for party in parties:
        seen.setdefault(party["id"], party)
    return list(seen.values())


def _package(releases: list[dict[str, Any]], uri: str, publisher: str, now: datetime) -> dict[str, Any]:
    """A release package; ``publishedDate`` is the newest release's date, so equal data gives equal bytes."""
    published = max((r["date"] for r in releases), default=_at(now))
    return {"uri": uri, "version": VERSION, "publishedDate": published, "publisher": {"name": publisher},
            "releases": releases}


def project_package(db: Database, project_id: int, *, ocid_prefix: str, publisher: str, uri: str,
                    now: datetime) -> dict[str, Any]:
    """The OCDS 1.1 release package of one disclosed project (404 for a draft or a missing id).

    SPEC §9: disclosure is also published as OCDS release packages; seed 004 §8(1)1 (公开实施方案、
    项目内容、资金安排、决策过程).
    """
    with db.reading() as tx:
        project = tx.session.get(Project, project_id)
        if project is None or project.state in UNDISCLOSED:
            raise NotFound(f"no public project {project_id}")
        return _package(_releases(tx.session, project, ocid_prefix), uri, publisher, now)


def bulk_package(db: Database, *, ocid_prefix: str, publisher: str, uri: str, now: datetime) -> dict[str, Any]:
    """One release package with the releases of every disclosed project, project by project (docs/ocds.md)."""
    with db.reading() as tx:
        projects = tx.session.scalars(select(Project).where(Project.state.not_in(UNDISCLOSED))
                                      .order_by(Project.id)).unique().all()
        releases = [r for project in projects for r in _releases(tx.session, project, ocid_prefix)]
        return _package(releases, uri, publisher, now)


def package_text(package: dict[str, Any]) -> str:
    """The package as JSON text with the Chinese kept as is, for the bulk file."""
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"
