"""The public disclosure pages (SPEC §9), no login: the landing page (the notices running now first, then the
newest projects), the list of projects, one project, one notice with what it publishes (the lines with their
verdicts and accepted amounts, and the proposed payment) and its objection form, and the calls for
applications with their notices, awards and subsidies paid (issue 20).

What is disclosed is decided by :mod:`disburse.services.disclosure`; objections go to
:func:`disburse.services.acceptances.file_objection`, which counts every attempt against the client's
address and then checks the fields with :class:`~disburse.schemas.objection.ObjectionIn`, as for the
API. On top of that the form carries a simple anti-abuse measure of the web layer:

* a honeypot field (``website``) that people never see: a form that fills it is refused;
* a signed timestamp (``form_token``, itsdangerous with the app's secret key) issued when the form is
  rendered: a form sent back sooner than ``OBJECTION_MIN_SECONDS`` (app config, 3 by default) after
  it was rendered, later than a day after, or with a missing, forged or foreign token, is refused.

A refused form is shown again with everything typed kept (the honeypot emptied, a fresh token) and a
message saying why. The wall clock times the form (how long a person took), not the app's business
clock. CSRF protection stays on for the form.
"""

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from disburse.domain.text import UNSTORABLE_MESSAGE
from disburse.inputs import checks_own_text
from disburse.schemas.objection import ObjectionIn
from disburse.services import acceptances, checkpoints, disclosure
from disburse.services.errors import Conflict, Invalid, NotFound, RateLimited
from disburse.web.common import attempt, db, flash_refusal, now, origin
from disburse.web.labels import payment_kind

bp = Blueprint("public_ui", __name__, template_folder="templates")

PER_PAGE = 20
HONEYPOT = "website"
MIN_SECONDS = 3
MAX_AGE_SECONDS = 24 * 3600
FIELDS = ("name", "contact", "content")


@bp.context_processor
def helpers() -> dict[str, Any]:
    def acceptance_name(kind: str, stage: int | None) -> str:
        return _("终验") if kind == "final" else _("第 %(n)s 阶段验收", n=stage)

    return {"acceptance_name": acceptance_name, "payment_kind": payment_kind}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="disburse.public.objection-form")


def form_token(notice_id: int) -> str:
    """A signed, timestamped token for the objection form of one notice."""
    return _serializer().dumps(notice_id)


def form_refusal(notice_id: int, form: Any) -> str | None:
    """Why the anti-abuse measure refuses this form, or ``None`` when it passes."""
    if (form.get(HONEYPOT) or "").strip():
        return _("提交未被受理：表单中一个应当留空的隐藏栏目被填写了（常见于自动填表工具）。"
                 "您填写的内容已保留，请直接重新提交。")
    try:
        issued_for, issued_at = _serializer().loads(form.get("form_token") or "", max_age=MAX_AGE_SECONDS,
                                                    return_timestamp=True)
    except SignatureExpired:
        return _("表单打开已超过一天，请重新提交；您填写的内容已保留。")
    except BadSignature:
        return _("表单已失效，请重新提交；您填写的内容已保留。")
    if issued_for != notice_id:
        return _("表单已失效，请重新提交；您填写的内容已保留。")
    wait = float(current_app.config.get("OBJECTION_MIN_SECONDS", MIN_SECONDS))
    if (datetime.now(UTC) - issued_at).total_seconds() < wait:
        return _("提交过快：请在打开表单 %(n)s 秒后再提交；您填写的内容已保留。", n=f"{wait:g}")
    return None


def _field_errors(refused: Invalid) -> dict[str, list[str]]:
    """The service's complaints as messages in the page's language, next to their fields."""
    schema = ObjectionIn()
    limits = {name: getattr(schema.fields[name].validators[0], "max", None) for name in FIELDS}
    texts = {"name": _("姓名不超过 %(n)s 字", n=limits["name"]),
             "contact": _("请填写联系方式（不超过 %(n)s 字）", n=limits["contact"]),
             "content": _("请填写异议内容（不超过 %(n)s 字）", n=limits["content"])}
    return {name: [_("含有无法保存的字符") if UNSTORABLE_MESSAGE in refused.errors[name] else texts[name]]
            for name in FIELDS if name in refused.errors}


