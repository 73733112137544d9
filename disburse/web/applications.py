"""The application track's pages (issue 20 items 1, 2, 6): open a call from the project page, the call's page
with the enterprise's apply form, and the application's page with every step of its workflow.

Thin views, as :mod:`disburse.web.money`: each reads its form into what the API's schema
(:mod:`disburse.schemas.application`) loads, calls the service the API calls
(:mod:`disburse.services.applications`; reads in :mod:`disburse.services.call_pages`) and renders. A refusal is
shown on the page it came from with what was typed kept: 422 for fields, 409 for a step not possible yet, each
unmet condition in the page's language with its clause (seed 003 §5(1)1②, §5(2)1–3).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from disburse.domain.application_guards import ELIGIBILITY_CLAUSE
from disburse.domain.money import typed_yuan
from disburse.domain.roles import Role
from disburse.inputs import takes_documents
from disburse.schemas.application import ApplicationAcceptanceIn, ApplicationEventIn, ApplicationIn, CallIn, SubsidyIn
from disburse.schemas.errors import flatten_errors
from disburse.schemas.volume_report import VolumeReportEventIn, VolumeReportIn
from disburse.services import acceptances, applications, call_pages, documents, payments, volume_reports
from disburse.services.errors import Invalid
from disburse.web.common import actor, attempt, db, now, origin
from disburse.web.i18n import SHANGHAI, lang
from disburse.web.money import DOCUMENT_KINDS
from disburse.web.money import _notice_end as notice_end
from disburse.web.plan_form import localise
from disburse.web.projects import render_detail

bp = Blueprint("applications", __name__, template_folder="templates")

T = TypeVar("T")

#: Seed 003 §5(2)1 in its own words, one box per declaration the application carries.
DECLARATIONS = {
    "independent_legal_person": _l("具有独立法人资格"),
    "sound_accounting": _l("具有独立健全的财务核算制度及管理制度"),
    "no_violation_3y": _l("近三年无违法违规记录"),
}
VERDICTS = {"pass": _l("通过"), "fail": _l("不通过")}
DECISIONS = {"dismiss": _l("驳回异议"), "uphold": _l("异议成立")}
#: Rows of the review's panel the form offers; a joint review names at least three members (seed 003
#: §5(2)3①: 会同有关部门组织电商、财务等专业人员).
PANEL_ROWS = 5
PANEL_DEFAULT = 3
#: A panel row's fields, as the refusal names them.
PANEL_FIELDS = {"panel.name": _l("姓名"), "panel.bureau": _l("所在单位"), "panel.no_conflict": _l("无利害关系声明")}
#: The bureaus a panel member comes from, offered as suggestions (any other may be typed).
BUREAUS = (_l("县商务局"), _l("县财政局"), _l("县农业农村局"), _l("县电商办"))
#: Fields of the apply form, as the page labels them in a refusal.
FIELD_LABELS = {"applicant.name": _l("申报企业名称"), "applicant.credit_code": _l("统一社会信用代码"),
                "applicant.region": _l("注册地区划代码"), "applicant": _l("申报企业"),
                "amount_requested": _l("申请补助金额"), "description": _l("申报内容"), "document_ids": _l("申报材料"),
                "panel": _l("评审组"), "site_visit": _l("现场核查"), "site_visit.date": _l("现场核查日期"),
                "verdict": _l("评审结论"), "proposed_subsidy": _l("拟补助资金"), "note": _l("说明"),
                "title": _l("通知标题"), "line_ids": _l("预算项目"), "total": _l("可安排资金"),
                "deadline": _l("申报截止日期"),
                "conditions": _l("申报条件"), "materials": _l("申报材料清单"), "file": _l("文件"),
                "amount": _l("金额（元）"), "objection_id": _l("异议编号"), "decision": _l("处理决定"),
                "unit_rate": _l("按量补助"), "unit_rate.unit": _l("计量单位"), "unit_rate.rate": _l("单价（元）"),
                "unit_rate.cap": _l("每月上限（元）")}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"call_clause": applications.CALL_CLAUSE, "eligibility_clause": ELIGIBILITY_CLAUSE,
            "notice_end": notice_end, "declaration_wording": DECLARATIONS, "verdict_labels": VERDICTS,
            "state_labels": _labels_of(applications.workflow()), "decisions": DECISIONS,
            "bureaus": BUREAUS, "panel_rows": PANEL_ROWS, "panel_default": PANEL_DEFAULT}


@bp.record_once
def _upload_checks_its_own_token(state: Any) -> None:
    """The upload takes bodies larger than the app's limit, so it checks its CSRF token itself (as
    :func:`disburse.web.money.upload_document`)."""
    state.app.extensions["csrf"].exempt(f"{__name__}.upload_material")


# --- reading forms and refusals ---------------------------------------------------------------------


def _load(schema: Schema, body: dict[str, Any], errors: dict[str, list[str]],
          rows: list[int] | None = None) -> dict[str, Any] | None:
    """The body as the API's schema loads it; ``None`` with the field errors in the page's language, each where
    the form shows it (a list's item under the list's name; a panel member under its row of the form, ``rows``)
    and all of them in the refusal at the top, by their labels."""
    try:
        loaded: dict[str, Any] = schema.load(body)
        return loaded
    except ValidationError as exc:
        found = {key: localise(messages) for key, messages in flatten_errors(exc.messages).items()}
    listed: dict[str, list[str]] = {}
    for key, messages in found.items():
        parts = key.split(".")
        if parts[0] == "panel" and len(parts) > 1 and parts[1].isdigit() and rows:
            key = ".".join(["panel", str(rows[int(parts[1])]), *parts[2:]])
        listed[_label(key)] = messages
        errors.setdefault(parts[0] if parts[0] in ("line_ids", "document_ids") else key, []).extend(messages)
    flash({"detail": "invalid", "unmet": [], "errors": listed}, "refusal")  # type: ignore[arg-type]
    return None


def _label(key: str) -> str:
    """A field's path as the form names it: ``panel.2.name`` → 评审组（3）姓名, ``line_ids.0`` → 预算项目（1）."""
    if key in FIELD_LABELS:
        return str(FIELD_LABELS[key])
    parts = key.split(".")
    base = ".".join(p for p in parts if not p.isdigit())
    rows = "".join(f"（{int(p) + 1}）" for p in parts if p.isdigit())
    if base in PANEL_FIELDS:
        return f"{FIELD_LABELS['panel']}{rows}{PANEL_FIELDS[base]}"
    return next((str(FIELD_LABELS[k]) for k in (base, parts[0]) if k in FIELD_LABELS), base) + rows


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _ids(form: MultiDict[str, str], name: str) -> list[Any]:
    """Ticked ids; what is not a number is passed on for the schema to name."""
    return [int(v) if v.strip().isdigit() else v for v in form.getlist(name) if v.strip()]


