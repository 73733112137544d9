"""Plans that live, in the browser (issue 16): edit a draft's plan, propose an amendment of a filed plan,
decide on it with its changes in view, and record the funds that arrive.

Thin views like the project page's: each reads its form, loads it with the schema the API loads
(:mod:`disburse.schemas.plan`, :mod:`disburse.schemas.amendment`), calls the service the API calls and
renders; a refusal is shown on the same page with what was typed kept (422 invalid, 409 refused). A draft's
plan is edited as a form (:mod:`disburse.web.plan_form`, issue 18) with its budget checks beside it, or as its
document (YAML, lines with their ids) in the advanced editor; an amendment is proposed the same two ways, the
plan in force filled in and the reason asked for.
"""

from typing import Any

import yaml
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from disburse.domain.money import typed_yuan
from disburse.domain.plan import Plan
from disburse.domain.states import ProjectEvent
from disburse.schemas import flatten_errors
from disburse.schemas.amendment import AllocationIn, AmendmentEventIn, AmendmentIn
from disburse.schemas.plan import load_plan
from disburse.services import allocations, amendments, projects
from disburse.services.plan_checks import plan_checks
from disburse.web import plan_form
from disburse.web.common import actor, attempt, db, now, origin, panel
from disburse.web.i18n import pick
from disburse.web.projects import render_detail

bp = Blueprint("plans_ui", __name__, template_folder="templates")


def _document(project_id: int) -> str:
    """The plan in force as YAML, lines with their ids (so each stays the same line)."""
    plan = attempt(lambda: projects.plan_document(db(), actor(), project_id))
    return yaml.safe_dump(plan, allow_unicode=True, sort_keys=False, width=100)


def _plan(text: str, errors: dict[str, list[str]]) -> Plan | None:
    """The typed document as the API reads it, or ``None`` with the errors by field."""
    if not text.strip():
        errors["document"] = [_("请填写实施方案内容")]
        return None
    try:
        document = yaml.safe_load(text)  # YAML is a superset of JSON
    except yaml.YAMLError as exc:
        errors["document"] = [_("无法解析：%(error)s", error=str(exc).splitlines()[0])]
        return None
    try:
        return load_plan(document)[0]
    except ValidationError as exc:
        errors.update(flatten_errors(exc.messages))
        return None


# --- a draft's plan -------------------------------------------------------------------------------


def _editable(project_id: int) -> Any:
    if actor().role not in projects.workflow().transitions[ProjectEvent.EDIT_PLAN].roles:
        abort(403)
    project = attempt(lambda: projects.get_project(db(), actor(), project_id))
    if project is None:
        abort(404)
    return project


@bp.route("/projects/<int:project_id>/plan", methods=["GET", "POST"])
@login_required
def edit(project_id: int) -> Any:
    """Replace the plan of a draft (the ``edit_plan`` event, as ``PUT /projects/{id}/plan``) from the plan form:
    its fields make the same document the API takes; the budget checks ``file`` makes are shown beside it."""
    project = _editable(project_id)
    errors: dict[str, list[str]] = {}
    if request.method == "GET":
        document = attempt(lambda: projects.plan_document(db(), actor(), project_id)) or {}
        return render_template("projects/plan_edit.html", project=project,
                               form=plan_form.context(plan_form.from_document(document), errors,
                                                      load_plan(document)[0] if document else None))
    if "document" in request.form:  # the plan document as text (the advanced editor)
        return _edit_document(project)
    values = plan_form.read(request.form)
    plan = plan_form.load(values, errors)
    if plan is not None and attempt(lambda: projects.edit_plan(db(), actor(), origin(), project_id, plan, now=now()),
                                    errors) is not None:
        flash(_("方案已保存"), "success")
        return redirect(url_for("projects_ui.detail", project_id=project_id))
    return render_template("projects/plan_edit.html", project=project,
                           form=plan_form.context(values, {k: plan_form.localise(v) for k, v in errors.items()},
                                                  plan)), (422 if errors else 409)


