"""The in-app inbox and the e-mail queue (SPEC §10, §11.1 ``GET /me/notifications``).

Recipients are chosen by role and jurisdiction: the users of a role whose region
is the project's county (the people doing the work), or whose region contains
it above the county (those supervising it). A notification is written in the
transaction of whatever caused it; when e-mail is on, a row of
``outbound_mail`` is written with it, and the delivery job
(:mod:`disburse.services.mail`) sends it later, so no request ever waits on SMTP.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from disburse.adapters.db import Database
from disburse.adapters.orm import Notification, OutboundMail, Region, User
from disburse.services import pages
from disburse.services.context import Actor
from disburse.services.errors import NotFound


@dataclass(frozen=True)
class Message:
    """What a notification says, in both languages, and where it points."""

    kind: str
    level: str  # "reminder", "overdue" or "escalation"
    subject_zh: str
    subject_en: str
    body_zh: str
    body_en: str
    project_id: int | None = None
    link: str | None = None


class Recipient(Protocol):
    """Whom a notification goes to: a :class:`User`, or the scheduler's cached copy of one."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str | None: ...


@dataclass(frozen=True)
class Addressee:
    """A recipient as plain values, kept across transactions (the scheduler reuses them within a sweep)."""

    id: int
    email: str | None


def recipients(session: Session, *, roles: Iterable[str], county_path: str, above: bool = False) -> list[User]:
    """Active users of ``roles`` whose region is the county (``above=False``) or contains it above it.

    ``county_path`` is the materialised path of the project's region
    (``/650000/652900/652929/``). With ``above=True`` the county's own users are
    left out and every enclosing prefecture and province is taken, which is
    where supervisors sit (SPEC §1, §6).
    """
    roles = list(roles)
    codes = _codes(county_path, above)
    if not codes:
        return []
    return list(session.scalars(
        select(User).where(User.role.in_(roles), User.active.is_(True), User.region_code.in_(codes))
        .order_by(User.id)
    ))


def _codes(county_path: str, above: bool) -> list[str]:
    parts = [p for p in county_path.strip("/").split("/") if p]
    return parts[:-1] if above else parts[-1:]


class Directory:
    """The active users of some roles in every region of some counties' paths, read in one query per 500
    regions; :meth:`recipients` answers as :func:`recipients` does, from memory (the scheduler fires
    thousands of reminders to the users of a few hundred counties)."""

    def __init__(self, session: Session, roles: Iterable[str], county_paths: Iterable[str]) -> None:
        roles = sorted(set(roles))
        codes = sorted({code for path in county_paths for code in _codes(path, False) + _codes(path, True)})
        self._users: dict[tuple[str, str], list[Addressee]] = {}
        for i in range(0, len(codes) if roles else 0, 500):
            for uid, email, role, region in session.execute(
                    select(User.id, User.email, User.role, User.region_code)
                    .where(User.role.in_(roles), User.active.is_(True), User.region_code.in_(codes[i:i + 500]))):
                self._users.setdefault((role, region), []).append(Addressee(uid, email))

    def recipients(self, *, roles: Iterable[str], county_path: str, above: bool = False) -> list[Addressee]:
        """The users :func:`recipients` would return, by id."""
        found = [user for role in set(roles) for code in _codes(county_path, above)
                 for user in self._users.get((role, code), [])]
        return sorted(found, key=lambda u: u.id)


def notify(session: Session, users: Sequence[Recipient], message: Message, *, now: datetime,
           reminder_id: int | None = None, mail: bool = False) -> int:
    """Put ``message`` in each user's inbox (and the mail queue); the caller commits. Returns the count.

    The rows are added together, so the session inserts them in one batch; with e-mail, one flush
    gives the notifications their ids for the queued messages.
    """
    notes = [Notification(user_id=user.id, reminder_id=reminder_id, kind=message.kind, level=message.level,
                          project_id=message.project_id, subject_zh=message.subject_zh,
                          subject_en=message.subject_en, body_zh=message.body_zh, body_en=message.body_en,
                          link=message.link, created_at=now) for user in users]
    session.add_all(notes)
    mailed = [(note, user.email) for note, user in zip(notes, users, strict=True) if mail and user.email]
    if mailed:
        session.flush()
        session.add_all([OutboundMail(notification_id=note.id, to_addr=address,
                                      subject=f"{message.subject_zh} / {message.subject_en}",
                                      body=f"{message.body_zh}\n\n{message.body_en}\n", created_at=now,
                                      attempts=0, next_attempt_at=now) for note, address in mailed])
    return len(notes)