def _try(call: Callable[[], T], errors: dict[str, list[str]]) -> T | None:
    """:func:`attempt`, with a refused check's field errors said in the page's language: each field shows the
    unmet condition's message and the refusal lists them once, with their clauses."""
    def run() -> tuple[T | None, Invalid | None]:
        try:
            return call(), None
        except Invalid as exc:
            return None, exc

    done = attempt(run, errors)
    if done is None:
        return None
    result, invalid = done
    if invalid is None:
        return result
    unmet = [u.as_dict(lang()) for u in invalid.extra.get("unmet") or []]
    by_field: dict[str, list[str]] = {}
    for item, raw in zip(unmet, invalid.extra.get("unmet") or [], strict=True):
        by_field.setdefault(raw.field, []).append(item["message"])
    others = {f: localise(m) for f, m in invalid.errors.items() if f not in by_field}
    errors.update(others)
    errors.update(by_field)
    flash({"detail": invalid.detail, "unmet": unmet,
           "errors": {str(FIELD_LABELS.get(f, f)): m for f, m in others.items()}},  # type: ignore[arg-type]
          "refusal")
    return None


def _status(errors: dict[str, list[str]]) -> int:
    return 422 if errors else 409


def _state_flash(view: dict[str, Any]) -> None:
    label = view.get("state_label") or {}
    flash(_("当前状态：%(state)s", state=label.get("en" if lang() == "en" else "zh", view["state"])), "ok")


