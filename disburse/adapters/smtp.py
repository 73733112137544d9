"""E-mail over SMTP (SPEC §10 "e-mail over SMTP when configured").

The server is named by one URL, ``DISBURSE_SMTP_URL``::

    smtp://[user:pass@]host[:port][?from=addr&starttls=1&timeout=10]
    smtps://[user:pass@]host[:port][?from=addr&timeout=10]

``smtp`` is plain SMTP (port 25, or 587 with ``starttls=1``); ``smtps`` is SMTP
over TLS from the first byte (port 465). User and password are percent-decoded.
``from`` is the sender address (default: the user name when it is an address,
else ``disburse@localhost``, which a real relay may refuse — set it).

A transport holds one connection for a batch: ``open()``, any number of
``send()``, ``close()`` (or ``with transport:``). Every failure is one of two
kinds, so the caller knows whether to go on with the batch:
:class:`MessageRefused` (the server answered and refused this message; the
connection is still good) and :class:`ServerUnavailable` (no server, no
connection, a refused login, or the connection was lost; the transport is
closed).
"""

import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_SENDER = "disburse@localhost"
DEFAULT_TIMEOUT = 10.0
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class MailDeliveryError(Exception):
    """A message was not delivered to the SMTP server."""


class MessageRefused(MailDeliveryError):
    """The server refused this one message (recipient, sender, content); others may still go."""


class ServerUnavailable(MailDeliveryError):
    """The server cannot be reached or used (connection, TLS, login, lost connection)."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect, as read from the URL."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    use_ssl: bool = False
    starttls: bool = False
    timeout: float = DEFAULT_TIMEOUT


def parse_url(url: str) -> SmtpSettings:
    """Read an ``smtp://`` or ``smtps://`` URL; anything malformed or unknown is a ``ValueError``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP URL must start with smtp:// or smtps://, not {parts.scheme or '(none)'}://")
    if not parts.hostname:
        raise ValueError("SMTP URL names no host")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"from", "starttls", "timeout"}
    if unknown:
        raise ValueError(f"unknown SMTP URL parameter(s): {', '.join(sorted(unknown))}")
    use_ssl = parts.scheme == "smtps"
    starttls = _flag(query.get("starttls", [""])[-1])
    if use_ssl and starttls:
        raise ValueError("smtps:// is TLS already; starttls=1 is for smtp://")
    timeout = float(query.get("timeout", [str(DEFAULT_TIMEOUT)])[-1])
    if timeout <= 0:
        raise ValueError("SMTP timeout must be positive")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    sender = query.get("from", [""])[-1] or (username if username and "@" in username else DEFAULT_SENDER)
    port = parts.port or (465 if use_ssl else 587 if starttls else 25)
    return SmtpSettings(host=parts.hostname, port=port, sender=sender, username=username, password=password,
                        use_ssl=use_ssl, starttls=starttls, timeout=timeout)


def _flag(value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


def build_message(sender: str, to_addr: str, subject: str, body: str, *, date: datetime,
                  message_id: str | None = None) -> EmailMessage:
    """A UTF-8 plain-text message, 7-bit clean: RFC 2047 headers, a base64 body (any relay carries it)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to_addr
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id or make_msgid(domain=sender_domain(sender))
    msg.set_content(body, charset="utf-8", cte="base64")
    return msg


def sender_domain(sender: str) -> str:
    """The domain of an address, for Message-IDs (``localhost`` if it has none)."""
    return sender.rpartition("@")[2].strip("<> ") or "localhost"


class SmtpTransport:
    """One SMTP server; one connection per batch."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_url(cls, url: str) -> "SmtpTransport":
        return cls(parse_url(url))

    @property
    def sender(self) -> str:
        return self.settings.sender

    def open(self) -> None:
        """Connect (TLS, login as configured); a no-op when already connected."""
        if self._smtp is not None:
            return
        s = self.settings
        try:
            if s.use_ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except (OSError, smtplib.SMTPException) as exc:  # SMTPException is an OSError; both named for the reader
            raise ServerUnavailable(f"cannot connect to {s.host}:{s.port}: {_describe(exc)}") from exc
        try:
            smtp.ehlo()
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            _quietly_close(smtp)
            raise ServerUnavailable(f"{s.host}:{s.port} refused the session: {_describe(exc)}") from exc
        self._smtp = smtp

    def close(self) -> None:
        """Say QUIT and drop the connection; never raises."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            _quietly_close(smtp)

    def __enter__(self) -> "SmtpTransport":
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def send(self, to_addr: str, subject: str, body: str, *, date: datetime | None = None,
             message_id: str | None = None) -> None:
        """Hand one message to the server (opening the connection if needed).

        Raises :class:`MessageRefused` when the server refuses this message and
        :class:`ServerUnavailable` when it cannot be reached or the connection is lost.
        """
        try:
            msg = build_message(self.sender, to_addr, subject, body, message_id=message_id,
                                date=date or datetime.now(UTC))
        except (ValueError, TypeError) as exc:
            raise MessageRefused(f"cannot build a message to {to_addr!r}: {exc}") from exc
        self.open()
        smtp = self._smtp
        assert smtp is not None
        try:
            smtp.send_message(msg)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused,
                smtplib.SMTPNotSupportedError) as exc:
            if smtp.sock is None:  # smtplib closes on 421 "service not available"
                self._smtp = None
                raise ServerUnavailable(f"server closed the connection: {_describe(exc)}") from exc
            raise MessageRefused(_describe(exc)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise ServerUnavailable(f"connection lost: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    """A short, one-line account of an SMTP or socket error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items())
        return f"recipient refused ({text})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return " ".join(text.split())


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
