"""The scheduler's jobs at given moments (SPEC §10; issue 6): reports, deadlines, notices, inbox.

Each test drives seed 003's project through the API (``tests.flow``) and calls
``scheduling.tick`` at chosen local times in Asia/Shanghai, the way
``disburse scheduler tick --now`` does, then reads each user's inbox over the API.
"""

import threading
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from disburse.adapters.orm import Reminder
from disburse.services import scheduling
from disburse.services.scheduling import lead_due, report_due_date
from tests.flow import COMMERCE, CONTRACTOR_A, FINANCE, LEADER, SUPERVISOR, Flow

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hour: int = 9) -> datetime:
    return datetime(y, m, d, hour, tzinfo=SH)


def inbox(flow: Flow, user: str, **query: Any) -> dict[str, Any]:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return flow.ok(flow.get(f"/me/notifications?{qs}", user))


def kinds(flow: Flow, user: str, prefix: str = "") -> list[str]:
    """The kinds of the user's notifications, newest first (those starting with ``prefix``)."""
    return [n["kind"] for n in inbox(flow, user, per_page=200)["items"] if n["kind"].startswith(prefix)]


def filed(flow: Flow, created: datetime | None = None) -> int:
    """Seed 003's project, filed; created on 1 December 2026 unless said (no report was due before)."""
    flow.set_clock(created or at(2026, 12, 1))
    pid: int = flow.create_project()["id"]
    flow.fire_ok(pid, "file")
    return pid


# --- pure date rules ------------------------------------------------------------------------


def test_the_report_is_due_on_the_30th_or_the_last_day_of_a_shorter_month() -> None:
    assert report_due_date(2026, 11, 30) == date(2026, 11, 30)
    assert report_due_date(2026, 12, 30) == date(2026, 12, 30)
    assert report_due_date(2026, 2, 30) == date(2026, 2, 28)
    assert report_due_date(2028, 2, 30) == date(2028, 2, 29)


def test_only_the_nearest_lead_time_reached_is_due() -> None:
    deadline = date(2024, 12, 31)
    assert lead_due(date(2024, 11, 30), deadline, (30, 7, 1)) is None
    assert lead_due(date(2024, 12, 1), deadline, (30, 7, 1)) == 30
    assert lead_due(date(2024, 12, 23), deadline, (30, 7, 1)) == 30
    assert lead_due(date(2024, 12, 26), deadline, (30, 7, 1)) == 7  # caught up late: 30 is skipped
    assert lead_due(date(2024, 12, 30), deadline, (30, 7, 1)) == 1
    assert lead_due(date(2024, 12, 31), deadline, (30, 7, 1)) == 1
    assert lead_due(date(2025, 1, 1), deadline, (30, 7, 1)) is None


# --- monthly progress reports ---------------------------------------------------------------