def _region_arg() -> str | None:
    region = request.args.get("region") or None
    return region if region is not None and region.isdigit() and len(region) == 6 else None


@bp.get("/public")
def index() -> Any:
    """The landing page: the notices running now first (a citizen objects while a notice runs), then the newest
    projects and the audit log's latest checkpoint."""
    found = disclosure.landing(db(), now(), PER_PAGE)
    return render_template("public/index.html", listed=found["listed"], notices=found["notices"],
                           application_notices=found["application_notices"],
                           checkpoint=disclosure.latest_checkpoint(db()))


@bp.get("/public/projects")
def projects() -> Any:
    """Every disclosed project, newest first, optionally within one region (``?region=`` a six-digit code)."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    region = _region_arg()
    listed = disclosure.public_projects(db(), page, PER_PAGE, region=region)
    return render_template("public/projects.html", listed=listed, region=region)


@bp.get("/public/checkpoints", endpoint="checkpoints")
def checkpoints_page() -> Any:
    """Every signed checkpoint of the audit log with the keys to verify them: what inspectors keep (SPEC §8)."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    listed = checkpoints.list_checkpoints(db(), page=page, per_page=PER_PAGE)
    return render_template("public/checkpoints.html", listed=listed,
                           keys=checkpoints.public_keys(current_app.extensions["disburse.settings"]))


@bp.get("/public/checkpoints/<int:size>.txt")
def checkpoint_note(size: int) -> Any:
    """One checkpoint's signed note as a file to keep (C2SP tlog-checkpoint)."""
    note = attempt(lambda: disclosure.checkpoint_note(db(), size))
    return Response(note, mimetype="text/plain",
                    headers={"Content-Disposition": f"attachment; filename={size:012d}.txt"})


@bp.get("/public/checkpoints/public_key.txt")
def public_key() -> Any:
    """The log's public key file (docs/audit-proofs.md §4): the verifier key lines, oldest first."""
    keys = checkpoints.public_keys(current_app.extensions["disburse.settings"])
    return Response("\n".join(keys) + "\n", mimetype="text/plain",
                    headers={"Content-Disposition": "attachment; filename=public_key"})


@bp.get("/public/projects/<int:project_id>")
def project(project_id: int) -> Any:
    shown = attempt(lambda: disclosure.public_project(db(), project_id, now()))
    return render_template("public/project.html", p=shown)


@bp.get("/public/calls")
def calls() -> Any:
    """The calls for applications (项目申报通知), open ones first, each with the money available, its lines, the
    applications in notice, the awards and the subsidies paid (issue 20)."""
    return render_template("public/calls.html", calls=disclosure.public_calls(db(), now()))


@bp.get("/public/calls/<int:call_id>")
def call(call_id: int) -> Any:
    """One call: its conditions and materials, the applications in notice with the proposed subsidy and the
    objection link, the awards and the subsidies paid."""
    shown = attempt(lambda: disclosure.public_call(db(), call_id, now()))
    return render_template("public/call.html", c=shown)


@bp.route("/public/notices/<int:notice_id>", methods=["GET", "POST"])
@checks_own_text
def notice(notice_id: int) -> Any:
    shown = attempt(lambda: disclosure.public_notice(db(), notice_id, now()))
    values = {name: (request.form.get(name) or "").strip() for name in FIELDS}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        refusal = form_refusal(notice_id, request.form)
        if refusal:
            flash(refusal, "error")
            status = 422
        else:
            sent = {**values, "name": values["name"] or None}
            try:
                filed = acceptances.file_objection(db(), origin(), notice_id, sent, now(),
                                                   current_app.extensions["disburse.limits"])
            except Invalid as exc:
                errors = _field_errors(exc)
                flash(_("请检查标出的栏目"), "error")
                status = 422
            except RateLimited:
                flash(_("提交过于频繁，请稍后再试；您填写的内容已保留。"), "error")
                status = 429
            except Conflict as exc:
                flash_refusal(exc)
                status = 409
            except NotFound:
                abort(404)
            else:
                flash(_("您的异议已提交（编号 %(id)s），将依规核查处理。", id=filed), "success")
                return redirect(url_for("public_ui.notice", notice_id=notice_id))
    return render_template("public/notice.html", n=shown, values=values, errors=errors,
                           token=form_token(notice_id), honeypot=HONEYPOT), status
