"""The states and events of each workflow, as the code names them (issue 15).

The YAML in ``workflows/`` is the source of truth; these enumerations are how code refers to its names
instead of scattering string literals. :class:`disburse.domain.workflow.Workflow` checks at load that a
file's states and triggers are exactly these — a trigger renamed in a copy of a file, or one added
without its name here, stops the app from starting and names it. Each member is its string (``StrEnum``),
so it compares, stores and serialises as the name the file gives.
"""

from enum import StrEnum


class ProjectState(StrEnum):
    """SPEC §5.1."""

    PLAN_DRAFTED = "plan_drafted"
    FILED = "filed"
    TENDERED = "tendered"
    CONTRACTOR_SELECTED = "contractor_selected"
    STAGED_ACCEPTANCE = "staged_acceptance"
    FINAL_AUDIT = "final_audit"
    CLOSED = "closed"
    CLAWBACK = "clawback"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


class ProjectEvent(StrEnum):
    EDIT_PLAN = "edit_plan"
    WITHDRAW = "withdraw"
    FILE = "file"
    RETURN_FOR_REVISION = "return_for_revision"
    OPEN_TENDER = "open_tender"
    TENDER_FAILED = "tender_failed"
    REANNOUNCE_TENDER = "reannounce_tender"
    SELECT_CONTRACTOR = "select_contractor"
    START_ACCEPTANCE = "start_acceptance"
    REQUEST_FINAL_AUDIT = "request_final_audit"
    PASS_AUDIT = "pass_audit"
    FAIL_AUDIT = "fail_audit"
    SETTLE_CLAWBACK = "settle_clawback"
    SUSPEND = "suspend"
    RESUME = "resume"


class AcceptanceState(StrEnum):
    """SPEC §5.2."""

    APPLIED = "applied"
    UNDER_REVIEW = "under_review"
    PASSED = "passed"
    RECHECKED = "rechecked"
    FAILED = "failed"
    IN_NOTICE = "in_notice"
    OBJECTED = "objected"
    NOTICE_CLEAR = "notice_clear"
    APPROVED = "approved"
    RECTIFYING = "rectifying"


class AcceptanceEvent(StrEnum):
    APPLY = "apply"
    START_REVIEW = "start_review"
    PASS = "pass"
    FAIL = "fail"
    FINANCE_RECHECK = "finance_recheck"
    RETURN_TO_REVIEW = "return_to_review"
    PUBLISH = "publish"
    OBJECT = "object"
    CLOSE_NOTICE = "close_notice"
    RESOLVE_OBJECTION = "resolve_objection"
    APPROVE = "approve"
    VOTE = "vote"
    RECUSE = "recuse"
    RECTIFY = "rectify"
    REAPPLY = "reapply"


class PaymentState(StrEnum):
    """SPEC §5.3."""

    REQUESTED = "requested"
    VERIFIED = "verified"
    APPROVED = "approved"
    DISBURSED = "disbursed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class PaymentEvent(StrEnum):
    REQUEST = "request"
    VERIFY = "verify"
    APPROVE = "approve"
    DISBURSE = "disburse"
    REJECT = "reject"
    CANCEL = "cancel"


class AmendmentState(StrEnum):
    """Issue 16."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class AmendmentEvent(StrEnum):
    PROPOSE = "propose"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


#: A payment on its way: requested, verified or approved, not yet disbursed (SPEC §5.3).
IN_FLIGHT = (PaymentState.REQUESTED, PaymentState.VERIFIED, PaymentState.APPROVED)
#: A project in these states moves no money and no acceptance (SPEC §5.1, §5.3).
HALTED = (ProjectState.SUSPENDED, ProjectState.CLOSED, ProjectState.CLAWBACK)


class RecoveryState(StrEnum):
    """Issue 17: a recovery order is a receivable."""

    PROPOSED = "proposed"
    ORDERED = "ordered"
    PART_RECEIVED = "part_received"
    SETTLED = "settled"
    DISMISSED = "dismissed"


class RecoveryEvent(StrEnum):
    ORDER = "order"
    CONFIRM_ORDER = "confirm_order"
    DISMISS = "dismiss"
    RECORD_RECEIPT = "record_receipt"


#: A recovery that still stands open: proposed, or ordered and not yet received in full.
RECOVERY_OPEN = (RecoveryState.PROPOSED, RecoveryState.ORDERED, RecoveryState.PART_RECEIVED)
#: A recovery ordered (whatever was received since): what it demands counts against what was disbursed.
RECOVERY_ORDERED = (RecoveryState.ORDERED, RecoveryState.PART_RECEIVED, RecoveryState.SETTLED)
#: A recovery with money still owed on it.
RECOVERY_OWED = (RecoveryState.ORDERED, RecoveryState.PART_RECEIVED)


class ApplicationState(StrEnum):
    """Issue 20: an enterprise's application for support on a call (项目申报, seed 003 §5(2)2–3)."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    REVIEWED = "reviewed"
    RECHECKED = "rechecked"
    IN_NOTICE = "in_notice"
    OBJECTED = "objected"
    NOTICE_CLEAR = "notice_clear"
    AWARDED = "awarded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ApplicationEvent(StrEnum):
    SUBMIT = "submit"
    START_REVIEW = "start_review"
    REVIEW = "review"
    FINANCE_RECHECK = "finance_recheck"
    PUBLISH = "publish"
    CLOSE_NOTICE = "close_notice"
    OBJECT = "object"
    RESOLVE_OBJECTION = "resolve_objection"
    AWARD = "award"
    REJECT = "reject"
    WITHDRAW = "withdraw"


#: An application still standing: not rejected nor withdrawn.
APPLICATION_LIVE = (ApplicationState.SUBMITTED, ApplicationState.UNDER_REVIEW, ApplicationState.REVIEWED,
                    ApplicationState.RECHECKED, ApplicationState.IN_NOTICE, ApplicationState.OBJECTED,
                    ApplicationState.NOTICE_CLEAR, ApplicationState.AWARDED)


class VolumeReportState(StrEnum):
    """Issue 20 item 4: a beneficiary's monthly volume under a per-unit subsidy (seed 001 §5(4)3: 每单物流补贴)."""

    REPORTED = "reported"
    VERIFIED = "verified"
    REJECTED = "rejected"


class VolumeReportEvent(StrEnum):
    REPORT = "report"
    VERIFY = "verify"
    REJECT = "reject"
