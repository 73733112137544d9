"""The money desks (issue 7): finance's approval queue, the leading group's acceptances, the contractor's
contracts; and the contract, acceptance and payment pages with their workflow actions.

Views are thin: they read the form into the values the API's schemas would give,
call the same services as the API (``services.payments``, ``services.acceptances``,
``services.contracts``, ``services.documents``) and render. Which button shows,
and why one is not yet possible, is the services' ``actions()``.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from disburse.domain.dates import DateError, parse_date
from disburse.domain.labels import PAYMENT_KINDS
from disburse.domain.money import MoneyError, parse_money, share_text, typed_yuan
from disburse.domain.states import AcceptanceState
from disburse.inputs import takes_documents
from disburse.schemas.contract import PayeeIn
from disburse.schemas.errors import flatten_errors
from disburse.services import (
    acceptances,
    call_pages,
    contracts,
    desk,
    documents,
    documents_pdf,
    engine,
    payments,
    projects,
    scheduling,
)
from disburse.web.common import actor, attempt, db, now, origin, panel
from disburse.web.i18n import SHANGHAI, local_time, pick, wan, yuan
from disburse.web.labels import payment_kind

bp = Blueprint("money_ui", __name__, template_folder="templates")

ACCEPTANCE_KINDS = {"stage": _l("阶段验收"), "final": _l("终验")}
DOCUMENT_KINDS = {"application": _l("申请材料"), "invoice": _l("发票"), "acceptance_report": _l("验收报告"),
                  "report": _l("进度报告"), "evaluation": _l("评价报告"), "declaration": _l("资格声明材料"),
                  "other": _l("其他材料")}
RESULTS = {"pass": _l("合格"), "fail": _l("不合格")}
DECISIONS = {"dismiss": _l("驳回异议"), "uphold": _l("异议成立")}
#: A leading-group member's vote (会签, issue 21).
VOTES = {"approve": _l("同意"), "reject": _l("不同意")}
#: Steps recorded in the audit log that are not workflow events (the creating step).
CREATED = {"payment.request": _l("申请拨付"), "acceptance.apply": _l("申请验收")}
NOTE_MAX = 4000
VOUCHER_MAX = 64


@bp.context_processor
def labels() -> dict[str, Any]:
    return {"payment_kind": payment_kind,
            "acceptance_kind": _acceptance_kind, "document_kinds": DOCUMENT_KINDS,
            "document_kind": lambda k: str(DOCUMENT_KINDS.get(k, k)), "results": RESULTS, "decisions": DECISIONS,
            "decision_label": lambda d: str(DECISIONS.get(d, d or "")),
            "result_label": lambda r: str(RESULTS.get(r, r)), "percent": lambda share: share_text(Decimal(str(share))),
            "notice_end": _notice_end}


def _notice_end(value: datetime | str | None) -> str:
    """The end of a notice as officials write it: ``2024-10-10 24:00`` rather than the next day's 00:00."""
    if not value:
        return "—"
    moment = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(SHANGHAI)
    if moment.time() == time(0, 0):
        return f"{(moment.date() - timedelta(days=1)).isoformat()} 24:00"
    return local_time(moment)


def _acceptance_kind(kind: str, stage: int | None = None) -> str:
    if kind == "stage" and stage:
        return _("第%(n)s阶段验收", n=stage)
    return str(ACCEPTANCE_KINDS.get(kind, kind))


@bp.record_once
def _upload_checks_its_own_token(state: Any) -> None:
    """The upload takes bodies larger than the app's limit, so it checks its CSRF token itself after
    raising the limit (CSRFProtect would read the form first, under the small limit)."""
    state.app.extensions["csrf"].exempt(f"{__name__}.upload_document")


# --- reading forms ---------------------------------------------------------------------------


def _text(form: MultiDict[str, str], name: str, errors: dict[str, list[str]], max_len: int = NOTE_MAX,
          key: str | None = None) -> str | None:
    value = (form.get(name) or "").strip()
    if len(value) > max_len:
        errors.setdefault(key or name, []).append(_("不能超过 %(n)s 个字符", n=max_len))
    return value or None


