"""What people call the codes the service keeps: roles, project states, payment steps, audit actions (issue 18).

A page, a PDF, an export or a refusal never shows a bare code (``verify``, ``public_service_center``,
``auth.login``): it shows the label, in Chinese or English. The workflows' own states and events are
labelled in ``workflows/*.yaml``; the few a domain refusal names are repeated here as plain tables (a unit
test holds them equal to the files), so the domain stays free of file reading. Audit actions that are not
workflow events (``kind.trigger``) are labelled here only; :func:`audit_action` labels both kinds and, for an
action nobody labelled, says so next to the code instead of showing the code alone.
"""

from collections.abc import Callable, Mapping

#: A label: (Chinese, English).
Label = tuple[str, str]

ROLES: Mapping[str, Label] = {
    "commerce": ("商务部门", "Commerce bureau"), "finance": ("财政部门", "Finance bureau"),
    "leader": ("领导小组", "Leading group"), "supervisor": ("上级监管", "Supervising authority"),
    "inspector": ("纪检监察", "Discipline inspection"), "contractor": ("承办企业", "Contractor"),
    "admin": ("系统管理员", "System administrator"), "public": ("社会公众", "The public"),
    "system": ("系统", "The system"),
}

#: The project workflow's states (``workflows/project.yaml``), as refusals of other workflows name them.
PROJECT_STATES: Mapping[str, Label] = {
    "plan_drafted": ("方案编制", "Plan drafted"), "filed": ("已报备", "Filed"), "tendered": ("招标中", "Tendering"),
    "contractor_selected": ("已确定承办企业", "Contractor selected"),
    "staged_acceptance": ("阶段验收", "Staged acceptance"),
    "final_audit": ("终验与绩效评价", "Final audit and evaluation"), "closed": ("已结项", "Closed"),
    "clawback": ("资金收回", "Clawback"), "suspended": ("已暂停", "Suspended"), "withdrawn": ("已撤回", "Withdrawn"),
}

#: The acceptance workflow's states (``workflows/acceptance.yaml``), as payment refusals name them.
ACCEPTANCE_STATES: Mapping[str, Label] = {
    "applied": ("已申请", "Applied"), "under_review": ("评审中", "Under review"), "passed": ("验收合格", "Passed"),
    "rechecked": ("财政已复核", "Re-checked by finance"), "failed": ("验收不合格", "Failed"),
    "in_notice": ("公示中", "In public notice"), "objected": ("公示有异议", "Objected"),
    "notice_clear": ("公示无异议", "Notice clear"), "approved": ("领导小组已审定", "Approved"),
    "rectifying": ("整改中", "Rectifying"),
}

#: The steps a payment passes (``workflows/payment.yaml`` events), as the four-eyes refusal names them.
PAYMENT_STEPS: Mapping[str, Label] = {
    "request": ("申请拨付", "Request a payment"), "verify": ("审核", "Verify"), "approve": ("批准", "Approve"),
    "disburse": ("拨付", "Disburse"),
}

#: Audit actions that are not workflow events; a workflow event is logged as ``<workflow>.<trigger>``.
AUDIT_ACTIONS: Mapping[str, Label] = {
    "auth.login": ("登录", "Logged in"),
    "auth.login_failed": ("登录失败", "Failed login"),
    "auth.locked": ("账户因多次登录失败被锁定", "Account locked after failed logins"),
    "auth.logout": ("退出登录", "Logged out"),
    "access.denied": ("拒绝访问", "Access denied"),
    "user.create": ("创建用户", "Created a user"),
    "user.reset_password": ("重置密码", "Reset a password"),
    "user.disable": ("停用用户", "Disabled a user"),
    "user.enable": ("启用用户", "Enabled a user"),
    "delegation.give": ("委托代理", "Delegated work to a deputy"),
    "delegation.revoke": ("撤销代理委托", "Revoked a delegation"),
    "project.create": ("创建项目（方案草案）", "Created a project (draft plan)"),
    "contract.sign": ("签订合同", "Signed a contract"),
    "contract.record_payee": ("登记收款账户", "Recorded the payee's account"),
    "contract.withdraw": ("撤回合同", "Withdrew a contract"),
    "allocation.record": ("登记资金到位", "Recorded funds arrived"),
    "call.open": ("发布项目申报通知", "Opened a call for applications"),
    "document.upload": ("上传文件", "Uploaded a document"),
    "report.submit": ("报送进度月报", "Submitted a progress report"),
    "objection.file": ("提出异议", "Filed an objection"),
}


#: Kinds of payment, as the voucher and the ledger's workbook name them.
PAYMENT_KINDS: Mapping[str, Label] = {"advance": ("预拨资金", "Advance"), "stage": ("阶段拨付", "Stage payment"),
                                      "final": ("尾款", "Final payment"), "subsidy": ("补助资金", "Subsidy")}


def pick(label: Label, lang: str) -> str:
    return label[1] if lang == "en" else label[0]


def of(table: Mapping[str, Label], code: str, lang: str) -> str:
    """A code's label from a table; a code the table lacks is shown with a note that it has no label."""
    if code in table:
        return pick(table[code], lang)
    return f"{code} (unlabelled)" if lang == "en" else f"{code}（未登记名称）"


def audit_action(action: str, lang: str, event_label: Callable[[str, str], Label | None]) -> str:
    """An audit action in words: a fixed action from :data:`AUDIT_ACTIONS`, or a workflow event
    ``<workflow>.<trigger>`` as "<workflow label>：<event label>" (``event_label(workflow, trigger)`` gives
    both, or None for an event the workflows do not have)."""
    if action in AUDIT_ACTIONS:
        return pick(AUDIT_ACTIONS[action], lang)
    workflow, _, trigger = action.partition(".")
    found = event_label(workflow, trigger) if trigger else None
    if found is None:
        return of({}, action, lang)
    return pick(found, lang)
