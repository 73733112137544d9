"""The commerce and supervisor desks and the project pages (issue 7; SPEC §1, §5.1).

Thin views: each reads its form, validates it with the schema the API uses,
calls the service the API calls, and renders. Whether a button appears and why
an action is not yet possible comes from ``projects.actions``; a refusal is shown
on the page it came from, with what was typed kept (422 invalid, 409 refused).
"""

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import ValidationError

from disburse.domain.application_guards import ELIGIBILITY_CLAUSE
from disburse.domain.money import format_yuan, normalise_typed, typed_yuan
from disburse.domain.notice import local_date
from disburse.domain.plan import Plan
from disburse.domain.recovery_guards import BASES
from disburse.domain.roles import Role
from disburse.domain.states import RECOVERY_OPEN, ProjectEvent, ProjectState
from disburse.excel.cells import XLSX
from disburse.excel.plan import import_plan_workbook
from disburse.excel.template import county_template
from disburse.schemas import flatten_errors
from disburse.schemas.contract import ContractIn
from disburse.schemas.events import PACKAGING, TENDER_METHODS
from disburse.schemas.events import ProjectEvent as ProjectEventIn
from disburse.schemas.plan import load_plan
from disburse.schemas.recovery import RecoveryEventIn, RecoveryIn
from disburse.services import (
    allocations,
    amendments,
    applications,
    call_pages,
    contracts,
    desk,
    notifications,
    payments,
    projects,
    recoveries,
    reports,
    scheduling,
)
from disburse.services import regions as regions_service
from disburse.services.scheduling import ACTIVE_STATES
from disburse.services.views import ProjectView
from disburse.web import diagram, plan_form
from disburse.web.common import actor, attempt, db, now, origin, panel
from disburse.web.i18n import lang

bp = Blueprint("projects_ui", __name__, template_folder="templates")

PER_PAGE = 20
#: Labels of the tender's data (seed 004 §5(2)).
METHOD_LABELS = {
    "open": _l("公开招标"), "invited": _l("邀请招标"), "competitive_negotiation": _l("竞争性谈判"),
    "competitive_consultation": _l("竞争性磋商"), "single_source": _l("单一来源采购"), "inquiry": _l("询价"),
}
PACKAGING_LABELS = {"whole": _l("整体打包"), "by_region": _l("按区域分包"), "by_item": _l("按项目分包")}
DECLARATIONS = {
    "independent_legal_person": _l("具有独立法人资格"), "sound_accounting": _l("财务会计制度健全"),
    "no_violation_3y": _l("近三年无违法违规记录"),
}
REPORT_STATUS = {"submitted": _l("已报送"), "submitted_late": _l("逾期报送"), "pending": _l("待报送"),
                 "late": _l("逾期未报")}
KIND_LABELS = {"stage": _l("阶段验收"), "final": _l("终验")}
#: The materials a call asks for unless commerce writes others (seed 003 §5(2)2②: 整理申报材料).
CALL_MATERIALS = ("营业执照", "项目实施方案", "近三年财务报表", "无违法违规记录承诺书")
#: Schedule rows the contract form offers (empty rows are left out).
STAGE_ROWS = 3



def _month(today: date) -> str:
    return f"{today.year:04d}-{today.month:02d}"


def _echarts() -> bool:
    """Whether the ECharts file was installed (the build fetches it; without it, tables only)."""
    return (Path(current_app.static_folder or "") / "vendor" / "echarts" / "echarts.min.js").exists()


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"method_labels": METHOD_LABELS, "packaging_labels": PACKAGING_LABELS,
            "declaration_labels": DECLARATIONS, "report_status_labels": REPORT_STATUS,
            "acceptance_kind_labels": KIND_LABELS, "has_echarts": _echarts, "chart_json": chart_json,
            "project_states": {name: {"zh": s.zh, "en": s.en} for name, s in projects.workflow().states.items()}}


# --- desk, list, late reports -------------------------------------------------------------------