# --- the call, opened from the project page ---------------------------------------------------------


@bp.post("/projects/<int:project_id>/calls")
@login_required
def open_call(project_id: int) -> Any:
    """Publish a call for applications on lines of the project (commerce; as ``POST /api/v1/projects/{id}/calls``)."""
    form = request.form
    body: dict[str, Any] = {"title": form.get("title", "").strip(), "line_ids": _ids(form, "line_ids"),
                            "total": typed_yuan(form.get("total", "")), "deadline": form.get("deadline", "").strip(),
                            "conditions": _lines(form.get("conditions", "")) or None,
                            "materials": _lines(form.get("materials", ""))}
    unit = {"unit": form.get("unit_rate.unit", "").strip(), "rate": typed_yuan(form.get("unit_rate.rate", "")),
            "cap": typed_yuan(form.get("unit_rate.cap", ""))}
    if unit["unit"] or unit["rate"]:  # a per-unit call (seed 001 §5(4)3 每单物流补贴)
        body["unit_rate"] = {k: v for k, v in unit.items() if v}
    body = {k: v for k, v in body.items() if v not in ("", None)}
    values: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token"}
    values["line_ids"] = [i for i in body.get("line_ids", []) if isinstance(i, int)]
    errors: dict[str, list[str]] = {}
    data = _load(CallIn(), body, errors)
    call = None if data is None else _try(
        lambda: applications.open_call(db(), actor(), origin(), project_id, data, now()), errors)
    if call is None:
        return render_detail(project_id, status=_status(errors), posted="call", values=values, errors=errors)
    flash(_("已发布申报通知：%(title)s", title=call["title"]), "ok")
    return redirect(url_for(".call", call_id=call["id"]))


# --- the call's page and the apply form ------------------------------------------------------------


@bp.get("/calls/<int:call_id>")
@login_required
def call(call_id: int) -> Any:
    return _call_page(call_id, {}, {})


def _call_page(call_id: int, values: dict[str, Any], errors: dict[str, list[str]], status: int = 200) -> Any:
    who = actor()
    shown = attempt(lambda: call_pages.call_page(db(), who, call_id, now()))
    assert shown is not None
    may_apply = who.role in (Role.CONTRACTOR, Role.COMMERCE) and shown["call"]["state"] == "open"
    materials = (documents.list_documents(db(), who, project_id=shown["project"]["id"], per_page=50)["items"]
                 if may_apply else [])
    return render_template(
        "applications/call.html", call=shown["call"], project=shown["project"], lines=shown["lines"],
        applications=shown["applications"], may_apply=may_apply, materials=materials,
        may_upload=may_apply, for_enterprise=who.role == Role.CONTRACTOR,
        own_code=who.contractor_code, values=values, errors=errors), status


@bp.post("/calls/<int:call_id>/applications")
@login_required
def submit(call_id: int) -> Any:
    """Apply on the call: the enterprise's user in its own name, or commerce on its behalf (seed 003 §5(2)2②)."""
    form = request.form
    applicant = {"name": form.get("applicant.name", "").strip(),
                 "credit_code": form.get("applicant.credit_code", "").strip(),
                 "region": form.get("applicant.region", "").strip() or None,
                 "declarations": {k: form.get(f"declarations.{k}") == "on" for k in DECLARATIONS}}
    body: dict[str, Any] = {"applicant": {k: v for k, v in applicant.items() if v != ""},
                            "amount_requested": typed_yuan(form.get("amount_requested", "")),
                            "description": form.get("description", "").strip(),
                            "document_ids": _ids(form, "document_ids")}
    body = {k: v for k, v in body.items() if v != ""}
    values: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token"}
    values["document_ids"] = form.getlist("document_ids")
    errors: dict[str, list[str]] = {}
    data = _load(ApplicationIn(), body, errors)
    done = None if data is None else _try(
        lambda: applications.submit(db(), actor(), origin(), call_id, data, now()), errors)
    if done is None:
        return _call_page(call_id, values, errors, _status(errors))
    flash(_("申报已提交"), "ok")
    return redirect(url_for(".application", application_id=done["id"]))


