"""E-mail delivery to a real SMTP server (aiosmtpd on 127.0.0.1), retried with back-off, never lost (SPEC §10)."""

import ast
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from disburse.adapters.db import Database
from disburse.adapters.orm import OutboundMail, User
from disburse.adapters.smtp import SmtpTransport, parse_url
from disburse.services import mail, users
from disburse.services.notifications import Message, notify
from tests.smtp_server import Mailbox, free_port, smtp_server

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SENDER = "noreply@disburse.example.cn"
PACKAGE = Path(__file__).resolve().parents[2] / "disburse"


def transport(port: int) -> SmtpTransport:
    return SmtpTransport.from_url(f"smtp://127.0.0.1:{port}?from={SENDER}&timeout=5")


def queue(db: Database, to_addr: str, *, subject: str = "提醒 / Reminder", body: str = "正文\n\nBody\n") -> int:
    with db.writing() as tx:
        row = OutboundMail(to_addr=to_addr, subject=subject, body=body, created_at=NOW, attempts=0,
                           next_attempt_at=NOW)
        tx.session.add(row)
        tx.session.flush()
        row_id = row.id
        tx.commit()
    return row_id


def row(db: Database, row_id: int) -> OutboundMail:
    with db.reading() as tx:
        found = tx.session.get(OutboundMail, row_id)
    assert found is not None
    return found


def test_a_queued_notification_arrives_once_with_its_chinese_text_intact(db: Database) -> None:
    user_id = users.create_user(db, "keping-commerce", role="commerce", region="652929",
                                password="long enough pw", email="commerce@keping.example.cn")
    message = Message(kind="report_due", level="reminder",
                      subject_zh="进度月报提醒：柯坪县电子商务进农村综合示范项目",
                      subject_en="Monthly progress report due",
                      body_zh="请于3月30日前提交2月份进度月报。",
                      body_en="Please submit February's report by 30 March.")
    with db.writing() as tx:
        user = tx.session.get(User, user_id)
        assert user is not None
        notify(tx.session, [user], message, now=NOW, mail=True)
        tx.commit()
    port = free_port()
    with smtp_server(port, Mailbox()) as box:
        assert mail.deliver_due(db, NOW, transport(port)) == 1
        assert mail.deliver_due(db, NOW + timedelta(hours=1), transport(port)) == 0
    assert len(box.messages) == 1
    got = box.messages[0]
    assert got["Subject"] == "进度月报提醒：柯坪县电子商务进农村综合示范项目 / Monthly progress report due"
    assert got.get_content() == "请于3月30日前提交2月份进度月报。\n\nPlease submit February's report by 30 March.\n"
    assert (got["From"], got["To"]) == (SENDER, "commerce@keping.example.cn")
    assert str(got["Message-ID"]).endswith("@disburse.example.cn>") and got["Date"].datetime == NOW
    with db.reading() as tx:
        sent = tx.session.scalar(select(OutboundMail))
    assert sent is not None and sent.sent_at == NOW and sent.attempts == 1 and sent.last_error is None
    assert mail.pending(db) == 0