@bp.get("/projects/<int:project_id>/plan/document")
@login_required
def edit_document(project_id: int) -> Any:
    """The plan of a draft as its document (YAML, lines with their ids): the advanced editor."""
    project = _editable(project_id)
    return render_template("projects/plan_edit.html", project=project, text=_document(project_id), errors={})


def _edit_document(project: Any) -> Any:
    errors: dict[str, list[str]] = {}
    text = request.form.get("document", "")
    plan = _plan(text, errors)
    if plan is not None and attempt(lambda: projects.edit_plan(db(), actor(), origin(), project.id, plan, now=now()),
                                    errors) is not None:
        flash(_("方案已保存"), "success")
        return redirect(url_for("projects_ui.detail", project_id=project.id))
    return render_template("projects/plan_edit.html", project=project, text=text, errors=errors), \
        (422 if errors else 409)


@bp.post("/plans/check")
@login_required
def check() -> Any:
    """The budget checks of the plan form as typed (the form's script asks as the official types): what
    ``file`` would refuse, rule by rule, as ``disburse plans check`` and ``POST /api/v1/plans/check`` say it;
    or the fields that keep the form from being a plan yet."""
    if actor().role not in projects.PLAN_AUTHORS:
        abort(403)
    errors: dict[str, list[str]] = {}
    plan = plan_form.load(plan_form.read(request.form), errors)
    return jsonify({"complete": plan is not None, "errors": errors,
                    "where": list(dict.fromkeys(plan_form.describe(key) for key in errors)),
                    "checks": [] if plan is None else plan_form.checks_json(plan_checks(plan)),
                    "sums": [] if plan is None else plan_form.sums(plan)})


# --- amendments -----------------------------------------------------------------------------------


def _amendable(project_id: int) -> Any:
    project = attempt(lambda: projects.get_project(db(), actor(), project_id))
    if project is None:
        abort(404)
    if not amendments.may_create(actor()):
        abort(403)  # in a state that takes no amendment, the form is refused with the reason when sent
    return project


def _reason(errors: dict[str, list[str]]) -> str:
    """The amendment's reason as typed, checked as the API loads it (:class:`AmendmentIn`)."""
    reason = request.form.get("reason", "").strip()
    if "reason" in AmendmentIn().validate({"plan": {}, "reason": reason}):
        errors["reason"] = [_("请说明调整理由") if not reason else _("调整理由过长，请精简")]
    return reason


def _proposed(project_id: int, plan: Plan | None, reason: str, errors: dict[str, list[str]]) -> Any:
    """The amendment proposed (as ``POST /projects/{id}/amendments``), or ``None`` with why not."""
    if plan is None or errors:
        return None
    return attempt(lambda: amendments.propose(db(), actor(), origin(), project_id, plan, reason, now()), errors)


@bp.route("/projects/<int:project_id>/amendments/new", methods=["GET", "POST"])
@login_required
def propose(project_id: int) -> Any:
    """Propose a new plan for a filed project in the plan form, starting from the version in force (its lines
    keep their ids), with the reason; the budget checks of the plan proposed are shown beside it."""
    project = _amendable(project_id)
    errors: dict[str, list[str]] = {}
    if request.method == "GET":
        document = attempt(lambda: projects.plan_document(db(), actor(), project_id)) or {}
        return render_template("projects/amendment_new.html", project=project,
                               form=plan_form.context(plan_form.from_document(document), errors,
                                                      load_plan(document)[0] if document else None, reason=""))
    if "document" in request.form:  # the plan document as text (the advanced editor)
        return _propose_document(project)
    reason = _reason(errors)
    values = plan_form.read(request.form)
    plan = plan_form.load(values, errors)
    made = _proposed(project_id, plan, reason, errors)
    if made is not None:
        flash(_("方案调整申请已提交，待监管部门审核"), "success")
        return redirect(url_for("plans_ui.amendment", amendment_id=made.id))
    return render_template("projects/amendment_new.html", project=project,
                           form=plan_form.context(values, {k: plan_form.localise(v) for k, v in errors.items()},
                                                  plan, reason=reason)), (422 if errors else 409)