@bp.post("/calls/<int:call_id>/documents")
@login_required
@takes_documents
def upload_material(call_id: int) -> Any:
    """Upload a material for an application on the call (the enterprise's user, or commerce on its behalf), as
    ``POST /api/v1/documents`` does for the call's project; it can then be ticked on the apply form."""
    current_app.extensions["csrf"].protect()
    if actor().role not in (Role.CONTRACTOR, Role.COMMERCE):
        abort(403)
    errors: dict[str, list[str]] = {}
    shown = attempt(lambda: call_pages.call_page(db(), actor(), call_id, now()))
    assert shown is not None
    file = request.files.get("file")
    document = None
    if file is None or not file.filename:
        errors["file"] = [_("请选择文件")]
    else:
        content, filename = file.read(), file.filename or ""
        document = _try(lambda: documents.upload(
            db(), actor(), origin(), root=current_app.extensions["disburse.documents"],
            project_id=shown["project"]["id"], filename=filename, content=content, kind="application",
            max_bytes=current_app.extensions["disburse.settings"].max_document_bytes, now=now()), errors)
    if document is None:
        return _call_page(call_id, {"upload": True}, errors, _status(errors))
    flash(_("已上传：%(name)s", name=document["filename"]), "ok")
    return redirect(url_for(".call", call_id=call_id, _anchor="apply"))


# --- the application's page and its events ----------------------------------------------------------


@bp.get("/applications/<int:application_id>")
@login_required
def application(application_id: int) -> Any:
    return _application_page(application_id, {}, {})


def _application_page(application_id: int, values: dict[str, Any], errors: dict[str, list[str]],
                      status: int = 200) -> Any:
    who = actor()
    shown = attempt(lambda: applications.get_application(db(), who, application_id, now()))
    assert shown is not None
    page = call_pages.application_page(db(), who, application_id, now())
    actions = [{**a, "unmet": [u.as_dict(lang()) for u in a["unmet"]]} for a in page["actions"]]
    today = now().astimezone(SHANGHAI).date()
    agreement = shown.get("contract_id")
    return render_template(
        "applications/application.html", application=shown, call=page["call"], project=page["project"],
        documents=page["documents"], actions=actions, actions_by_event={a["event"]: a for a in actions},
        steps=_steps(page["steps"]), values=values, errors=errors, today=today,
        agreement_documents=documents.list_documents(db(), who, contract_id=agreement, per_page=50)["items"]
        if agreement else [],
        # one final acceptance an agreement: a failed one is rectified and tried again, never applied for anew
        may_apply=bool(agreement) and not shown.get("acceptances") and acceptances.may_apply(who),
        may_request=bool(agreement) and payments.may_request(who),
        may_upload=bool(agreement) and who.role in documents.UPLOADERS, document_kinds=DOCUMENT_KINDS,
        reports=volume_reports.list_reports(db(), who, application_id, now())
        if agreement and page["call"].get("unit_rate") else [],
        may_report=bool(agreement) and bool(page["call"].get("unit_rate"))
        and who.role in volume_reports.workflow().creation().roles,
        report_states=_labels_of(volume_reports.workflow()),
        acceptance_states=_labels_of(acceptances.workflow()),
        payment_states=_labels_of(payments.workflow())), status


def _labels_of(flow: Any) -> dict[str, dict[str, str]]:
    return {name: {"zh": s.zh, "en": s.en} for name, s in flow.states.items()}