def _date(form: MultiDict[str, str], name: str, errors: dict[str, list[str]]) -> date | None:
    value = (form.get(name) or "").strip()
    if not value:
        return None
    try:
        return parse_date(value)
    except DateError as exc:
        errors.setdefault(name, []).append(pick({"zh": exc.zh, "en": exc.en}))
        return None


def _int(form: MultiDict[str, str], name: str, errors: dict[str, list[str]]) -> int | None:
    value = (form.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit():
        errors.setdefault(name, []).append(_("应为整数"))
        return None
    return int(value)


def _money(form: MultiDict[str, str], name: str, errors: dict[str, list[str]]) -> Decimal | None:
    """An amount as typed, full-width digits, thousands separators and 万 allowed (:func:`typed_yuan`)."""
    value = typed_yuan(form.get(name) or "")
    if not value:
        errors.setdefault(name, []).append(_("请填写金额"))
        return None
    try:
        return parse_money(value)
    except MoneyError:
        errors.setdefault(name, []).append(_("金额应为元，最多两位小数"))
        return None


def _ids(form: MultiDict[str, str], name: str, errors: dict[str, list[str]]) -> list[int]:
    """The ids of the boxes ticked under ``name`` (the documents a request carries)."""
    raw = [value.strip() for value in form.getlist(name) if value.strip()]
    if any(not value.isdigit() for value in raw):
        errors.setdefault(name, []).append(_("请选择列出的文件"))
        return []
    return list(dict.fromkeys(int(value) for value in raw))


def _choice(form: MultiDict[str, str], name: str, choices: Any, errors: dict[str, list[str]]) -> str | None:
    value = (form.get(name) or "").strip()
    if not value:
        return None
    if value not in choices:
        errors.setdefault(name, []).append(_("请选择一项"))
        return None
    return value


def _next(default: str) -> str:
    """Where to go after a step: back to the desk it was taken from (a local path only)."""
    target = request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


def _status(errors: dict[str, list[str]]) -> int:
    return 422 if errors else 409



def _today() -> date:
    return now().astimezone(SHANGHAI).date()


def _steps(entries: list[dict[str, Any]], workflow: Any) -> list[dict[str, Any]]:
    """Audit entries of one payment or acceptance as steps: what, who, when."""
    steps = []
    for entry in entries:
        event = entry["action"].split(".", 1)[-1]
        spec = workflow.event(event)
        label = CREATED.get(entry["action"]) or (pick({"zh": spec.zh, "en": spec.en}) if spec else event)
        states = [pick(engine.state_label(workflow, s)) if s in workflow.states else s
                  for s in (entry["from_state"], entry["to_state"])]
        steps.append({**entry, "label": str(label), "from_label": states[0], "to_label": states[1]})
    return steps


# --- desks ----------------------------------------------------------------------------------


@bp.get("/desk/finance")
@login_required
def finance_home() -> Any:
    """The approval queue, oldest first, each payment's gates already evaluated; the ledger per project."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    today = _today()
    found = attempt(lambda: desk.finance_desk(db(), actor(), page=page, per_page=20, now=now(), today=today))
    assert found is not None
    queue, overview = found["queue"], found["overview"]
    for item in queue["items"]:
        item["state_label"] = engine.state_label(payments.workflow(), item["state"])
        item["actions"] = confirming(panel(found["actions"][item["id"]]), item["amount"], item["payee"]["name"])
        item["waits_for"] = _waits_for(item["actions"])
    scheduling.mark_waits(db(), queue["items"], now())
    return render_template("money/finance_home.html", queue=queue, ledgers=found["ledgers"], owed=found["owed"],
                           today=today, overview=overview, chart=month_chart(overview["months"]),
                           applications=call_pages.desk(db(), actor(), now()))


#: The monthly chart's drawing box (SVG user units): bars in ``PLOT``, month labels and amounts around them.
CHART_W, CHART_H, PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 720, 220, 24, 184, 8


def month_chart(months: list[dict[str, str]]) -> dict[str, Any]:
    """The disbursements per month as bars of a server-drawn SVG (no script: the page's CSP allows none
    inline, and a chart library is not needed for twelve bars). Heights are in proportion to the largest
    month; each bar says its amount in 万元 above it and its month below."""
    values = [Decimal(m["disbursed"]) for m in months]
    top = max(values, default=Decimal(0))
    slot = Decimal(CHART_W - 2 * PLOT_LEFT) / max(len(months), 1)
    span = Decimal(PLOT_BOTTOM - PLOT_TOP)
    bars = []
    for i, (month, value) in enumerate(zip(months, values, strict=True)):
        height = (value / top * span) if top else Decimal(0)
        x = PLOT_LEFT + slot * i
        bars.append({"month": month["month"], "label": month["month"][2:].replace("-", "."),
                     "amount": month["disbursed"], "x": f"{x + slot * Decimal('0.15'):.1f}",
                     "width": f"{slot * Decimal('0.7'):.1f}", "y": f"{PLOT_BOTTOM - height:.1f}",
                     "height": f"{height:.1f}", "cx": f"{x + slot / 2:.1f}",
                     "value_y": f"{PLOT_BOTTOM - height - 4:.1f}"})
    return {"bars": bars, "width": CHART_W, "height": CHART_H, "base": PLOT_BOTTOM, "label_y": PLOT_BOTTOM + 16,
            "left": PLOT_LEFT, "right": CHART_W - PLOT_LEFT, "empty": not top}


@bp.get("/desk/leader")
@login_required
def leader_home() -> Any:
    """Acceptances whose notice ended without objection, waiting for the leading group; those still in notice."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    waiting = acceptances.list_in_jurisdiction(db(), actor(), (AcceptanceState.NOTICE_CLEAR,), page=page, per_page=20)
    for item in waiting["items"]:
        item["actions"] = panel(acceptances.actions(db(), actor(), item["id"], now()))
    in_notice = acceptances.list_in_jurisdiction(db(), actor(), (AcceptanceState.IN_NOTICE, AcceptanceState.OBJECTED),
                                                 per_page=50)
    return render_template("money/leader_home.html", waiting=waiting, in_notice=in_notice,
                           applications=call_pages.desk(db(), actor(), now()))


@bp.get("/desk/contractor")
@login_required
def contractor_home() -> Any:
    return _contractor_desk({}, {})


def _contractor_desk(values: dict[str, Any], errors: dict[str, list[str]], status: int = 200) -> Any:
    mine = contracts.list_in_jurisdiction(db(), actor(), per_page=100)
    applied = acceptances.list_in_jurisdiction(db(), actor(), per_page=100)
    requested = payments.list_in_jurisdiction(db(), actor(), per_page=100)
    uploaded = documents.list_documents(db(), actor(), per_page=50)
    return render_template("money/contractor_home.html", contracts=mine, acceptances=applied,
                           payments=requested, documents=uploaded, values=values, errors=errors,
                           uploaders=documents.UPLOADERS,
                           calls=call_pages.enterprise_desk(db(), actor(), now())), status


@bp.post("/desk/contractor/documents")
@login_required
@takes_documents
def upload_document() -> Any:
    """Upload materials for one of the actor's contracts (as ``POST /api/v1/documents``)."""
    max_bytes = current_app.extensions["disburse.settings"].max_document_bytes
    current_app.extensions["csrf"].protect()
    form = request.form
    errors: dict[str, list[str]] = {}
    contract_id = _int(form, "contract_id", errors)
    kind = _choice(form, "kind", DOCUMENT_KINDS, errors) or "other"
    file = request.files.get("file")
    if contract_id is None:
        errors.setdefault("contract_id", []).append(_("请选择合同"))
    if file is None or not file.filename:
        errors.setdefault("file", []).append(_("请选择文件"))
    document = None
    if not errors:
        assert contract_id is not None and file is not None
        contract = attempt(lambda: contracts.get_contract(db(), actor(), contract_id), errors)
        if contract is not None:
            content, filename = file.read(), file.filename or ""
            document = attempt(lambda: documents.upload(
                db(), actor(), origin(), root=current_app.extensions["disburse.documents"],
                project_id=contract["project_id"], filename=filename, content=content, kind=kind,
                contract_id=contract_id, max_bytes=max_bytes, now=now()), errors)
    else:
        flash(_("请更正标出的字段"), "error")
    if document is None:
        if form.get("next") and contract_id is not None:
            return _contract_page(contract_id, {"upload": form.to_dict()}, errors, _status(errors))
        return _contractor_desk(form.to_dict(), errors, _status(errors))
    flash(_("已上传：%(name)s", name=document["filename"]), "ok")
    return redirect(_next(url_for(".contractor_home")))


# --- contract -------------------------------------------------------------------------------


@bp.get("/contracts/<int:contract_id>")
@login_required
def contract(contract_id: int) -> Any:
    return _contract_page(contract_id, {}, {})


def _contract_page(contract_id: int, values: dict[str, Any], errors: dict[str, list[str]],
                   status: int = 200) -> Any:
    shown = attempt(lambda: contracts.get_contract(db(), actor(), contract_id))
    assert shown is not None
    project = projects.get_project(db(), actor(), shown["project_id"])
    lines = [line for line in project.lines if line.id in shown["line_ids"]]
    return render_template(
        "money/contract.html", contract=shown, project=project, lines=lines,
        agreement=call_pages.agreement_of(db(), actor(), contract_id),
        payments=payments.list_payments(db(), actor(), contract_id),
        acceptances=acceptances.list_acceptances(db(), actor(), contract_id, now()),
        documents=documents.list_documents(db(), actor(), contract_id=contract_id, per_page=50),
        may_request=payments.may_request(actor()), may_apply=acceptances.may_apply(actor()),
        may_upload=actor().role in documents.UPLOADERS, may_record_payee=actor().role in contracts.SIGNERS,
        values=values, errors=errors), status


@bp.post("/contracts/<int:contract_id>/payee")
@login_required
def record_payee(contract_id: int) -> Any:
    """Record the payee's bank and account on the contract (issue 17), through the API's schema."""
    form = request.form
    errors: dict[str, list[str]] = {}
    try:
        data = PayeeIn().load({key: form.get(key, "") for key in ("payee_bank", "payee_account")})
    except ValidationError as exc:
        errors.update(flatten_errors(exc.messages))
        flash(_("请更正标出的字段"), "error")
        return _contract_page(contract_id, {"payee": form.to_dict()}, errors, 422)
    def record() -> bool:
        contracts.record_payee(db(), actor(), origin(), contract_id, data, now())
        return True

    if attempt(record, errors) is None:
        return _contract_page(contract_id, {"payee": form.to_dict()}, errors, _status(errors))
    flash(_("已登记收款账户"), "ok")
    return redirect(url_for(".contract", contract_id=contract_id))


@bp.post("/contracts/<int:contract_id>/payments")
@login_required
def request_payment(contract_id: int) -> Any:
    """Request a payment on the contract; every gate is checked by the service (SPEC §5.3)."""
    form = request.form
    errors: dict[str, list[str]] = {}
    kind = _choice(form, "kind", PAYMENT_KINDS, errors)
    if kind is None and "kind" not in errors:
        errors["kind"] = [_("请选择款项类型")]
    amount = _money(form, "amount", errors)
    data: dict[str, Any] = {"kind": kind, "amount": amount, "acceptance_id": _int(form, "acceptance_id", errors),
                            "note": _text(form, "note", errors), "document_ids": _ids(form, "document_ids", errors)}
    result = None
    if errors:
        flash(_("请更正标出的字段"), "error")
    else:
        result = attempt(lambda: payments.request_payment(db(), actor(), origin(), contract_id, data, None,
                                                          now=now()), errors)
    if result is None:
        typed = {**form.to_dict(), "document_ids": form.getlist("document_ids")}
        return _contract_page(contract_id, {"pay": typed}, errors, _status(errors))
    flash(_("已提交拨付申请"), "ok")
    return redirect(url_for(".payment", payment_id=result[1].id))


@bp.post("/contracts/<int:contract_id>/acceptances")
@login_required
def apply_acceptance(contract_id: int) -> Any:
    """Apply for a stage or final acceptance of the contract (SPEC §5.2)."""
    form = request.form
    errors: dict[str, list[str]] = {}
    kind = _choice(form, "kind", ACCEPTANCE_KINDS, errors)
    if kind is None and "kind" not in errors:
        errors["kind"] = [_("请选择验收类型")]
    data: dict[str, Any] = {"kind": kind, "stage": _int(form, "stage", errors), "note": _text(form, "note", errors)}
    named = [int(raw) for raw in form.getlist("apply_lines") if raw.isdigit()]
    if named and kind == "stage":
        data["line_ids"] = named
    applied = None
    if errors:
        flash(_("请更正标出的字段"), "error")
    else:
        applied = attempt(lambda: acceptances.apply(db(), actor(), origin(), contract_id, data, now()), errors)
    if applied is None:
        return _contract_page(contract_id, {"apply": form.to_dict()}, errors, _status(errors))
    flash(_("已提交验收申请"), "ok")
    return redirect(url_for(".acceptance", acceptance_id=applied.id))


# --- acceptance -----------------------------------------------------------------------------


@bp.get("/acceptances/<int:acceptance_id>")
@login_required
def acceptance(acceptance_id: int) -> Any:
    return _acceptance_page(acceptance_id, {}, {})


def _acceptance_page(acceptance_id: int, values: dict[str, Any], errors: dict[str, list[str]],
                     status: int = 200) -> Any:
    shown = attempt(lambda: acceptances.get_acceptance(db(), actor(), acceptance_id, now()))
    assert shown is not None
    shown_contract = contracts.get_contract(db(), actor(), shown.contract_id)
    project = projects.get_project(db(), actor(), shown.project_id)
    actions = panel(acceptances.actions(db(), actor(), acceptance_id, now()))
    project_documents = documents.list_documents(db(), actor(), project_id=shown.project_id, per_page=50)
    return render_template(
        "money/acceptance.html", acceptance=shown, contract=shown_contract, project=project,
        project_documents=project_documents["items"],
        line_of={line.id: line for line in project.lines}, actions=actions,
        actions_by_event={a["event"]: a for a in actions},
        steps=_steps(acceptances.history(db(), actor(), acceptance_id), acceptances.workflow()),
        values=values, errors=errors, today=_today()), status


@bp.post("/acceptances/<int:acceptance_id>/events")
@login_required
def acceptance_event(acceptance_id: int) -> Any:
    """Fire an acceptance event with the data the form gives (verdicts per line for pass/fail)."""
    form = request.form
    errors: dict[str, list[str]] = {}
    event = (form.get("event") or "").strip()
    data: dict[str, Any] = {"note": _text(form, "note", errors), "deadline": _date(form, "deadline", errors),
                            "objection_id": _int(form, "objection_id", errors),
                            "decision": _choice(form, "decision", DECISIONS, errors),
                            "document_id": _int(form, "document_id", errors),
                            "vote": _choice(form, "vote", VOTES, errors), "opinion": _text(form, "opinion", errors),
                            "reason": _text(form, "reason", errors)}
    if event in ("pass", "fail"):
        data["verdicts"] = _verdicts(form, errors)
    data = {k: v for k, v in data.items() if v is not None}
    result = None
    if errors:
        flash(_("请更正标出的字段"), "error")
    else:
        result = attempt(lambda: acceptances.fire_event(db(), actor(), origin(), acceptance_id, event, data, now()),
                         errors)
    if result is None:
        return _acceptance_page(acceptance_id, form.to_dict(), errors, _status(errors))
    flash(_("当前状态：%(state)s", state=pick(result.state_label)), "ok")
    return redirect(_next(url_for(".acceptance", acceptance_id=acceptance_id)))


def _verdicts(form: MultiDict[str, str], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One verdict per line of the form (``line_id``, ``result-<id>``, ``accepted-<id>``, ``vnote-<id>``)."""
    verdicts = []
    for raw in form.getlist("line_id"):
        if not raw.isdigit():
            continue
        line_id = int(raw)
        result = _choice(form, f"result-{line_id}", RESULTS, errors)
        if result is None and f"result-{line_id}" not in errors:
            errors[f"result-{line_id}"] = [_("请选择结论")]
        amount = _money(form, f"accepted-{line_id}", errors)
        verdicts.append({"line_id": line_id, "result": result, "accepted_amount": amount,
                         "note": _text(form, f"vnote-{line_id}", errors)})
    return verdicts


# --- payment --------------------------------------------------------------------------------


@bp.get("/payments/<int:payment_id>")
@login_required
def payment(payment_id: int) -> Any:
    return _payment_page(payment_id, {}, {})


def _payment_page(payment_id: int, values: dict[str, Any], errors: dict[str, list[str]],
                  status: int = 200) -> Any:
    shown = attempt(lambda: payments.get_payment(db(), actor(), payment_id, now()))
    assert shown is not None
    shown_contract = contracts.get_contract(db(), actor(), shown.contract_id)
    project = projects.get_project(db(), actor(), shown.project_id)
    return render_template(
        "money/payment.html", payment=shown, contract=shown_contract, project=project,
        actions=confirming(panel(payments.actions(db(), actor(), payment_id)), shown.amount,
                           shown.payee.name if shown.payee else ""),
        evidence=payments.evidence(db(), actor(), payment_id),
        steps=_steps(payments.history(db(), actor(), payment_id), payments.workflow()),
        values=values, errors=errors, today=_today()), status


def _waits_for(actions: list[dict[str, Any]]) -> str:
    """What a payment in the queue waits for: the actor's own step, or why the actor cannot take it."""
    forward = [a for a in actions if a["event"] not in payments.CLOSING]
    for a in forward:
        if a["allowed"]:
            return _("等待您%(step)s", step=pick(a["label"]))
    for a in forward:
        if a["unmet"]:
            return str(a["unmet"][0]["message"])
    return ""


def confirming(actions: list[dict[str, Any]], amount_of: Any, payee: str) -> list[dict[str, Any]]:
    """The question an irreversible step asks, with the amount and the payee it moves money for (the
    workflow file's ``confirm`` says what follows; this says to whom and how much)."""
    amount = _("%(yuan)s（%(wan)s）", yuan=yuan(amount_of), wan=wan(amount_of))
    asks = {"approve": _("批准向%(payee)s拨付 %(amount)s？批准后即可办理拨付，本笔申请不能再驳回或撤销。",
                         payee=payee, amount=amount),
            "disburse": _("登记已向%(payee)s拨付 %(amount)s？登记后凭证号即归本笔拨付，记录不可更改。",
                          payee=payee, amount=amount),
            "reject": _("驳回这笔 %(amount)s 的拨付申请？驳回后本笔申请即告结束，需重新申请。", amount=amount),
            "cancel": _("撤销这笔 %(amount)s 的拨付申请？撤销后本笔申请即告结束。", amount=amount)}
    return [{**a, "confirm": {"zh": asks[a["event"]], "en": asks[a["event"]]}} if a["event"] in asks and a["allowed"]
            else a for a in actions]


@bp.post("/payments/<int:payment_id>/events")
@login_required
def payment_event(payment_id: int) -> Any:
    """A step of the payment (verify, approve, reject, cancel, disburse); the gates are checked again."""
    form = request.form
    errors: dict[str, list[str]] = {}
    event = (form.get("event") or "").strip()
    data: dict[str, Any] = {"note": _text(form, "note", errors),
                            "voucher_no": _text(form, "voucher_no", errors, VOUCHER_MAX),
                            "bank_reference": _text(form, "bank_reference", errors, VOUCHER_MAX),
                            "disbursed_on": _date(form, "disbursed_on", errors)}
    data = {k: v for k, v in data.items() if v is not None}
    result = None
    if errors:
        flash(_("请更正标出的字段"), "error")
    else:
        result = attempt(lambda: payments.fire_event(db(), actor(), origin(), payment_id, event, data, None,
                                                     now=now()), errors)
    if result is None:
        return _payment_page(payment_id, form.to_dict(), errors, _status(errors))
    flash(_("当前状态：%(state)s", state=pick(result[1].state_label)), "ok")
    return redirect(_next(url_for(".payment", payment_id=payment_id)))


@bp.get("/payments/<int:payment_id>/approval-sheet.pdf")
@login_required
def approval_sheet(payment_id: int) -> Any:
    """The approval sheet (审批单) to print and file: as ``GET /api/v1/payments/{id}/approval-sheet.pdf``."""
    content = attempt(lambda: documents_pdf.approval_sheet_pdf(db(), actor(), payment_id, now()))
    if content is None:
        return redirect(url_for(".payment", payment_id=payment_id))
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=approval-sheet-{payment_id}.pdf", "Cache-Control": "no-store"})