def test_the_monthly_report_reminds_once_alerts_the_supervisor_when_late_and_stops_when_submitted(
        flow: Flow) -> None:
    pid = filed(flow)
    db = flow.db
    # the 25th: five days before the due day (seed 004 §8(1)3, lead 5 days in xx-2024)
    assert scheduling.tick(db, at(2026, 12, 25))["remind_reports"] == 1
    assert kinds(flow, COMMERCE, "report") == ["report_due"]
    note = next(n for n in inbox(flow, COMMERCE, per_page=200)["items"] if n["kind"] == "report_due")
    assert note["project_id"] == pid and "2026-12" in note["subject"] and note["read"] is False
    assert kinds(flow, SUPERVISOR, "report") == [] and kinds(flow, FINANCE, "report") == []
    # ticking again, or later in the window, sends nothing more
    assert scheduling.tick(db, at(2026, 12, 25, 15))["remind_reports"] == 0
    assert scheduling.tick(db, at(2026, 12, 28))["remind_reports"] == 0
    assert kinds(flow, COMMERCE, "report") == ["report_due"]

    # after the due day without a report: the county and its supervisor are alerted, once,
    # even with two schedulers racing on the same moment
    results: list[dict[str, int]] = []
    barrier = threading.Barrier(2)

    def race() -> None:
        barrier.wait(timeout=10)
        results.append(scheduling.tick(db, at(2026, 12, 31)))

    threads = [threading.Thread(target=race) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r["remind_reports"] for r in results) == [0, 1]
    assert kinds(flow, COMMERCE, "report") == ["report_overdue", "report_due"]
    assert kinds(flow, SUPERVISOR, "report") == ["report_overdue"]
    with db.reading() as tx:
        assert tx.session.scalar(select(func.count()).select_from(Reminder)
                                 .where(Reminder.kind == "report_overdue")) == 1

    # who is late, as the supervisor sees it
    flow.set_clock(at(2027, 1, 2))
    late = flow.ok(flow.get("/reports/late?month=2026-12", SUPERVISOR))
    assert late["late"] == 1 and late["items"][0]["status"] == "late" and late["items"][0]["days_late"] == 3

    # the report comes in: no more alerts for December
    body = {"month": "2026-12", "text": "完成县级公共服务中心装修。"}
    report = flow.ok(flow.post(f"/projects/{pid}/reports", body), 201)
    assert report["late"] is True and report["due"] == "2026-12-30"
    assert scheduling.tick(db, at(2027, 1, 7))["remind_reports"] == 0  # a week late: would re-alert
    assert kinds(flow, SUPERVISOR, "report") == ["report_overdue"]
    late = flow.ok(flow.get("/reports/late?month=2026-12", SUPERVISOR))
    assert late["late"] == 0 and late["items"][0]["status"] == "submitted_late"
    listed = flow.ok(flow.get(f"/projects/{pid}/reports"))
    assert [r["month"] for r in listed["items"]] == ["2026-12"] and listed["items"][0]["submitted_by"] == COMMERCE
    assert "report.submit" in [e["action"] for e in flow.audit_actions(pid)]


def test_a_missing_report_is_alerted_again_each_week_it_stays_missing(flow: Flow) -> None:
    filed(flow)
    assert scheduling.tick(flow.db, at(2027, 1, 1))["remind_reports"] == 1   # Dec report, 2 days late
    assert scheduling.tick(flow.db, at(2027, 1, 5))["remind_reports"] == 0   # same week
    assert scheduling.tick(flow.db, at(2027, 1, 7))["remind_reports"] == 1   # 8 days late: second week
    assert kinds(flow, SUPERVISOR, "report") == ["report_overdue", "report_overdue"]


def test_a_report_is_refused_twice_for_a_month_in_the_future_and_from_the_wrong_role(flow: Flow) -> None:
    pid = filed(flow)
    flow.set_clock(at(2026, 12, 20))
    body = {"month": "2026-12", "text": "本月完成培训3期。"}
    assert flow.post(f"/projects/{pid}/reports", body, FINANCE).status_code == 403
    flow.ok(flow.post(f"/projects/{pid}/reports", body), 201)
    again = flow.post(f"/projects/{pid}/reports", body)
    assert again.status_code == 409 and again.get_json()["unmet"][0]["code"] == "report_exists"
    future = flow.post(f"/projects/{pid}/reports", {"month": "2027-01", "text": "x"})
    assert future.status_code == 422 and "month" in future.get_json()["errors"]
    bad = flow.post(f"/projects/{pid}/reports", {"month": "2026-13", "text": "x"})
    assert bad.status_code == 422 and "month" in bad.get_json()["errors"]
    empty = flow.post(f"/projects/{pid}/reports", {"month": "2026-11"})
    assert empty.status_code == 422 and "text" in empty.get_json()["errors"]
    # a draft project takes no reports
    draft = flow.create_project()["id"]
    refused = flow.post(f"/projects/{draft}/reports", {"month": "2026-11", "text": "x"})
    assert refused.status_code == 409 and refused.get_json()["unmet"][0]["code"] == "report_project_inactive"


# --- deadlines ------------------------------------------------------------------------------