def _steps(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The application's audit entries as steps: what, who, when, with the states by their labels."""
    flow = applications.workflow()
    steps = []
    for entry in entries:
        event = entry["action"].split(".", 1)[-1]
        spec = flow.event(event)
        label = {"zh": spec.zh, "en": spec.en} if spec else {"zh": event, "en": event}
        states = [(flow.states[s].en if lang() == "en" else flow.states[s].zh) if s in flow.states else s
                  for s in (entry["from_state"], entry["to_state"])]
        steps.append({**entry, "label": label["en" if lang() == "en" else "zh"], "from_label": states[0],
                      "to_label": states[1]})
    return steps


def _panel(form: MultiDict[str, str]) -> tuple[list[dict[str, Any]], list[int]]:
    """The panel's rows as typed (``panel.<i>.name``, ``.bureau``, ``.no_conflict``), empty rows left out, and
    the form's row of each member."""
    members, rows = [], []
    for i in range(PANEL_ROWS):
        name, bureau = form.get(f"panel.{i}.name", "").strip(), form.get(f"panel.{i}.bureau", "").strip()
        if name or bureau:
            members.append({"name": name, "bureau": bureau, "no_conflict": form.get(f"panel.{i}.no_conflict") == "on"})
            rows.append(i)
    return members, rows


@bp.post("/applications/<int:application_id>/events")
@login_required
def application_event(application_id: int) -> Any:
    """A step of the application (``POST /api/v1/applications/{id}/events``): the review with its panel, site
    visit, verdict and proposed subsidy; finance's re-check; the notice; the award; a rejection with its note."""
    form = request.form
    event = form.get("event", "").strip()
    body: dict[str, Any] = {"event": event, "note": form.get("note", "").strip() or None,
                            "decision": form.get("decision", "").strip() or None}
    if form.get("objection_id", "").strip():
        objection = form["objection_id"].strip()
        body["objection_id"] = int(objection) if objection.isdigit() else objection
    rows: list[int] = []
    if event == "review":
        visit = {"date": form.get("site_visit.date", "").strip(), "note": form.get("site_visit.note", "").strip()}
        members, rows = _panel(form)
        body.update(panel=members, site_visit={k: v for k, v in visit.items() if v} or None,
                    verdict=form.get("verdict", "").strip() or None,
                    proposed_subsidy=typed_yuan(form.get("proposed_subsidy", "")) or None)
    body = {k: v for k, v in body.items() if v is not None}
    values: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, list[str]] = {}
    data = _load(ApplicationEventIn(), body, errors, rows)
    done = None
    if data is not None:
        data.pop("event")
        data = {k: v for k, v in data.items() if v is not None}
        done = _try(lambda: applications.fire_event(db(), actor(), origin(), application_id, event, data, now()),
                    errors)
    if done is None:
        return _application_page(application_id, values, errors, _status(errors))
    _state_flash(done)
    return redirect(url_for(".application", application_id=application_id))


# --- after the award: the work accepted, the subsidy paid ---------------------------------------------


@bp.post("/applications/<int:application_id>/acceptances")
@login_required
def apply_for_acceptance(application_id: int) -> Any:
    """Apply for the acceptance of the awarded work (``POST /api/v1/applications/{id}/acceptances``; seed 003
    §5(2)3③: 项目合格验收后); then it goes on the acceptance's own page."""
    form = request.form
    body: dict[str, Any] = {"note": form.get("note", "").strip() or None, "document_ids": _ids(form, "document_ids")}
    values: dict[str, Any] = {**{k: v for k, v in form.items() if k != "csrf_token"}, "form": "acceptance",
                              "document_ids": form.getlist("document_ids")}
    errors: dict[str, list[str]] = {}
    data = _load(ApplicationAcceptanceIn(), body, errors)
    done = None if data is None else _try(
        lambda: applications.apply_for_acceptance(db(), actor(), origin(), application_id, data, now()), errors)
    if done is None:
        return _application_page(application_id, values, errors, _status(errors))
    flash(_("已提交验收申请"), "ok")
    return redirect(url_for("money_ui.acceptance", acceptance_id=done.id))


