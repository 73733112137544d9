"""The browser UI (issue 7): server-rendered pages on the same services as the API, Chinese first.

Each part is a blueprint of its own with its templates and its English catalog:
``core`` (home per role, inbox), ``auth`` (login/logout), ``delegations`` (代理: one's own, acting for a
principal, the administrator's list), and the parts listed in
:data:`PARTS`, registered when present.
"""

import importlib
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf import CSRFProtect

from disburse.services import notifications, users
from disburse.services.context import Actor
from disburse.web import auth, common, core, delegations, errors, i18n, labels

#: The UI's parts beyond core and auth: module name -> its blueprint attribute ``bp``.
PARTS = ("projects", "plans", "money", "applications", "inspect", "public", "admin")

ROLE_LABELS = {
    "commerce": _l("商务部门"), "finance": _l("财政部门"), "leader": _l("领导小组"), "supervisor": _l("上级监管"),
    "inspector": _l("纪检监察"), "contractor": _l("承办企业"), "admin": _l("系统管理员"),
}

#: Data fields of workflow events, as form labels.
FIELD_LABELS = {
    "note": _l("说明"), "method": _l("采购方式"), "packaging": _l("打包方式"), "announced_on": _l("公告日期"),
    "reference": _l("编号"), "evaluator": _l("评价机构"), "amount": _l("金额（元）"), "recovered_on": _l("收回日期"),
    "document_id": _l("文件编号"), "deadline": _l("整改期限"), "decision": _l("处理决定"),
    "objection_id": _l("异议编号"), "verdicts": _l("验收结论"), "voucher_no": _l("凭证号"),
    "disbursed_on": _l("拨付日期"), "targets": _l("绩效指标"),
}

#: The menu: (endpoint, label, roles that see it).
NAV = (
    ("projects_ui.home", _l("工作台"), {"commerce", "supervisor"}),
    ("money_ui.finance_home", _l("审批队列"), {"finance"}),
    ("money_ui.leader_home", _l("待审定验收"), {"leader"}),
    ("money_ui.contractor_home", _l("我的合同"), {"contractor"}),
    ("inspect_ui.home", _l("审计日志"), {"inspector"}),
    ("admin_ui.users_page", _l("用户管理"), {"admin"}),
    ("projects_ui.index", _l("项目列表"), {"commerce", "finance", "leader", "supervisor", "inspector", "contractor"}),
    ("projects_ui.late_reports", _l("进度月报"), {"commerce", "supervisor", "inspector", "finance", "leader"}),
    ("delegations_ui.mine", _l("我的代理"), {"commerce", "finance", "leader"}),
    ("delegations_ui.every", _l("代理委托"), {"admin"}),
)


class SessionUser(UserMixin):
    """A logged-in browser user; the session id carries the user's session version,
    so logging out ends every session of that user."""

    def __init__(self, actor: Actor, version: int) -> None:
        self.actor = actor
        self.version = version

    def get_id(self) -> str:
        return f"{self.actor.id}:{self.version}"


def _load_user(session_id: str) -> Any:
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    actor = users.actor_for_session(current_app.extensions["disburse.db"], int(user_id), int(version))
    return None if actor is None else SessionUser(actor, int(version))


def init_app(app: Flask) -> None:
    i18n.init_app(app, Path(app.instance_path))
    labels.init_app(app)
    errors.init_app(app)
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = _l("请先登录")
    login.user_loader(_load_user)
    csrf = CSRFProtect(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(core.bp)
    app.register_blueprint(delegations.bp)
    delegations.init_app(app)
    for name in PARTS:
        try:
            module = importlib.import_module(f"disburse.web.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"disburse.web.{name}":
                raise
            continue
        app.register_blueprint(module.bp)

    def has_endpoint(endpoint: str) -> bool:
        return endpoint in app.view_functions

    def nav_links() -> list[tuple[str, str]]:
        role = common.actor().role  # acting for a principal: the principal's menu
        return [(e, str(label)) for e, label, roles in NAV if role in roles and has_endpoint(e)]

    def unread_count() -> int:
        box = notifications.inbox(current_app.extensions["disburse.db"], current_user.actor, unread_only=True,
                                  per_page=1)
        return int(box["unread"])

    app.jinja_env.globals.update(
        has_endpoint=has_endpoint, nav_links=nav_links, unread_count=unread_count, actor=common.actor,
        role_label=lambda role: str(ROLE_LABELS[role]) if role in ROLE_LABELS else labels.role_label(role),
        field_label=lambda name: str(FIELD_LABELS.get(name, name)),
    )
    # The JSON API authenticates with bearer tokens (or a SameSite session) and takes
    # JSON bodies only; CSRF tokens are for the browser's forms.
    for blueprint in app.extensions["disburse.api_blueprints"]:
        csrf.exempt(blueprint)