def test_a_deadline_reminds_30_7_and_1_days_ahead_once_each_and_an_overdue_line_escalates(flow: Flow) -> None:
    pid = filed(flow, at(2024, 9, 27))
    project = flow.project(pid)
    lines_due = [ln for ln in project["lines"] if ln.get("deadline") == "2024-12-31"]
    assert lines_due, "seed 003's lines are due at the end of 2024"
    db = flow.db
    first = scheduling.tick(db, at(2024, 12, 1))["remind_deadlines"]
    assert first >= len(lines_due)  # every line due 2024-12-31, and the phases ending then
    assert scheduling.tick(db, at(2024, 12, 1, 18))["remind_deadlines"] == 0
    assert scheduling.tick(db, at(2024, 12, 10))["remind_deadlines"] == 0   # still the 30-day lead
    assert scheduling.tick(db, at(2024, 12, 24))["remind_deadlines"] == first  # 7 days
    assert scheduling.tick(db, at(2024, 12, 30))["remind_deadlines"] == first  # 1 day
    assert scheduling.tick(db, at(2024, 12, 31))["remind_deadlines"] == 0
    assert kinds(flow, COMMERCE).count("deadline") == 3 * first
    assert "deadline_overdue" not in kinds(flow, SUPERVISOR)
    # the day after: every line without an approved final acceptance escalates to the supervisor
    assert scheduling.tick(db, at(2025, 1, 1))["remind_deadlines"] == len(lines_due)
    assert kinds(flow, SUPERVISOR).count("deadline_overdue") == len(lines_due)
    assert scheduling.tick(db, at(2025, 1, 3))["remind_deadlines"] == 0


# --- public notices -------------------------------------------------------------------------


def test_tick_closes_an_ended_notice_and_leaves_one_with_open_objections_to_commerce(flow: Flow) -> None:
    project, a, b = flow.selected_project()
    clear = flow.in_notice(project, a, CONTRACTOR_A)
    objected = flow.in_notice(project, b, "xp-contractor-b")
    assert flow.object_to(objected).status_code == 201
    assert flow.acceptance(objected["id"])["state"] == "objected"
    ends = datetime.fromisoformat(clear["notice"]["ends_at"])
    db = flow.db
    assert scheduling.tick(db, ends - timedelta(minutes=1))["close_notices"] == 0
    assert flow.acceptance(clear["id"])["state"] == "in_notice"
    assert scheduling.tick(db, ends + timedelta(minutes=1))["close_notices"] == 1
    assert flow.acceptance(clear["id"])["state"] == "notice_clear"
    assert flow.acceptance(objected["id"])["state"] == "objected"
    assert kinds(flow, LEADER) == ["acceptance_awaits_approval"]
    assert "notice_objections" in kinds(flow, COMMERCE)
    # closed once, told once
    assert scheduling.tick(db, ends + timedelta(hours=2))["close_notices"] == 0
    assert kinds(flow, LEADER) == ["acceptance_awaits_approval"]
    entry = [e for e in flow.audit_actions(project["id"]) if e["action"] == "acceptance.close_notice"]
    assert len(entry) == 1 and entry[0]["actor"]["username"] == "system"


# --- the inbox ------------------------------------------------------------------------------


def test_the_inbox_is_newest_first_marks_read_and_hides_other_users_notifications(flow: Flow) -> None:
    filed(flow)
    scheduling.remind_reports(flow.db, at(2026, 12, 25))
    scheduling.remind_reports(flow.db, at(2027, 1, 1))
    box = inbox(flow, COMMERCE)
    assert box["total"] == 2 and box["unread"] == 2
    assert [n["kind"] for n in box["items"]] == ["report_overdue", "report_due"]
    first = box["items"][0]["id"]
    read = flow.ok(flow.post(f"/me/notifications/{first}/read", {}))
    assert read["read"] is True and read["read_at"]
    assert inbox(flow, COMMERCE)["unread"] == 1
    assert [n["id"] for n in inbox(flow, COMMERCE, unread="true")["items"]] != [first]
    assert flow.post(f"/me/notifications/{first}/read", {}, SUPERVISOR).status_code == 404
    english = flow.client.get("/api/v1/me/notifications?lang=en", headers=flow.h(COMMERCE)).get_json()
    assert english["items"][0]["subject"].startswith("Progress report")
    assert flow.ok(flow.post("/me/notifications/read", {}))["marked"] == 1
    assert inbox(flow, COMMERCE)["unread"] == 0