@bp.get("/desk")
@login_required
def home() -> Any:
    today = local_date(now())
    who = actor()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = attempt(lambda: desk.bureau_desk(db(), who, today=today, page=page, per_page=PER_PAGE))
    assert found is not None
    month = _month(today)
    late = attempt(lambda: reports.late(db(), who, month, now()))
    statuses = {item["project_id"]: item for item in (late or {}).get("items", [])}
    inbox = notifications.inbox(db(), who, unread_only=True, per_page=5, lang=lang())
    waiting = None
    if who.role == Role.COMMERCE:  # payments waiting for commerce's verification, how long, how far escalated
        waiting = payments.approval_queue(db(), who, per_page=PER_PAGE, now=now())
        scheduling.mark_waits(db(), waiting["items"], now())
    return render_template("projects/home.html", listed=found["listed"], statuses=statuses, month=month, late=late,
                           inbox=inbox, waiting=waiting, counties=found["counties"],
                           applications=call_pages.desk(db(), who, now()))


@bp.get("/projects")
@login_required
def index() -> Any:
    state = request.args.get("state") or None
    if state not in projects.workflow().states:
        state = None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    listed = attempt(lambda: projects.list_projects(db(), actor(), state=state, page=page, per_page=PER_PAGE))
    states = [(name, {"zh": s.zh, "en": s.en}) for name, s in projects.workflow().states.items()]
    return render_template("projects/index.html", listed=listed, state=state, states=states)


@bp.get("/reports/late")
@login_required
def late_reports() -> Any:
    month = request.args.get("month") or _month(local_date(now()))
    errors: dict[str, list[str]] = {}
    late = attempt(lambda: reports.late(db(), actor(), month, now()), errors)
    return render_template("projects/late.html", late=late, month=month, errors=errors), (422 if errors else 200)


# --- a new project from a plan document ---------------------------------------------------------


