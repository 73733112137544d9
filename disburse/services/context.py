"""Who acts and from where — carried into every audit entry (SPEC §8)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    id: int | None
    username: str
    role: str
    region_code: str
    region_path: str
    contractor_code: str | None = None


@dataclass(frozen=True)
class Origin:
    request_id: str | None = None
    client_addr: str | None = None
    lang: str = "zh"


#: The command line acting without a named user (e.g. ``plans import`` without ``--as``).
SYSTEM = Actor(id=None, username="system", role="system", region_code="000000", region_path="/000000/")
