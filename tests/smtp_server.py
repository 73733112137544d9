"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping what it accepts."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and refuses what it is told to."""

    def __init__(self, *, refuse: frozenset[str] = frozenset(), hang_up_on: frozenset[str] = frozenset()) -> None:
        self.refuse = refuse
        self.hang_up_on = hang_up_on
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if set(envelope.rcpt_tos) & self.hang_up_on:
            return "421 4.3.2 service shutting down"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def to(self) -> list[str]:
        return [str(m["To"]) for m in self.messages]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(port: int, mailbox: Mailbox) -> Iterator[Mailbox]:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