@bp.route("/projects/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    if actor().role not in projects.PLAN_AUTHORS:
        abort(403)
    text = ""
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and request.form.get("plan_form"):
        return _create_from_form()
    if request.method == "POST":
        upload = request.files.get("file")
        text = request.form.get("document", "")
        if upload is not None and (upload.filename or "").lower().endswith(".xlsx"):
            project_id = _create_from_workbook(upload.read(), errors)
        else:
            if upload is not None and upload.filename:
                text = upload.read().decode("utf-8", errors="replace")
            project_id = _create(text, errors)
        if project_id is not None:
            flash(_("项目已创建"), "success")
            return redirect(url_for("projects_ui.detail", project_id=project_id))
        return render_template("projects/new.html", text=text, errors=errors, form=_new_form(),
                               field_labels=FIELD_LABELS), (422 if errors else 409)
    return render_template("projects/new.html", text=text, errors=errors, form=_new_form(), field_labels=FIELD_LABELS)


#: What a refusal names when it is not a cell: the fields of the page, by their labels.
FIELD_LABELS = {"name": _l("项目名称"), "region": _l("地区代码"), "rule_set": _l("资金规则"), "total": _l("总投资"),
                "file": _l("方案文件"), "document": _l("方案内容")}


def _new_form(values: plan_form.Values | None = None, errors: dict[str, list[str]] | None = None,
              plan: Plan | None = None) -> dict[str, Any]:
    """The plan form of a new project: the county chosen among those of the author's jurisdiction."""
    regions = regions_service.counties_in_jurisdiction(db(), actor())
    if values is None:
        values = plan_form.Values(fields={"unit": "万元", "region": regions[0]["code"] if len(regions) == 1 else "",
                                          "rule_set": ""})
    return plan_form.context(values, errors or {}, plan, regions=regions)


def _create_from_form() -> Any:
    """A new project from the plan form: the same document ``POST /api/v1/projects`` takes."""
    errors: dict[str, list[str]] = {}
    values = plan_form.read(request.form)
    plan = plan_form.load(values, errors)
    project_id = None if plan is None else attempt(
        lambda: projects.create_project(db(), actor(), origin(), plan, None, now=now()), errors)
    if project_id is not None:
        flash(_("项目已创建"), "success")
        return redirect(url_for("projects_ui.detail", project_id=project_id))
    shown = {k: plan_form.localise(v) for k, v in errors.items()}
    return render_template("projects/new.html", text="", errors={}, form=_new_form(values, shown, plan),
                           field_labels=FIELD_LABELS), (422 if errors else 409)


def _create_from_workbook(data: bytes, errors: dict[str, list[str]]) -> int | None:
    """An .xlsx budget table, the exporter's or a county's own (docs/excel.md); the form's name, region and
    rule set complete a table-only workbook. Errors name their cells (``C7：不是金额：十万``); after the
    import, the project page says which lines still need a 资金用途, which sums disagree and what was
    filled in for the official (a funding source)."""
    overrides = {key: (request.form.get(key) or "").strip() or None for key in ("name", "region", "rule_set")}
    try:
        result = import_plan_workbook(data, **overrides, lang=lang())
    except ValidationError as exc:
        errors.update(flatten_errors(exc.messages))
        return None
    project_id = attempt(lambda: projects.create_project(db(), actor(), origin(), result.plan, result.source,
                                                         now=now()), errors)
    if project_id is not None:
        for message in result.defaults:
            flash(message, "info")
        for message in result.warnings:
            flash(message, "warning")
        if result.untagged:
            flash(_("%(count)s 行尚未选择资金用途（%(cells)s）：请在方案中为这些行选择后再报备。",
                    count=len(result.untagged), cells="、".join(result.untagged)), "warning")
    return project_id


@bp.get("/projects/new/template.xlsx")
@login_required
def plan_template() -> Any:
    """The county-style budget table to fill in and import (generated, never stored)."""
    if actor().role not in projects.PLAN_AUTHORS:
        abort(403)
    return Response(county_template(), mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=budget-table-template.xlsx"})


def _create(text: str, errors: dict[str, list[str]]) -> int | None:
    """Parse and validate the plan document as the API does, then create the project."""
    if not text.strip():
        errors["document"] = [_("请上传或粘贴实施方案（YAML 或 JSON）")]
        return None
    try:
        document = yaml.safe_load(text)  # YAML is a superset of JSON
    except yaml.YAMLError as exc:
        errors["document"] = [_("无法解析：%(error)s", error=str(exc).splitlines()[0])]
        return None
    try:
        plan, source = load_plan(document)
    except ValidationError as exc:
        errors.update(flatten_errors(exc.messages))
        return None
    return attempt(lambda: projects.create_project(db(), actor(), origin(), plan, source, now=now()), errors)


# --- the project page ---------------------------------------------------------------------------


@bp.get("/projects/<int:project_id>")
@login_required
def detail(project_id: int) -> Any:
    version = request.args.get("version", type=int)
    return render_detail(project_id, version=version if version and version > 0 else None)


def render_detail(project_id: int, *, status: int = 200, posted: str | None = None,
                  values: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
                  version: int | None = None) -> Any:
    """The project page; after a refused form, the same page with the form as it was typed. With
    ``version``, the plan as that version had it (a banner says so; the figures stay today's)."""
    who = actor()
    project = attempt(lambda: projects.get_project(db(), who, project_id, version))  # 404/403 abort
    if project is None:
        return redirect(url_for("projects_ui.index"))
    today = local_date(now())
    actions = panel(projects.actions(db(), who, project_id))
    project_contracts = contracts.list_contracts(db(), who, project_id)["items"]
    versions = projects.versions(db(), who, project_id)
    in_force = next((v.number for v in versions if v.in_force), project.plan_version)
    context = {
        "project": project,
        "in_force": in_force,
        "old_version": project.plan_version != in_force,
        "groups": desk.plan_groups(project.lines, project.subtotals),
        # the plan is edited on its own page, not by a button: the panel keeps the other events
        "actions": [a for a in actions if a["event"] != ProjectEvent.EDIT_PLAN],
        "may_edit": any(a["event"] == ProjectEvent.EDIT_PLAN and a["allowed"] for a in actions),
        "versions": versions,
        "amendments": amendments.list_amendments(db(), who, project_id, now()),
        "may_propose": amendments.may_propose(who, project.state),
        "may_record_funds": who.role == Role.FINANCE and project.state in allocations.RECEIVING,
        "contracts": project_contracts,
        "contract_lots": {c["id"]: c["lot"] for c in project_contracts},
        "recovery_actions": {r.id: panel(recoveries.actions(db(), who, r.id, now())) for r in project.recoveries
                             if r.state in RECOVERY_OPEN},
        "may_order_recovery": recoveries.may_order(who) and project.disbursed > 0,
        "proposes_recovery": who.role == Role.INSPECTOR,
        "order_confirm": None if who.role == Role.INSPECTOR else recoveries.workflow().creation().confirm,
        "recovery_bases": BASES,
        "acceptances": desk.project_acceptances(db(), who, project_id)["items"],
        "reports": reports.list_reports(db(), who, project_id, per_page=24),
        "month": _month(today),
        "today": today.isoformat(),
        "diagram": diagram.svg("project", project.state),
        "timeline": _timeline(project, today),
        "can_sign": who.role in contracts.SIGNERS and project.state == ProjectState.TENDERED,
        "can_report": who.role == Role.COMMERCE and project.state in ACTIVE_STATES,
        "posted": posted,
        "values": values or {},
        "errors": errors or {},
        "stage_rows": STAGE_ROWS,
        "calls": call_pages.project_calls(db(), who, project_id, now()),
        "may_open_call": who.role == Role.COMMERCE and project.state in applications.CALL_STATES,
        "call_conditions": applications.DEFAULT_CONDITIONS,
        "call_conditions_clause": ELIGIBILITY_CLAUSE,
        "call_materials": CALL_MATERIALS,
        "methods": TENDER_METHODS,
        "packaging": PACKAGING,
    }
    # the labels also when another blueprint's form (funds arrived) renders this page again
    return render_template("projects/detail.html", **_labels(), **context), status


def _timeline(project: ProjectView, today: date) -> dict[str, Any] | None:
    """Phases as bars and budget-line deadlines as marks on one time axis (positions in %)."""
    phases = [(p.name, p.start, p.end) for p in project.phases]
    deadlines = sorted({line.deadline for line in project.lines if line.deadline is not None})
    dates = [d for d in (project.period_start, project.period_end) if d]
    dates += [d for _, start, end in phases for d in (start, end) if d] + deadlines
    if not dates:
        return None
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)

    def at(d: date) -> float:
        return round(100 * (d - first).days / span, 2)

    months = []
    month = date(first.year, first.month, 1)
    step = 1 if span <= 400 else 3 if span <= 1200 else 12
    while month <= last:
        if month >= first:
            months.append({"label": f"{month.year}-{month.month:02d}", "left": at(month)})
        total = month.month - 1 + step
        month = date(month.year + total // 12, total % 12 + 1, 1)
    return {
        "first": first.isoformat(), "last": last.isoformat(), "months": months,
        "phases": [{"name": name, "start": start.isoformat() if start else None,
                    "end": end.isoformat() if end else None,
                    "left": at(start or first), "width": max(at(end or last) - at(start or first), 0.8),
                    "past": bool(end and end < today), "now": bool(start and end and start <= today <= end)}
                   for name, start, end in phases],
        "deadlines": [{"on": d.isoformat(), "left": at(d), "past": d < today} for d in deadlines],
        "today": at(today) if first <= today <= last else None,
    }


def _status(errors: dict[str, list[str]]) -> int:
    return 422 if errors else 409


@bp.post("/projects/<int:project_id>/events")
@login_required
def fire(project_id: int) -> Any:
    form = request.form
    event = form.get("event", "")
    fields = ("note", "method", "packaging", "announced_on", "reference", "evaluator", "amount", "document_id")
    body: dict[str, Any] = {"event": event, **{k: form[k] for k in fields if form.get(k, "").strip()}}
    if "amount" in body:
        body["amount"] = typed_yuan(body["amount"])
    targets = []
    i = 0
    while f"targets.{i}.name" in form:
        name, actual = form[f"targets.{i}.name"], form.get(f"targets.{i}.actual", "").strip()
        if actual:
            targets.append({"name": name, "actual": actual})
        i += 1
    if targets:
        body["targets"] = targets
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, list[str]] = {}
    try:
        data = ProjectEventIn().load(body)
    except ValidationError as exc:
        errors.update(flatten_errors(exc.messages))
        return render_detail(project_id, status=422, posted=event, values=values, errors=errors)
    data.pop("event")
    data = {k: v for k, v in data.items() if v is not None}
    fired = attempt(lambda: projects.fire_event(db(), actor(), origin(), project_id, event, data, now=now()), errors)
    if fired is None:
        return render_detail(project_id, status=_status(errors), posted=event, values=values, errors=errors)
    spec = projects.workflow().transitions[event]
    flash(_("已执行“%(event)s”，当前状态：%(state)s", event=spec.en if lang() == "en" else spec.zh,
            state=_state_name(fired.state)), "success")
    return redirect(url_for("projects_ui.detail", project_id=project_id))


def _state_name(state: str) -> str:
    spec = projects.workflow().states[state]
    return spec.en if lang() == "en" else spec.zh


@bp.post("/projects/<int:project_id>/recoveries")
@login_required
def order_recovery(project_id: int) -> Any:
    """Order a recovery (the supervisor, finance) or propose one (an inspector) from the project page (issue 17)."""
    form = request.form
    body: dict[str, Any] = {k: form[k].strip() for k in ("basis", "reason") if form.get(k, "").strip()}
    if form.get("amount", "").strip():
        body["amount"] = typed_yuan(form["amount"])
    for name in ("contract_id", "document_id"):
        text = form.get(name, "").strip()
        if text:
            body[name] = int(text) if text.isdigit() else text
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, list[str]] = {}
    try:
        data = RecoveryIn().load(body)
    except ValidationError as exc:
        errors.update(flatten_errors(exc.messages))
        return render_detail(project_id, status=422, posted="recovery", values=values, errors=errors)
    done = attempt(lambda: recoveries.order(db(), actor(), origin(), project_id, data, now()), errors)
    if done is None:
        return render_detail(project_id, status=_status(errors), posted="recovery", values=values, errors=errors)
    flash(_("资金收回已登记：%(basis)s，%(state)s", basis=done.basis_label["en" if lang() == "en" else "zh"],
            state=(done.state_label or {}).get("en" if lang() == "en" else "zh", done.state)), "success")
    return redirect(url_for("projects_ui.detail", project_id=project_id, _anchor="recoveries"))