def notify_reminders(session: Session, fired: Sequence[tuple[int, Sequence[Recipient], Message]], *, now: datetime,
                     mail: bool = False) -> int:
    """Each ``(reminder id, users, message)`` of a batch the scheduler fired, in every user's inbox (and the
    mail queue); the caller commits. Returns the number of notifications.

    The rows are inserted with one ``executemany`` per table (SQLAlchemy Core), not one ``INSERT`` a row:
    a batch of reminders costs the same few statements however many users it reaches.
    """
    rows = [{"user_id": user.id, "reminder_id": reminder_id, "kind": m.kind, "level": m.level,
             "project_id": m.project_id, "subject_zh": m.subject_zh, "subject_en": m.subject_en,
             "body_zh": m.body_zh, "body_en": m.body_en, "link": m.link, "created_at": now, "read_at": None}
            for reminder_id, users, m in fired for user in users]
    if not rows:
        return 0
    session.execute(insert(Notification), rows)
    mailed = {(reminder_id, user.id): (user.email, m) for reminder_id, users, m in fired for user in users
              if mail and user.email}
    if mailed:
        notes = session.execute(select(Notification.id, Notification.reminder_id, Notification.user_id)
                                .where(Notification.reminder_id.in_({r for r, _ in mailed})))
        session.execute(insert(OutboundMail), [
            {"notification_id": note_id, "to_addr": address, "subject": f"{m.subject_zh} / {m.subject_en}",
             "body": f"{m.body_zh}\n\n{m.body_en}\n", "created_at": now, "attempts": 0, "next_attempt_at": now,
             "sent_at": None, "last_error": None}
            for note_id, reminder_id, user_id in notes
            if reminder_id is not None and (reminder_id, user_id) in mailed
            for address, m in [mailed[(reminder_id, user_id)]]])
    return len(rows)


def view(note: Notification, lang: str = "zh") -> dict[str, Any]:
    return {
        "id": note.id,
        "kind": note.kind,
        "level": note.level,
        "project_id": note.project_id,
        "subject": note.subject_en if lang == "en" else note.subject_zh,
        "body": note.body_en if lang == "en" else note.body_zh,
        "subject_zh": note.subject_zh,
        "subject_en": note.subject_en,
        "link": note.link,
        "created_at": note.created_at.isoformat(),
        "read": note.read_at is not None,
        "read_at": note.read_at.isoformat() if note.read_at else None,
    }


def inbox(db: Database, actor: Actor, *, unread_only: bool = False, page: int = 1, per_page: int = 20,
          lang: str = "zh") -> dict[str, Any]:
    """The actor's notifications, newest first, with the unread count."""
    if actor.id is None:
        return {**pages.page([], 0, page, per_page), "unread": 0}
    with db.reading() as tx:
        s = tx.session
        where = [Notification.user_id == actor.id]
        if unread_only:
            where.append(Notification.read_at.is_(None))
        total = s.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
        unread = s.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.user_id == actor.id, Notification.read_at.is_(None))) or 0
        rows = s.scalars(select(Notification).where(*where).order_by(Notification.id.desc())
                         .limit(per_page).offset((page - 1) * per_page))
        return {**pages.page([view(n, lang) for n in rows], total, page, per_page), "unread": unread}


def mark_read(db: Database, actor: Actor, notification_id: int, *, now: datetime, lang: str = "zh") -> dict[str, Any]:
    """Mark one of the actor's own notifications read (someone else's is 404)."""
    with db.writing() as tx:
        note = tx.session.get(Notification, notification_id)
        if note is None or note.user_id != actor.id:
            raise NotFound(f"no notification {notification_id}")
        if note.read_at is None:
            note.read_at = now
        result = view(note, lang)
        tx.commit()
        return result


def mark_all_read(db: Database, actor: Actor, *, now: datetime) -> int:
    with db.writing() as tx:
        count = tx.session.execute(
            update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
            .values(read_at=now)
        ).rowcount
        tx.commit()
        return int(count or 0)


def county_path(session: Session, region_code: str) -> str:
    path = session.scalar(select(Region.path).where(Region.code == region_code))
    return path or f"/{region_code}/"
