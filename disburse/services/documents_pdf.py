"""Printable documents as PDF (issue 9): the public notice of an acceptance result (公示), the acceptance
certificate (验收证书), the payment voucher summary (拨付凭证摘要) and the payment's approval sheet (审批单,
issue 18 item 4).

Each use case gathers the document's facts in one read transaction, authorised like the object the
document shows, then renders outside the transaction (:mod:`disburse.adapters.pdf`):

* the public notice is public (SPEC §9) for any notice of a disclosed project, as its page is, and
  shows only what is disclosed: the project, county, lot and contractor, the per-line result with the
  accepted amounts as published (seed 004 §5(5)2: 对验收合格项目和拟补助资金在政府网站上进行公示), the
  notice period (seed 004 §5(5)2, seed 003 §5(2)3②; it ends at 24:00 Asia/Shanghai of its last
  day, :mod:`disburse.domain.notice`), how to object and the supervision contact; no user, no note;
* the certificate and the voucher are read like the acceptance and the payment (SPEC §6, via
  :mod:`disburse.services.access`): another county's answers 404, a role that reads no projects 403.

The documents are Chinese only: they are official papers of a county office (``docs/pdf.md``).
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from disburse.adapters import pdf, rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import Acceptance, BudgetLine, Contract, Notice, Payment, Project, User
from disburse.domain import labels, leading_group
from disburse.domain.citations import QUJING, SYSTEM_RULE, cite
from disburse.domain.money import format_daxie, format_wan
from disburse.domain.notice import SHANGHAI, local_date
from disburse.domain.payee import DUE_CLAUSE
from disburse.domain.states import PaymentState
from disburse.domain.unmet import Unmet
from disburse.services import acceptances, audit, disclosure, engine, payments
from disburse.services.access import load_acceptance, load_payment
from disburse.services.context import Actor
from disburse.services.errors import Conflict, NotFound

#: The roles as the documents name them: the Chinese of the one table, :data:`disburse.domain.labels.ROLES`.
ROLE_ZH = {code: zh for code, (zh, _) in labels.ROLES.items()}
RESULT_ZH = {"pass": "合格", "fail": "不合格"}
#: The kinds of payment: the Chinese of :data:`disburse.domain.labels.PAYMENT_KINDS`.
PAYMENT_KIND_ZH = {code: zh for code, (zh, _) in labels.PAYMENT_KINDS.items()}
#: The first step of each object, which no workflow event names.
CREATED_ZH = {"acceptance.apply": "申请验收", "payment.request": "申请拨付"}
_SECOND = timedelta(seconds=1)
_ZERO = Decimal(0)


def day_zh(day: date) -> str:
    """A date as Chinese documents write it: ``2024年10月10日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def moment_zh(at: datetime) -> str:
    """An instant in Beijing time: ``2024年9月27日 10:00``."""
    local = at.astimezone(SHANGHAI)
    return f"{day_zh(local.date())} {local:%H:%M}"


def yuan_zh(amount: Decimal) -> str:
    """An amount in 元 with thousands separators: ``1,950,000.00``."""
    return f"{amount:,.2f}"


def acceptance_name(kind: str, stage: int | None) -> str:
    return "终验" if kind == "final" else f"第{stage}阶段验收"