@bp.post("/recoveries/<int:recovery_id>/events")
@login_required
def recovery_event(recovery_id: int) -> Any:
    """Confirm or dismiss a proposal; record a receipt (finance)."""
    recovery = attempt(lambda: recoveries.get_recovery(db(), actor(), recovery_id, now()))
    if recovery is None:
        return redirect(url_for("projects_ui.index"))
    form = request.form
    event = form.get("event", "")
    body: dict[str, Any] = {"event": event, **{k: form[k].strip() for k in ("note", "received_on", "voucher_no")
                                                if form.get(k, "").strip()}}
    if form.get("amount", "").strip():
        body["amount"] = typed_yuan(form["amount"])
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, list[str]] = {}
    try:
        data = RecoveryEventIn().load(body)
    except ValidationError as exc:
        errors.update(flatten_errors(exc.messages))
        return render_detail(recovery.project_id, status=422, posted=event, values=values, errors=errors)
    data.pop("event")
    data = {k: v for k, v in data.items() if v is not None}
    done = attempt(lambda: recoveries.fire_event(db(), actor(), origin(), recovery_id, event, data, now()), errors)
    if done is None:
        return render_detail(recovery.project_id, status=_status(errors), posted=event, values=values, errors=errors)
    flash(_("资金收回：%(state)s，尚未收回 %(outstanding)s 元", state=(done.state_label or {}).get(
        "en" if lang() == "en" else "zh", done.state), outstanding=format_yuan(done.outstanding)), "success")
    return redirect(url_for("projects_ui.detail", project_id=recovery.project_id, _anchor="recoveries"))