def test_a_mail_waits_while_the_server_is_down_and_is_sent_once_it_is_back(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    row_id = queue(db, "finance@keping.example.cn", subject="付款待审批 / Payment awaiting approval")
    port = free_port()  # nothing listens here yet
    with caplog.at_level(logging.WARNING, logger="disburse.services.mail"):
        assert mail.deliver_due(db, NOW, transport(port)) == 0
    failed = row(db, row_id)
    assert failed.sent_at is None and failed.attempts == 1 and failed.last_error
    assert "cannot connect" in failed.last_error
    assert failed.next_attempt_at == NOW + timedelta(minutes=1)
    assert f"mail {row_id} to finance@keping.example.cn not delivered" in caplog.text
    with smtp_server(port, Mailbox()) as box:
        assert mail.deliver_due(db, NOW + timedelta(seconds=59), transport(port)) == 0
        assert box.messages == [] and row(db, row_id).attempts == 1
        later = NOW + timedelta(minutes=1, seconds=5)
        assert mail.deliver_due(db, later, transport(port)) == 1
        assert mail.deliver_due(db, later + timedelta(hours=7), transport(port)) == 0
    assert box.to() == ["finance@keping.example.cn"]
    assert box.messages[0]["Subject"] == "付款待审批 / Payment awaiting approval"
    delivered = row(db, row_id)
    assert delivered.sent_at == later and delivered.attempts == 2


def test_a_refused_recipient_does_not_hold_up_the_others(db: Database) -> None:
    bad = queue(db, "nobody@keping.example.cn")
    good = queue(db, "leader@keping.example.cn")
    port = free_port()
    with smtp_server(port, Mailbox(refuse=frozenset({"nobody@keping.example.cn"}))) as box:
        assert mail.deliver_due(db, NOW, transport(port)) == 1
    assert box.to() == ["leader@keping.example.cn"] and row(db, good).sent_at == NOW
    refused = row(db, bad)
    assert refused.sent_at is None and refused.attempts == 1
    assert refused.last_error and "550" in refused.last_error
    assert mail.pending(db) == 1
    report = mail.status(db, NOW)
    assert (report["sent"], report["pending"], report["due"], report["retrying"]) == (1, 1, 0, 1)
    assert report["failing"][0]["id"] == bad and "550" in report["failing"][0]["last_error"]


def test_a_delivery_asked_to_stop_ends_between_two_messages_and_the_rest_stay_due(db: Database) -> None:
    first, second = queue(db, "first@keping.example.cn"), queue(db, "second@keping.example.cn")
    asked: list[bool] = []

    def stopping() -> bool:  # SIGTERM arrives while the first message is being sent
        asked.append(True)
        return len(asked) > 1

    port = free_port()
    with smtp_server(port, Mailbox()) as box:
        assert mail.deliver_due(db, NOW, transport(port), stopping=stopping) == 1
    assert box.to() == ["first@keping.example.cn"] and row(db, first).sent_at == NOW
    assert row(db, second).sent_at is None and row(db, second).attempts == 0


def test_a_server_that_hangs_up_ends_the_batch_and_the_rest_wait_their_turn(db: Database) -> None:
    first = queue(db, "first@keping.example.cn")
    second = queue(db, "second@keping.example.cn")
    port = free_port()
    with smtp_server(port, Mailbox(hang_up_on=frozenset({"first@keping.example.cn"}))) as box:
        assert mail.deliver_due(db, NOW, transport(port)) == 0
    assert box.messages == []
    assert row(db, first).attempts == 1 and row(db, first).next_attempt_at == NOW + timedelta(minutes=1)
    untried = row(db, second)
    assert untried.attempts == 0 and untried.next_attempt_at == NOW  # still due, not counted as a failure
    with smtp_server(port, Mailbox()) as box:
        assert mail.deliver_due(db, NOW + timedelta(minutes=2), transport(port)) == 2
    assert box.to() == ["first@keping.example.cn", "second@keping.example.cn"]


def test_two_deliverers_at_once_send_each_mail_exactly_once(db: Database) -> None:
    ids = [queue(db, f"user{i}@keping.example.cn") for i in range(20)]
    port = free_port()
    with smtp_server(port, Mailbox()) as box, ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(mail.deliver_due, db, NOW, transport(port)) for _ in range(2)]
        assert sum(run.result(timeout=60) for run in runs) == 20
    assert sorted(box.to()) == sorted(f"user{i}@keping.example.cn" for i in range(20))
    assert len({str(m["Message-ID"]) for m in box.messages}) == 20
    assert all(row(db, i).sent_at == NOW for i in ids) and mail.pending(db) == 0


def test_a_mail_another_deliverer_holds_is_skipped_not_waited_for(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole write transactions")
    held = queue(db, "held@keping.example.cn")
    free = queue(db, "free@keping.example.cn")
    port = free_port()
    with smtp_server(port, Mailbox()) as box, ThreadPoolExecutor(1) as pool:
        with db.writing() as other:
            other.session.scalar(select(OutboundMail).where(OutboundMail.id == held).with_for_update())
            run = pool.submit(mail.deliver_due, db, NOW, transport(port))
            sent = run.result(timeout=10)  # a deliverer that waited for the lock would time out here
    assert sent == 1
    assert box.to() == ["free@keping.example.cn"] and row(db, free).sent_at == NOW
    assert row(db, held).sent_at is None and row(db, held).attempts == 0


def test_backoff_doubles_from_one_minute_and_stops_at_six_hours() -> None:
    minutes = [mail.backoff(n) / timedelta(minutes=1) for n in range(1, 12)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]
    assert mail.backoff(10_000) == timedelta(hours=6)
    with pytest.raises(ValueError):
        mail.backoff(0)


def test_smtp_urls_name_the_server_the_tls_and_the_sender() -> None:
    plain = parse_url("smtp://mail.example.cn")
    assert (plain.host, plain.port, plain.use_ssl, plain.starttls, plain.sender) == (
        "mail.example.cn", 25, False, False, "disburse@localhost")
    submission = parse_url("smtp://notice%40gov.cn:p%40ss%3Aw@mail.gov.cn?starttls=1&timeout=3")
    assert (submission.port, submission.starttls, submission.timeout) == (587, True, 3.0)
    assert (submission.username, submission.password, submission.sender) == ("notice@gov.cn", "p@ss:w", "notice@gov.cn")
    tls = parse_url("smtps://u:p@mail.gov.cn:2465?from=noreply@gov.cn")
    assert (tls.port, tls.use_ssl, tls.sender) == (2465, True, "noreply@gov.cn")
    for bad in ("http://mail.gov.cn", "smtp://", "smtp://h?form=x", "smtps://h?starttls=1", "smtp://h?starttls=maybe"):
        with pytest.raises(ValueError):
            parse_url(bad)


def test_no_request_path_talks_to_smtp() -> None:
    """Only the scheduler's job sends mail: the web and API layers never import the transport."""
    smtp_modules = {"smtplib", "disburse.adapters.smtp", "disburse.services.mail"}
    offenders = []
    for folder in ("api", "web"):
        for source in sorted((PACKAGE / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
                         if isinstance(node, ast.ImportFrom) else [])
                offenders += [f"{source.name}: {n}" for n in names if n in smtp_modules]
    assert offenders == []