@bp.get("/projects/<int:project_id>/amendments/new/document")
@login_required
def propose_document(project_id: int) -> Any:
    """The amendment as the plan document (YAML, lines with their ids) and the reason: the advanced editor."""
    project = _amendable(project_id)
    return render_template("projects/amendment_new.html", project=project, text=_document(project_id), reason="",
                           errors={})


def _propose_document(project: Any) -> Any:
    errors: dict[str, list[str]] = {}
    reason = _reason(errors)
    text = request.form.get("document", "")
    made = _proposed(project.id, _plan(text, errors), reason, errors)
    if made is not None:
        flash(_("方案调整申请已提交，待监管部门审核"), "success")
        return redirect(url_for("plans_ui.amendment", amendment_id=made.id))
    return render_template("projects/amendment_new.html", project=project, text=text, reason=reason,
                           errors=errors), (422 if errors else 409)


@bp.get("/amendments/<int:amendment_id>")
@login_required
def amendment(amendment_id: int) -> Any:
    return _amendment(amendment_id)


def _amendment(amendment_id: int, *, status: int = 200, values: dict[str, Any] | None = None,
               errors: dict[str, list[str]] | None = None) -> Any:
    """The amendment: why, what it changes against the version in force (field by field, old → new), the
    plan proposed, and the decisions the reader may take."""
    who = actor()
    made = attempt(lambda: amendments.get_amendment(db(), who, amendment_id, now()))
    if made is None:
        abort(404)
    project = attempt(lambda: projects.get_project(db(), who, made.project_id))
    plan = load_plan(made.plan)[0]
    return render_template("projects/amendment.html", amendment=made, project=project, plan=plan,
                           actions=panel(amendments.actions(db(), who, amendment_id, now())),
                           values=values or {}, errors=errors or {}), status


@bp.post("/amendments/<int:amendment_id>/events")
@login_required
def decide(amendment_id: int) -> Any:
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    errors: dict[str, list[str]] = {}
    try:
        data = AmendmentEventIn().load({"event": form.get("event", ""), "note": form.get("note") or None})
    except ValidationError as exc:
        return _amendment(amendment_id, status=422, values=form, errors=flatten_errors(exc.messages))
    event = data.pop("event")
    done = attempt(lambda: amendments.fire_event(db(), actor(), origin(), amendment_id, event,
                                                 {k: v for k, v in data.items() if v is not None}, now()), errors)
    if done is None:
        return _amendment(amendment_id, status=422 if errors else 409, values=form, errors=errors)
    flash(_("方案调整：%(state)s", state=pick(done.state_label)), "success")
    return redirect(url_for("plans_ui.amendment", amendment_id=amendment_id))


# --- funds arrived --------------------------------------------------------------------------------


@bp.post("/projects/<int:project_id>/allocations")
@login_required
def record_allocation(project_id: int) -> Any:
    """Record funds arrived (the finance bureau), from the form on the project page."""
    form = {k: v.strip() for k, v in request.form.items() if k != "csrf_token"}
    errors: dict[str, list[str]] = {}
    try:
        data = AllocationIn().load({**form, "amount": typed_yuan(form["amount"])} if "amount" in form else form)
    except ValidationError as exc:
        return render_detail(project_id, status=422, posted="allocation", values=form,
                             errors=flatten_errors(exc.messages))
    if attempt(lambda: allocations.record(db(), actor(), origin(), project_id, data, now()), errors) is None:
        return render_detail(project_id, status=422 if errors else 409, posted="allocation", values=form,
                             errors=errors)
    flash(_("资金到位已登记"), "success")
    return redirect(url_for("projects_ui.detail", project_id=project_id, _anchor="funds"))