# --- payments waiting and rectification -----------------------------------------------------


def test_a_payment_waiting_past_the_sla_reminds_the_role_then_escalates_after_three_times_the_sla(flow: Flow) -> None:
    project, contract, _ = flow.selected_project()
    requested_at = flow.clock.now()
    amount = f"{int(float(contract['amount']) / 10)}.00"
    payment = flow.ok(flow.post(f"/contracts/{contract['id']}/payments", {"kind": "advance", "amount": amount},
                                CONTRACTOR_A), 201)
    db = flow.db
    sla = 5  # xx-2024: approval_sla_days (a disburse default, said so in the rule file)
    assert scheduling.remind_payments(db, requested_at + timedelta(days=sla - 1)) == 0
    assert scheduling.remind_payments(db, requested_at + timedelta(days=sla, hours=1)) == 1
    assert kinds(flow, COMMERCE, "payment") == ["payment_waiting"]  # commerce verifies
    assert kinds(flow, FINANCE, "payment") == []
    assert scheduling.remind_payments(db, requested_at + timedelta(days=sla + 2)) == 0
    # verified: now it waits for finance, a new wait with its own reminders
    flow.set_clock(requested_at + timedelta(days=sla + 2))
    flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": "verify"}, COMMERCE))
    verified_at = flow.clock.now()
    assert scheduling.remind_payments(db, verified_at + timedelta(days=sla, hours=1)) == 1
    assert kinds(flow, FINANCE, "payment") == ["payment_waiting"]
    assert kinds(flow, SUPERVISOR, "payment") == []
    # twice the SLA: the bureau's other users of the role (here nobody has approved yet, so the county's
    # finance users again); three times: the supervisors (issue 21 item 3)
    assert scheduling.remind_payments(db, verified_at + timedelta(days=2 * sla, hours=1)) == 1
    assert kinds(flow, SUPERVISOR, "payment") == []
    assert scheduling.remind_payments(db, verified_at + timedelta(days=3 * sla, hours=1)) == 1
    escalation = inbox(flow, SUPERVISOR)["items"][0]
    assert escalation["kind"] == "payment_waiting" and escalation["level"] == "escalation"
    assert scheduling.remind_payments(db, verified_at + timedelta(days=3 * sla, hours=2)) == 0
    # once approved, nothing waits any more
    flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": "approve"}, FINANCE))
    assert scheduling.remind_payments(db, verified_at + timedelta(days=4 * sla)) == 0
    assert project["id"] == payment["project_id"]


def test_a_rectification_deadline_reminds_commerce_and_the_contractor_then_escalates(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    objection_id = flow.ok(flow.object_to(acceptance), 201)["id"]
    flow.act_ok(acceptance, "resolve_objection", objection_id=objection_id, decision="uphold",
                note="经核查，部分服务站点未建成")
    flow.act_ok(acceptance, "rectify", deadline="2024-11-30", note="限期整改")
    db = flow.db
    assert scheduling.remind_rectifications(db, at(2024, 11, 22)) == 1   # 8 days left: the 30-day lead
    assert scheduling.remind_rectifications(db, at(2024, 11, 23)) == 1   # 7 days left
    assert scheduling.remind_rectifications(db, at(2024, 11, 24)) == 0
    assert kinds(flow, CONTRACTOR_A, "rectification") == ["rectification", "rectification"]
    assert kinds(flow, COMMERCE, "rectification") == ["rectification", "rectification"]
    assert scheduling.remind_rectifications(db, at(2024, 12, 1)) == 1    # overdue
    assert kinds(flow, LEADER, "rectification") == ["rectification_overdue"]
    assert kinds(flow, SUPERVISOR, "rectification") == ["rectification_overdue"]
    flow.set_clock(at(2024, 12, 2))
    flow.act_ok(acceptance, "reapply", CONTRACTOR_A, note="已整改完毕")
    assert scheduling.remind_rectifications(db, at(2024, 12, 9)) == 0
