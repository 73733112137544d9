"""Guards of the volume report workflow (``workflows/volume_report.yaml``), one function each (issue 20 item 4).

Seed 001 §5(4)3 pays a logistics subsidy per delivered order after the fact (按照先建后补政策，实现每单物流补贴):
the enterprise awarded on a per-unit call reports, for a month that has ended and lies in the project's
period, how many units it delivered, with its evidence (documents of the project); commerce verifies the
volume — someone other than whoever reported it, at most the volume reported — or rejects the report with
a note. One report stands for a month (a rejected one may be reported again). What a verified month may be
paid is the verified volume × the rate, at most the call's monthly cap (:func:`payable`). The messages cite
the official document by title and section, as users read them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from disburse.domain.citations import BURQIN, cite
from disburse.domain.states import ApplicationState
from disburse.domain.unmet import Unmet

UNIT_CLAUSE = cite(BURQIN, "五(四)3", "按照先建后补政策，实现每单物流补贴")


def payable(verified_volume: int, rate: Decimal, cap: Decimal | None) -> Decimal:
    """What a verified month may be paid: the verified volume × the rate (exact: the rate is in fen), at most the
    call's monthly cap."""
    amount = rate * verified_volume
    return amount if cap is None else min(amount, cap)


@dataclass(frozen=True)
class VolumeRef:
    """The volume report a per-unit subsidy's payment names, as the payment gates read it."""

    id: int
    #: the report is of the agreement's application
    of_agreement: bool
    month: str
    state: str
    unit_name: str | None
    rate: Decimal
    cap: Decimal | None
    verified_volume: int | None
    #: the other payments on this report neither rejected nor cancelled
    paid_by: tuple[int, ...] = ()
    #: who verified the volume (the month's acceptance verdict)
    verified_by: int | None = None

    @property
    def payable(self) -> Decimal | None:
        """What the verified month may be paid (:func:`payable`); None until verified."""
        return None if self.verified_volume is None else payable(self.verified_volume, self.rate, self.cap)


@dataclass(frozen=True)
class VolumeFacts:
    """One volume report (or one about to be made) and what its guards look at."""

    state: str
    actor_role: str
    actor_id: int | None
    application_state: str
    #: the call's unit, yuan per unit and monthly cap (rate None: a lump-sum call)
    unit_name: str | None
    unit_rate: Decimal | None
    unit_cap: Decimal | None
    month: str
    volume: int
    #: today in Asia/Shanghai
    today: date
    period_start: date | None = None
    period_end: date | None = None
    #: the months of the application's other reports not rejected
    months_reported: tuple[str, ...] = ()
    #: the documents named that are not the project's
    foreign_documents: tuple[int, ...] = ()
    reported_by: int | None = None
    #: the award less what is disbursed and in flight on its agreement; None before the award
    award_left: Decimal | None = None
    data: dict[str, Any] = field(default_factory=dict)
    #: the person acting and, under a delegation, the principal (issue 21 item 2): four eyes counts both
    actor_ids: frozenset[int] = frozenset()


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


# --- reporting -------------------------------------------------------------------------------------------


def application_awarded(f: VolumeFacts) -> list[Unmet]:
    """Volumes are reported on an awarded application only (先建后补: the subsidy is paid on what was delivered
    once the support is awarded)."""
    if f.application_state == ApplicationState.AWARDED:
        return []
    return [Unmet("application_not_awarded", "项目申报尚未批准补助，不能报送业务量",
                  "The application is not awarded; no volume can be reported on it", UNIT_CLAUSE)]


def per_unit_call(f: VolumeFacts) -> list[Unmet]:
    """Only a call that pays per unit takes volume reports."""
    if f.unit_rate is not None:
        return []
    return [Unmet("not_per_unit", "该项目申报通知未设按量补助标准（每单补助），不按业务量拨付",
                  "The call sets no per-unit rate; its subsidy is not paid on volumes", UNIT_CLAUSE)]