@bp.post("/projects/<int:project_id>/reports")
@login_required
def submit_report(project_id: int) -> Any:
    month, text = request.form.get("month", "").strip(), request.form.get("text", "")
    errors: dict[str, list[str]] = {}
    done = attempt(lambda: reports.submit(db(), actor(), origin(), project_id, month, text, now()), errors)
    if done is None:
        return render_detail(project_id, status=_status(errors), posted="report", values={"month": month, "text": text},
                       errors=errors)
    flash(_("%(month)s 进度月报已报送", month=month), "success")
    return redirect(url_for("projects_ui.detail", project_id=project_id, _anchor="reports"))


def _due_days(text: str) -> Any:
    """A contract's payment term as typed: blank is none (the rule set's), digits a number; anything else is
    passed on for the schema to refuse."""
    text = text.strip()
    return None if not text else int(text) if text.isascii() and text.isdigit() else text


#: A share as typed: up to three digits, up to four decimals (``30``, ``12.5``, ``0.30``).
SHARE_TYPED = re.compile(r"\d{1,3}(\.\d{1,4})?")


def _share(typed: str) -> str:
    """A share of the contract as officials type it, in percent (``30``, ``30%``, ``３０ ％``) → ``0.3`` for the
    API's schema; a fraction (``0.30``, as the API takes it) is kept. What is not a number goes on as typed, so
    the schema names the field."""
    text = normalise_typed(typed).replace("％", "%").strip()
    number = text.rstrip("%").strip()
    if not SHARE_TYPED.fullmatch(number):
        return typed.strip()
    value = Decimal(number)
    if text.endswith("%") or value > 1 or "." not in number:
        value = value / 100
    return f"{value.normalize():f}"