def _lines(session: Session, verdicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Verdicts (``line_id``, ``result``, ``accepted_amount`` and maybe ``note``) with their budget lines."""
    found = {line.id: line for line in session.scalars(
        select(BudgetLine).where(BudgetLine.id.in_([v["line_id"] for v in verdicts])))}
    rows = []
    for n, verdict in enumerate(verdicts, 1):
        line = found[verdict["line_id"]]
        accepted = Decimal(verdict["accepted_amount"])
        rows.append({"n": n, "category": line.category, "item": line.item,
                     "budget": "—" if line.amount is None else yuan_zh(line.amount),
                     "result": RESULT_ZH.get(verdict["result"], verdict["result"]),
                     "passed": verdict["result"] == "pass",
                     "accepted": yuan_zh(accepted), "accepted_wan": format_wan(accepted),
                     "note": verdict.get("note") or ""})
    return rows


def _total(verdicts: list[dict[str, Any]]) -> dict[str, str]:
    total = sum((Decimal(v["accepted_amount"]) for v in verdicts), _ZERO)
    return {"yuan": yuan_zh(total), "wan": format_wan(total), "daxie": format_daxie(total)}


def _steps(entries: list[dict[str, Any]], workflow: Any) -> list[dict[str, str]]:
    """Audit entries of one acceptance or payment as steps: what, who, when."""
    steps = []
    for entry in entries:
        spec = workflow.event(entry["action"].split(".", 1)[-1])
        label = CREATED_ZH.get(entry["action"]) or (spec.zh if spec else labels.audit_action(
            entry["action"], "zh", lambda _workflow, _trigger: None))
        actor = entry["actor"]
        role = ROLE_ZH.get(actor["role"]) or labels.of(labels.ROLES, actor["role"], "zh")
        who = role if actor["role"] == "public" else _signer_of(entry)
        to_state = workflow.states.get(entry["to_state"] or "")
        steps.append({"label": label, "who": who, "at": moment_zh(datetime.fromisoformat(entry["at"])),
                      "to": to_state.zh if to_state else ""})
    return steps


def application_notice_facts(db: Database, notice: Notice, page_url: str, now: datetime) -> dict[str, Any]:
    """What the public notice of an application's proposed subsidy says (拟补助资金公示; seed 003 §5(2)3②): what
    its public page shows (:func:`disclosure.public_notice`), as a bureau posts it. 404 when not disclosed."""
    shown = disclosure.public_notice(db, notice.id, now)
    proposed = Decimal(shown["application"]["proposed_subsidy"])
    county = shown["project"]["county"]
    return {
        "notice_id": notice.id, "project": shown["project"]["name"], "county": county, "call": shown["call"]["title"],
        "lines": [f"{line['category']}：{line['item']}" for line in shown["call"]["lines"]],
        "applicant": shown["application"]["applicant"], "credit_code": shown["application"]["credit_code"],
        "proposed": {"yuan": yuan_zh(proposed), "wan": format_wan(proposed), "daxie": format_daxie(proposed)},
        "panel": [" ".join(p for p in (m.get("bureau"), m.get("name")) if p) for m in shown["application"]["panel"]],
        "published_on": day_zh(local_date(notice.published_at)),
        "ends_on": day_zh(local_date(notice.ends_at - _SECOND)), "days": notice.days,
        "day_kind": "工作日" if notice.working_days else "日", "page_url": page_url,
        "supervision": shown["supervision"].get("zh", ""), "clause": shown["clause"]["zh"],
        "issuer": f"{county}商务局",
    }


def notice_facts(db: Database, notice_id: int, page_url: str) -> dict[str, Any]:
    """What the public notice of an acceptance result says; ``page_url`` is the notice's public page, where
    objections are filed (SPEC §9). 404 when there is no such notice or its project is not disclosed."""
    with db.reading() as tx:
        session = tx.session
        notice = session.get(Notice, notice_id)
        acceptance = None if notice is None or notice.acceptance_id is None else session.get(Acceptance,
                                                                                             notice.acceptance_id)
        project = None if acceptance is None else session.get(Project, acceptance.project_id)
        if notice is None or acceptance is None or project is None or project.state in disclosure.UNDISCLOSED:
            raise NotFound(f"no notice {notice_id}")
        contract = session.get(Contract, acceptance.contract_id)
        assert contract is not None
        verdicts = disclosure.published_verdicts(session, project.id, acceptance.id, notice.id)
        county = project.region.name
        accepted = sum((Decimal(v["accepted_amount"]) for v in verdicts if v["result"] == "pass"), _ZERO)
        proposed = disclosure.proposed_payment_of(session, acceptance, contract, accepted)
        return {
            "notice_id": notice.id,
            "project": project.name,
            "doc_no": project.doc_no or "",
            "county": county,
            "lot": contract.lot,
            "contractor": contract.contractor.name,
            "contract_amount": yuan_zh(contract.amount),
            "contract_wan": format_wan(contract.amount),
            "acceptance": acceptance_name(acceptance.kind, acceptance.stage),
            "lines": _lines(session, verdicts),
            "all_passed": all(v["result"] == "pass" for v in verdicts),
            "total": _total(verdicts),
            "proposed": {**_total([{"accepted_amount": proposed["amount"]}]), "basis": proposed["basis"]["zh"],
                         "clause": proposed["clause"]["zh"]},
            "published_on": day_zh(local_date(notice.published_at)),
            "ends_on": day_zh(local_date(notice.ends_at - _SECOND)),
            "days": notice.days,
            "day_kind": "工作日" if notice.working_days else "日",
            "page_url": page_url,
            "supervision": disclosure.supervision_contact(project.region.path).get("zh", ""),
            "issuer": f"{county}商务局",
        }


def notice_pdf(db: Database, notice_id: int, page_url: str, now: datetime) -> bytes:
    """The public notice (公示) of an acceptance result, or of an application's proposed subsidy, as PDF; public
    like the notice's page."""
    with db.reading() as tx:
        notice = tx.session.get(Notice, notice_id)
        if notice is not None and notice.application_id is not None:
            return pdf.render_pdf("application_notice.html", {
                **application_notice_facts(db, notice, page_url, now), "printed_at": moment_zh(now)})
    return pdf.render_pdf("notice.html", {**notice_facts(db, notice_id, page_url), "printed_at": moment_zh(now)})


def _contract_facts(contract: Contract, project: Project) -> dict[str, Any]:
    return {"project": project.name, "doc_no": project.doc_no or "", "county": project.region.name,
            "lot": contract.lot, "contractor": contract.contractor.name,
            "credit_code": contract.contractor.credit_code, "contract_amount": yuan_zh(contract.amount),
            "contract_wan": format_wan(contract.amount)}


def certificate_facts(db: Database, actor: Actor, acceptance_id: int) -> dict[str, Any]:
    """What the acceptance certificate says: the conclusion per line, who decided and when (seed 004 §5(5)2).

    Read like the acceptance (SPEC §6). 409 before a verdict is recorded: there is no conclusion yet.
    """
    with db.reading() as tx:
        session = tx.session
        acceptance, contract, project = load_acceptance(session, actor, acceptance_id)
        if not acceptance.verdicts:
            unmet = Unmet("no_verdict", "尚未作出验收结论，暂无验收证书",
                          "No verdict has been recorded yet, so there is no certificate", cite(QUJING, "五(五)2"))
            raise Conflict(unmet.en, [unmet])
        verdicts = [{"line_id": v.line_id, "result": v.result, "accepted_amount": v.accepted_amount, "note": v.note}
                    for v in acceptance.verdicts]
        history = audit.entity_history(session, project.id, "acceptance", acceptance.id)
        notice = acceptance.notices[-1] if acceptance.notices else None
        workflow = acceptances.workflow()
        return {
            **_contract_facts(contract, project),
            "acceptance_id": acceptance.id,
            "acceptance": acceptance_name(acceptance.kind, acceptance.stage),
            "attempt": acceptance.attempt,
            "state": (engine.state_label(workflow, acceptance.state) or {}).get("zh", acceptance.state),
            "conclusion": "合格" if all(v["result"] == "pass" for v in verdicts) else "不合格",
            "lines": _lines(session, verdicts),
            "total": _total(verdicts),
            "decided": {"who": _who(session, acceptance.verdict_by),
                        "at": moment_zh(acceptance.verdict_at) if acceptance.verdict_at else "—"},
            "approved": _approval(session, history) if acceptance.approved_by else None,
            "notice": None if notice is None else {
                "published_on": day_zh(local_date(notice.published_at)),
                "ends_on": day_zh(local_date(notice.ends_at - _SECOND)),
                "objections": len(notice.objections)},
            "steps": _steps(history, workflow),
        }


def _who(session: Session, user_id: int | None) -> str:
    user = None if user_id is None else session.get(User, user_id)
    return "—" if user is None else f"{user.username}（{ROLE_ZH.get(user.role, user.role)}）"


def _approval(session: Session, history: list[dict[str, Any]]) -> dict[str, str] | None:
    """Who approved the result and when: the acceptance keeps the leader, the audit log the time."""
    entry = next((e for e in reversed(history) if e["action"] == "acceptance.approve"), None)
    if entry is None:
        return None
    return {"who": _who(session, entry["actor"]["id"]), "at": moment_zh(datetime.fromisoformat(entry["at"]))}


def certificate_pdf(db: Database, actor: Actor, acceptance_id: int, now: datetime) -> bytes:
    """The acceptance certificate (验收证书) as PDF."""
    return pdf.render_pdf("certificate.html", {**certificate_facts(db, actor, acceptance_id),
                                               "printed_at": moment_zh(now)})


def voucher_facts(db: Database, actor: Actor, payment_id: int) -> dict[str, Any]:
    """What the payment voucher summary says: kind, amount in figures and capitals, contract, the steps with
    who and when, voucher number and date (SPEC §5.3; seed 003 §5(2)3③, seed 001 §6(2)2).

    Read like the payment (SPEC §6). 409 until the payment is disbursed: there is no voucher before.
    """
    with db.reading() as tx:
        session = tx.session
        payment, contract, project = load_payment(session, actor, payment_id)
        if payment.state != PaymentState.DISBURSED:
            unmet = Unmet("not_disbursed", "资金尚未拨付，暂无拨付凭证", "The payment has not been disbursed yet, "
                          "so there is no voucher", SYSTEM_RULE)
            raise Conflict(unmet.en, [unmet])
        assert payment.disbursed_on is not None
        basis = session.get(Acceptance, payment.acceptance_id) if payment.acceptance_id else None
        stage = None
        if payment.kind == "stage" and basis is not None and basis.stage:
            stage = contract.stages[basis.stage - 1].get("name") if basis.stage <= len(contract.stages) else None
        return {
            **_contract_facts(contract, project),
            "payment_id": payment.id,
            "kind": PAYMENT_KIND_ZH.get(payment.kind, payment.kind) + (f"（{stage}）" if stage else ""),
            "amount": yuan_zh(payment.amount),
            "amount_wan": format_wan(payment.amount),
            "amount_daxie": format_daxie(payment.amount),
            "basis": None if basis is None else f"{acceptance_name(basis.kind, basis.stage)}（验收编号 {basis.id}）",
            "voucher_no": payment.voucher_no or "",
            "disbursed_on": day_zh(payment.disbursed_on),
            "payee_bank": contract.payee_bank or "", "payee_account": contract.payee_account or "",
            **_due_facts(session, payment, contract, project),
            "steps": _steps(audit.entity_history(session, project.id, "payment", payment.id), payments.workflow()),
        }


def _due_facts(session: Session, payment: Payment, contract: Contract, project: Project) -> dict[str, Any]:
    """The due day of a payment relying on an acceptance and the days it was paid late (issue 17)."""
    assert payment.disbursed_on is not None
    due = payments.due_clock_of(session, payment, contract, project, payment.disbursed_on)
    if due is None:
        return {"due_on": None, "overdue_days": 0}
    return {"due_on": day_zh(due.due_on), "due_days": due.days, "overdue_days": due.overdue_days,
            "due_clause": DUE_CLAUSE}


def voucher_pdf(db: Database, actor: Actor, payment_id: int, now: datetime) -> bytes:
    """The payment voucher summary (拨付凭证摘要) as PDF."""
    return pdf.render_pdf("voucher.html", {**voucher_facts(db, actor, payment_id), "printed_at": moment_zh(now)})


DOCUMENT_KIND_ZH = {"application": "申请材料", "invoice": "发票", "acceptance_report": "验收报告", "report": "进度报告",
                    "evaluation": "评价报告", "declaration": "资格声明材料", "other": "其他材料"}
#: Each decision on a payment and who takes it, as the sheet lists them whether or not taken yet.
SHEET_STEPS = (("payment.request", "申请拨付", "申请单位"), ("payment.verify", "审核", "商务部门"),
               ("payment.approve", "批准", "财政部门"), ("payment.disburse", "拨付", "财政部门"))


def approval_sheet_facts(db: Database, actor: Actor, payment_id: int) -> dict[str, Any]:
    """What the approval sheet (审批单) of a payment says, at any step (issue 18 item 4): the project, contract
    and payee; the amount in figures, in 万元 and in capitals; the acceptance it relies on with its verdicts;
    the documents the request carries; each step — request, verification, approval, disbursement — with who
    and when, or blank while still to come; the voucher once disbursed. Read like the payment (SPEC §6)."""
    evidence = payments.evidence(db, actor, payment_id)
    with db.reading() as tx:
        session = tx.session
        payment, contract, project = load_payment(session, actor, payment_id)
        history = audit.entity_history(session, project.id, "payment", payment.id)
        basis = evidence["acceptance"]
        workflow = payments.workflow()
        taken = {entry["action"]: entry for entry in history}
        decisions = []
        for action, label, office in SHEET_STEPS:
            entry = taken.get(action)
            decisions.append({"label": label, "office": office,
                              "who": "" if entry is None else _signer_of(entry),
                              "at": "" if entry is None else moment_zh(datetime.fromisoformat(entry["at"])),
                              "note": "" if entry is None else (entry.get("note") or "")})
        closed = next((e for e in history if e["action"] in ("payment.reject", "payment.cancel")), None)
        state = (engine.state_label(workflow, payment.state) or {}).get("zh", payment.state)
        return {
            **_contract_facts(contract, project),
            "payment_id": payment.id,
            "state": state,
            "kind": PAYMENT_KIND_ZH.get(payment.kind, payment.kind),
            "amount": yuan_zh(payment.amount), "amount_wan": format_wan(payment.amount),
            "amount_daxie": format_daxie(payment.amount),
            "requested_at": moment_zh(payment.created_at),
            "note": payment.note or "",
            "payee_bank": contract.payee_bank or "", "payee_account": contract.payee_account or "",
            "acceptance": None if basis is None else {
                "name": acceptance_name(basis["kind"], basis["stage"]), "id": basis["id"],
                "state": (basis["state_label"] or {}).get("zh", ""),
                "total": _total([{"accepted_amount": v["accepted_amount"]} for v in basis["verdicts"]
                                 if v["result"] == "pass"]),
                "lines": _lines(session, basis["verdicts"])},
            "documents": [{"filename": d["filename"], "kind": DOCUMENT_KIND_ZH.get(d["kind"], d["kind"]),
                           "sha256": d["sha256"], "uploaded": moment_zh(datetime.fromisoformat(d["created_at"]))}
                          for d in evidence["documents"]],
            "decisions": decisions,
            "closed": None if closed is None else {
                "label": "驳回" if closed["action"] == "payment.reject" else "撤销",
                "who": _signer_of(closed),
                "at": moment_zh(datetime.fromisoformat(closed["at"])), "note": closed.get("note") or ""},
            "voucher_no": payment.voucher_no or "",
            "bank_reference": payment.bank_reference or "",
            "disbursed_on": day_zh(payment.disbursed_on) if payment.disbursed_on else "",
        }


def _signer(actor: dict[str, Any], principal: dict[str, Any] | None = None, own_role: str | None = None) -> str:
    """Who signed a step: ``李四（财政）``; under a delegation ``李四（商务）代 张三（财政）`` (代理, issue 21)."""
    if principal:
        mine = ROLE_ZH.get(own_role or "", own_role or "")
        return (f"{actor['username']}（{mine}）代 {principal['username']}"
                f"（{ROLE_ZH.get(principal['role'], principal['role'])}）")
    return f"{actor['username']}（{ROLE_ZH.get(actor['role'], actor['role'])}）"


def _signer_of(entry: dict[str, Any]) -> str:
    return _signer(entry["actor"], entry.get("on_behalf_of"), (entry.get("data") or {}).get("actor_own_role"))


def approval_sheet_pdf(db: Database, actor: Actor, payment_id: int, now: datetime) -> bytes:
    """The approval sheet (审批单) of a payment as PDF."""
    return pdf.render_pdf("approval_sheet.html", {**approval_sheet_facts(db, actor, payment_id),
                                                  "printed_at": moment_zh(now)})


def minutes_facts(db: Database, actor: Actor, acceptance_id: int) -> dict[str, Any]:
    """The leading group's minutes (会签记录) of an acceptance's result (issue 21; seed 004 §5(5)3): who voted
    what and when, with each opinion, who recused and why, the rule and the outcome. Read like the acceptance;
    409 while no member has voted."""
    with db.reading() as tx:
        session = tx.session
        acceptance, contract, project = load_acceptance(session, actor, acceptance_id)
        votes = acceptances.votes_of(session, acceptance)
        if not votes:
            unmet = Unmet("no_votes", "领导小组尚未表决，暂无会签记录",
                          "The leading group has not voted yet, so there are no minutes", cite(QUJING, "五(五)3"))
            raise Conflict(unmet.en, [unmet])
        rules = rulesets.for_project(session, project)
        latest = [v for v in votes if v.attempt == acceptance.attempt]
        group = acceptances.group_of(session, project, acceptance)
        result = leading_group.tally(group["members"], {v.user_id: v.vote for v in latest}, rules.leader_quorum)
        names = {v.user_id: _who(session, v.user_id) for v in votes}
        return {
            **_contract_facts(contract, project),
            "acceptance_id": acceptance.id,
            "acceptance": acceptance_name(acceptance.kind, acceptance.stage),
            "attempt": acceptance.attempt,
            "state": (engine.state_label(acceptances.workflow(), acceptance.state) or {}).get("zh", acceptance.state),
            "quorum": "过半数同意" if rules.leader_quorum == leading_group.MAJORITY
            else f"{rules.leader_quorum} 以上成员同意",
            "quorum_clause": rules.leader_quorum_clause or cite(QUJING, "五(五)3"),
            "tally": result,
            "votes": [{"attempt": v.attempt, "vote": VOTE_ZH[v.vote],
                       "who": names[v.user_id] + (f"（{v.cast_by} 代为表决）" if v.cast_by else ""),
                       "opinion": v.opinion or "", "at": moment_zh(v.at)} for v in votes],
        }


#: How the minutes write each vote.
VOTE_ZH = {"approve": "同意", "reject": "不同意", "recuse": "回避"}


def minutes_pdf(db: Database, actor: Actor, acceptance_id: int, now: datetime) -> bytes:
    """The leading group's minutes of an acceptance's result as PDF."""
    return pdf.render_pdf("minutes.html", {**minutes_facts(db, actor, acceptance_id), "printed_at": moment_zh(now)})