@bp.post("/applications/<int:application_id>/payments")
@login_required
def request_subsidy(application_id: int) -> Any:
    """Request the subsidy (``POST /api/v1/applications/{id}/payments``, kind 补助资金): at most the award and what
    the acceptance accepted; then verified, approved and disbursed on the payment's own page."""
    form = request.form
    body: dict[str, Any] = {"amount": typed_yuan(form.get("amount", "")), "note": form.get("note", "").strip() or None,
                            "document_ids": _ids(form, "document_ids")}
    report = form.get("volume_report_id", "").strip()
    if report:
        body["volume_report_id"] = int(report) if report.isdigit() else report
    body = {k: v for k, v in body.items() if v != ""}
    values: dict[str, Any] = {**{k: v for k, v in form.items() if k != "csrf_token"}, "form": "payment",
                              "document_ids": form.getlist("document_ids")}
    errors: dict[str, list[str]] = {}
    data = _load(SubsidyIn(), body, errors)
    done = None if data is None else _try(
        lambda: applications.request_subsidy(db(), actor(), origin(), application_id, data, None, now()), errors)
    if done is None:
        return _application_page(application_id, values, errors, _status(errors))
    flash(_("已提交拨付申请"), "ok")
    return redirect(url_for("money_ui.payment", payment_id=done[1].id))


# --- per-unit subsidies: the monthly volumes reported and verified ---------------------------------------


@bp.post("/applications/<int:application_id>/volume-reports")
@login_required
def report_volume(application_id: int) -> Any:
    """Report a month's volume on an awarded per-unit application (``POST /api/v1/applications/{id}/
    volume-reports``; seed 001 §5(4)3 每单物流补贴): the enterprise, or commerce on its behalf, with evidence."""
    form = request.form
    volume = form.get("volume", "").strip()
    body: dict[str, Any] = {"month": form.get("month", "").strip(),
                            "volume": int(volume) if volume.isdigit() else volume,
                            "note": form.get("note", "").strip() or None, "document_ids": _ids(form, "document_ids")}
    values: dict[str, Any] = {**{k: v for k, v in form.items() if k != "csrf_token"}, "form": "report",
                              "document_ids": form.getlist("document_ids")}
    errors: dict[str, list[str]] = {}
    data = _load(VolumeReportIn(), body, errors)
    done = None if data is None else _try(
        lambda: volume_reports.report(db(), actor(), origin(), application_id, data, now()), errors)
    if done is None:
        return _application_page(application_id, values, errors, _status(errors))
    flash(_("已报送 %(month)s 的业务量", month=done["month"]), "ok")
    return redirect(url_for(".application", application_id=application_id, _anchor="volumes"))


@bp.post("/volume-reports/<int:report_id>/events")
@login_required
def volume_event(report_id: int) -> Any:
    """Verify (the units verified) or reject (with a note) a month's report: commerce, not the reporter."""
    form = request.form
    event, verified = form.get("event", "").strip(), form.get("verified_volume", "").strip()
    body: dict[str, Any] = {"event": event, "note": form.get("note", "").strip() or None}
    if verified:
        body["verified_volume"] = int(verified) if verified.isdigit() else verified
    shown = attempt(lambda: volume_reports.get_report(db(), actor(), report_id, now()))
    assert shown is not None
    values: dict[str, Any] = {**{k: v for k, v in form.items() if k != "csrf_token"}, "form": f"report-{report_id}"}
    errors: dict[str, list[str]] = {}
    data = _load(VolumeReportEventIn(), body, errors)
    done = None
    if data is not None:
        data.pop("event")
        done = _try(lambda: volume_reports.fire_event(db(), actor(), origin(), report_id, event,
                                                      {k: v for k, v in data.items() if v is not None}, now()), errors)
    if done is None:
        return _application_page(shown["application_id"], values, errors, _status(errors))
    flash(_("已处理 %(month)s 的业务量报送", month=done["month"]), "ok")
    return redirect(url_for(".application", application_id=shown["application_id"], _anchor="volumes"))