@bp.post("/projects/<int:project_id>/contracts")
@login_required
def add_contract(project_id: int) -> Any:
    form = request.form
    stages = [{"name": form.get(f"schedule.stages.{i}.name", "").strip(),
               "share": _share(form.get(f"schedule.stages.{i}.share", ""))} for i in range(STAGE_ROWS)]
    body: dict[str, Any] = {
        "lot": form.get("lot", "").strip(),
        "contractor": {
            "name": form.get("contractor.name", "").strip(),
            "credit_code": form.get("contractor.credit_code", "").strip(),
            "region": form.get("contractor.region", "").strip() or None,
            "declarations": {k: form.get(f"contractor.declarations.{k}") == "on" for k in DECLARATIONS},
        },
        "amount": typed_yuan(form.get("amount", "")),
        "signed_on": form.get("signed_on", "").strip(),
        "payee_bank": form.get("payee_bank", "").strip() or None,
        "payee_account": form.get("payee_account", "").strip() or None,
        "payment_due_days": _due_days(form.get("payment_due_days", "")),
        "line_ids": [int(x) for x in form.getlist("line_ids") if x.isdigit()],
        "schedule": {"advance": _share(form.get("schedule.advance", "")),
                     "stages": [s for s in stages if s["name"] or s["share"]],
                     "final": _share(form.get("schedule.final", ""))},
    }
    values: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token"}
    values["line_ids"] = body["line_ids"]
    errors: dict[str, list[str]] = {}
    try:
        data = ContractIn().load(body)
    except ValidationError as exc:
        errors.update(flatten_errors(exc.messages))
        return render_detail(project_id, status=422, posted="contract", values=values, errors=errors)
    contract_id = attempt(lambda: contracts.sign_contract(db(), actor(), origin(), project_id, data, now()),
                          errors)
    if contract_id is None:
        return render_detail(project_id, status=_status(errors), posted="contract", values=values, errors=errors)
    flash(_("合同已登记：%(lot)s", lot=data["lot"]), "success")
    return redirect(url_for("projects_ui.detail", project_id=project_id, _anchor="contracts"))


# --- workflow diagrams --------------------------------------------------------------------------


@bp.get("/workflows/<name>.svg")
def workflow_svg(name: str) -> Any:
    """A workflow as SVG (no data in it, so no login): ``?state=`` highlights a state."""
    if name not in diagram.WORKFLOWS:
        return Response(status=404)
    state = request.args.get("state") or None
    if state is not None and state not in diagram.WORKFLOWS[name]().states:
        state = None
    response = Response(diagram.svg(name, state), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Vary"] = "Cookie"
    return response


def chart_json(categories: list[str], series: list[tuple[str, list[str]]]) -> str:
    """Chart data for the page's script: amounts in 万元 (the table beside it has them exactly)."""
    return json.dumps({"categories": categories, "unit": _("万元"),
                       "series": [{"name": name, "data": [round(float(v) / 10000, 2) for v in values]}
                                  for name, values in series]}, ensure_ascii=False).replace("<", "\\u003c")

