"""The inspectors' desk: the audit trail browser, one entry in full, and "verify the log" (SPEC §8, issue 7).

The entries are listed newest first (highest sequence number first), filtered by project,
actor, action prefix and a range of Beijing dates; which entries an inspector may read is
decided by :func:`disburse.services.audit.browse`.
"""

import json
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from disburse.services import audit, projects
from disburse.web.common import actor, attempt, db

bp = Blueprint("inspect_ui", __name__, template_folder="templates")

PER_PAGE = 50
#: Action prefixes offered in the filter (any prefix may be typed).
ACTION_PREFIXES = (
    ("project.", _l("项目流程")), ("contract.", _l("合同")), ("acceptance.", _l("验收")),
    ("objection.", _l("公示异议")), ("payment.", _l("拨付")), ("document.", _l("文件上传")),
    ("report.", _l("进度月报")), ("auth.", _l("登录与退出")), ("access.denied", _l("拒绝访问")),
    ("user.", _l("用户管理")),
)
#: What an entry is about, as people say it.
ENTITY_LABELS = {
    "project": _l("项目"), "contract": _l("合同"), "acceptance": _l("验收"), "payment": _l("拨付"),
    "objection": _l("异议"), "document": _l("文件"), "report": _l("进度月报"), "user": _l("用户"),
}
#: Entities with a page of their own in the UI.
ENTITY_PATHS = {"project": "/projects/{}", "contract": "/contracts/{}", "acceptance": "/acceptances/{}",
                "payment": "/payments/{}"}


def _date(name: str, errors: dict[str, list[str]]) -> date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = [_("日期格式应为 YYYY-MM-DD")]
        return None


@bp.get("/audit")
@login_required
def home() -> Any:
    errors: dict[str, list[str]] = {}
    values = {k: (request.args.get(k) or "").strip() for k in ("project", "actor", "action", "from", "to")}
    project_id = request.args.get("project", type=int)
    if values["project"] and project_id is None:
        errors["project"] = [_("项目编号应为数字")]
    date_from, date_to = _date("from", errors), _date("to", errors)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    entries = None
    if not errors:
        entries = attempt(lambda: audit.browse(
            db(), actor(), project_id=project_id, username=values["actor"] or None, action=values["action"] or None,
            date_from=date_from, date_to=date_to, page=page, per_page=PER_PAGE), errors)
    choices = attempt(lambda: projects.list_projects(db(), actor(), per_page=200))
    filters = {k: v for k, v in values.items() if v}
    status = 422 if errors else 200
    return render_template("inspect/home.html", entries=entries, values=values, filters=filters, errors=errors,
                           projects=(choices or {}).get("items", []), prefixes=ACTION_PREFIXES,
                           entity_paths=ENTITY_PATHS, entity_labels=ENTITY_LABELS), status


@bp.get("/audit/<int:seq>")
@login_required
def entry(seq: int) -> Any:
    found = attempt(lambda: audit.entry(db(), actor(), seq))
    if found is None:
        return redirect(url_for("inspect_ui.home"))
    pretty = json.dumps(found["data"], ensure_ascii=False, indent=2, sort_keys=True)
    return render_template("inspect/entry.html", e=found, pretty=pretty, entity_paths=ENTITY_PATHS,
                           entity_labels=ENTITY_LABELS)


@bp.post("/audit/verify")
@login_required
def verify() -> Any:
    report = attempt(lambda: audit.verify_as(db(), actor()))
    if report is not None and report.ok:
        flash(_("审计日志校验通过：共 %(n)s 条记录，链头哈希 %(head)s", n=report.entries, head=report.head), "verified")
    elif report is not None:
        flash(_("审计日志在第 %(seq)s 条记录处断开：%(reason)s（此前 %(n)s 条完好）",
                seq=report.first_broken, reason=report.reason, n=report.entries), "error")
    return redirect(url_for("inspect_ui.home"))
