"""Delivering the e-mail queue over SMTP (SPEC §10 "e-mail over SMTP when configured").

Mail is queued as rows of ``outbound_mail`` in the transaction of the
notification that causes it (:func:`disburse.services.notifications.notify`);
only the scheduler's delivery job calls :func:`deliver_due`, so no request ever
waits on an SMTP server.

Rules:

* **Never lost.** Rows are never deleted. A failed attempt leaves the row
  unsent with ``attempts`` counted up, a short ``last_error`` and
  ``next_attempt_at`` pushed back by :func:`backoff` (1, 2, 4 … minutes, at
  most 6 hours), and it is tried again for as long as it stays unsent.
* **One at a time, locked.** Each message is taken in its own write
  transaction: the oldest due row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
  two deliverers never take the same row; SQLite's ``BEGIN IMMEDIATE``
  serialises them), sent, and marked sent or failed in that same transaction,
  which commits at once.
* **At least once.** If the process dies (or the database fails) after the
  server accepted a message and before ``sent_at`` is committed, the message is
  sent again on the next run. Committing right after each send keeps that
  window to one message and a few milliseconds; the Message-ID is the same on
  every attempt (``<disburse-mail-{id}-…@domain>``), so a mail client that
  de-duplicates by it shows one copy.
* **A bad message does not block the queue**: a refused message is marked and
  the batch goes on; an unreachable server (no connection, refused login, lost
  connection) marks the message being tried and ends the batch, leaving the
  rest due for the next run.
"""

import enum
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disburse.adapters.db import Database
from disburse.adapters.orm import OutboundMail
from disburse.adapters.smtp import MailDeliveryError, ServerUnavailable, sender_domain

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
MAX_ERROR_CHARS = 500


class Transport(Protocol):
    """What delivery needs from a mail server connection (:class:`disburse.adapters.smtp.SmtpTransport`)."""

    @property
    def sender(self) -> str: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def send(self, to_addr: str, subject: str, body: str, *, date: datetime | None = None,
             message_id: str | None = None) -> None: ...


class _Outcome(enum.Enum):
    NOTHING_DUE = "nothing due"
    SENT = "sent"
    REFUSED = "refused"
    SERVER_UNAVAILABLE = "server unavailable"


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1 min, doubling, at most 6 h."""
    if attempts < 1:
        raise ValueError("backoff is for a message that has failed at least once")
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 16), MAX_RETRY)


def deliver_due(db: Database, now: datetime, transport: Transport, *, batch: int = 50,
                stopping: Callable[[], bool] = lambda: False) -> int:
    """Send up to ``batch`` queued messages due at ``now``, oldest first; returns how many were sent.

    One connection serves the batch; it is opened only when something is due,
    and outside any transaction, so an unreachable server never holds a lock.
    The batch ends early, between two messages, once ``stopping()`` is true (the
    scheduler's SIGTERM); the rest stay due.
    """
    if batch < 1 or not _anything_due(db, now):
        return 0
    try:
        transport.open()
    except ServerUnavailable as exc:
        _fail_next(db, now, exc)
        return 0
    sent = 0
    try:
        for _ in range(batch):
            if stopping():
                break
            outcome = _deliver_next(db, now, transport)
            if outcome is _Outcome.SENT:
                sent += 1
            elif outcome in (_Outcome.NOTHING_DUE, _Outcome.SERVER_UNAVAILABLE):
                break
    finally:
        transport.close()
    return sent


def pending(db: Database) -> int:
    """How many messages are not sent yet (due now or waiting for a retry)."""
    with db.reading() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(OutboundMail)
                                     .where(OutboundMail.sent_at.is_(None))) or 0)


def status(db: Database, now: datetime, *, failing: int = 20) -> dict[str, Any]:
    """The queue for operators: counts, the oldest unsent message, and the unsent ones that have failed."""
    unsent = OutboundMail.sent_at.is_(None)
    with db.reading() as tx:
        s = tx.session

        def count(*where: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(OutboundMail).where(*where)) or 0)

        oldest = s.scalar(select(func.min(OutboundMail.created_at)).where(unsent))
        rows = s.scalars(select(OutboundMail).where(unsent, OutboundMail.attempts > 0)
                         .order_by(OutboundMail.attempts.desc(), OutboundMail.id).limit(failing))
        return {
            "sent": count(OutboundMail.sent_at.is_not(None)),
            "pending": count(unsent),
            "due": count(unsent, OutboundMail.next_attempt_at <= now),
            "retrying": count(unsent, OutboundMail.attempts > 0),
            "oldest_pending_since": oldest.isoformat() if oldest else None,
            "failing": [{"id": m.id, "to": m.to_addr, "attempts": m.attempts,
                         "next_attempt_at": m.next_attempt_at.isoformat(), "last_error": m.last_error}
                        for m in rows],
        }


def message_id(mail: OutboundMail, sender: str) -> str:
    """The same Message-ID on every attempt of one queued message."""
    return f"<disburse-mail-{mail.id}-{mail.created_at:%Y%m%d%H%M%S}@{sender_domain(sender)}>"


def _due(session: Session, now: datetime) -> OutboundMail | None:
    """The oldest unsent message due at ``now`` that no other deliverer holds, locked."""
    return session.scalar(
        select(OutboundMail)
        .where(OutboundMail.sent_at.is_(None), OutboundMail.next_attempt_at <= now)
        .order_by(OutboundMail.id).limit(1)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
    )


def _anything_due(db: Database, now: datetime) -> bool:
    with db.reading() as tx:
        return tx.session.scalar(
            select(OutboundMail.id).where(OutboundMail.sent_at.is_(None), OutboundMail.next_attempt_at <= now)
            .limit(1)
        ) is not None


def _deliver_next(db: Database, now: datetime, transport: Transport) -> _Outcome:
    with db.writing() as tx:
        mail = _due(tx.session, now)
        if mail is None:
            return _Outcome.NOTHING_DUE
        mail.attempts += 1
        try:
            transport.send(mail.to_addr, mail.subject, mail.body, date=now,
                           message_id=message_id(mail, transport.sender))
        except MailDeliveryError as exc:
            _record_failure(mail, now, exc)
            tx.commit()
            _log_failure(mail, exc)
            return _Outcome.SERVER_UNAVAILABLE if isinstance(exc, ServerUnavailable) else _Outcome.REFUSED
        mail.sent_at = now
        tx.commit()
    log.info("mail %s to %s sent (attempt %d)", mail.id, mail.to_addr, mail.attempts)
    return _Outcome.SENT


def _fail_next(db: Database, now: datetime, exc: MailDeliveryError) -> None:
    """The server could not be reached: count it against the message that would have gone first."""
    with db.writing() as tx:
        mail = _due(tx.session, now)
        if mail is None:
            return
        mail.attempts += 1
        _record_failure(mail, now, exc)
        tx.commit()
    _log_failure(mail, exc)


def _record_failure(mail: OutboundMail, now: datetime, exc: MailDeliveryError) -> None:
    mail.last_error = str(exc)[:MAX_ERROR_CHARS]
    mail.next_attempt_at = now + backoff(mail.attempts)


def _log_failure(mail: OutboundMail, exc: MailDeliveryError) -> None:
    log.warning("mail %s to %s not delivered (attempt %d, next at %s): %s",
                mail.id, mail.to_addr, mail.attempts, mail.next_attempt_at.isoformat(), exc)