def award_not_used_up(f: VolumeFacts) -> list[Unmet]:
    """Once the award is disbursed or in flight in full, no month is reported any more: nothing is left to pay
    it with (a payment rejected or cancelled frees its amount again)."""
    if f.award_left is None or f.award_left > 0:
        return []
    return [Unmet("award_used_up", "批准的补助资金已全部拨付或在途，不再受理业务量报送",
                  "The award is disbursed or in flight in full; no more volume is taken", UNIT_CLAUSE)]


def month_ended(f: VolumeFacts) -> list[Unmet]:
    """A month is reported once it has ended (Asia/Shanghai): its orders are all delivered (先建后补)."""
    if _first_day(f.month) < f.today.replace(day=1):
        return []
    return [Unmet("month_not_ended", f"{f.month} 月尚未结束，月度业务量须在月份结束后报送",
                  f"The month {f.month} has not ended; a month's volume is reported after it", UNIT_CLAUSE,
                  field="month")]


def month_in_period(f: VolumeFacts) -> list[Unmet]:
    """The month lies in the project's implementation period (a month partly inside counts)."""
    first = _first_day(f.month)
    before = f.period_start is not None and first < f.period_start.replace(day=1)
    after = f.period_end is not None and first > f.period_end
    if not before and not after:
        return []
    period = f"{f.period_start or ''}—{f.period_end or ''}"
    return [Unmet("month_outside_period", f"{f.month} 不在项目实施期（{period}）内",
                  f"The month {f.month} is outside the project's period ({period})", UNIT_CLAUSE, field="month")]


def month_not_reported(f: VolumeFacts) -> list[Unmet]:
    """One report a month: a month already reported (and not rejected) is not reported again."""
    if f.month not in f.months_reported:
        return []
    return [Unmet("month_already_reported", f"{f.month} 的业务量已报送，同一月份只报送一次（被退回的可重新报送）",
                  f"The volume of {f.month} is already reported; a month is reported once (again only if rejected)",
                  UNIT_CLAUSE)]


def evidence_given(f: VolumeFacts) -> list[Unmet]:
    """A report brings its evidence: at least one document (order records, waybills)."""
    if f.data.get("document_ids"):
        return []
    return [Unmet("evidence_missing", "报送业务量须附佐证材料（订单记录、运单等）",
                  "A volume report needs its evidence (order records, waybills)", UNIT_CLAUSE, field="document_ids")]


def documents_of_project(f: VolumeFacts) -> list[Unmet]:
    if not f.foreign_documents:
        return []
    ids = ", ".join(str(i) for i in f.foreign_documents)
    return [Unmet("document_not_of_project", f"佐证材料 {ids} 不属于本项目",
                  f"The documents {ids} are not this project's", UNIT_CLAUSE, field="document_ids")]


# --- verifying -------------------------------------------------------------------------------------------


def another_verifies(f: VolumeFacts) -> list[Unmet]:
    """Four eyes: the volume is verified by someone other than whoever reported it (commerce reporting on the
    enterprise's behalf included)."""
    if f.reported_by is None or f.reported_by not in (f.actor_ids or {f.actor_id}):
        return []
    return [Unmet("same_user_as_reporter", "核实人不能是报送人本人",
                  "The volume must be verified by someone other than whoever reported it", UNIT_CLAUSE)]


def verified_within_reported(f: VolumeFacts) -> list[Unmet]:
    """The verified volume is a whole number from 0 to the volume reported (核减 below it is allowed)."""
    verified = f.data.get("verified_volume")
    if verified is None or 0 <= verified <= f.volume:
        return []
    unit = f.unit_name or "单"
    return [Unmet("verified_above_reported", f"核实业务量 {verified} {unit} 须在 0 至报送的 {f.volume} {unit} 之间",
                  f"A verified volume of {verified} must lie between 0 and the {f.volume} reported",
                  UNIT_CLAUSE, field="verified_volume")]


VOLUME_GUARDS: dict[str, Callable[[VolumeFacts], list[Unmet]]] = {
    f.__name__: f for f in (application_awarded, per_unit_call, award_not_used_up, month_ended, month_in_period,
                            month_not_reported, evidence_given, documents_of_project, another_verifies,
                            verified_within_reported)}
