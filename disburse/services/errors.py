"""One error type per failure kind; the API maps each to its status (SPEC §11.1)."""

from typing import Any, NoReturn

from disburse.domain.unmet import Unmet


class ServiceError(Exception):
    status = 500
    title = "Error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Unauthorized(ServiceError):
    status = 401
    title = "Unauthorized"


class Forbidden(ServiceError):
    """The role may not do this (logged as a denied access)."""

    status = 403
    title = "Forbidden"


class NotFound(ServiceError):
    """No such object — or one outside the user's jurisdiction, which answers the same (SPEC §6)."""

    status = 404
    title = "Not Found"


class Conflict(ServiceError):
    """The event is not possible now: wrong state or unmet guards, listed in ``unmet``."""

    status = 409
    title = "Conflict"

    def __init__(self, detail: str, unmet: list[Unmet], **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.unmet = unmet


class Invalid(ServiceError):
    """Invalid fields: ``errors`` maps each field path to its messages."""

    status = 422
    title = "Unprocessable Entity"

    def __init__(self, detail: str, errors: dict[str, list[str]], **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.errors = errors


class RateLimited(ServiceError):
    """Too many requests of this kind from one client (SPEC §9: objections are rate-limited)."""

    status = 429
    title = "Too Many Requests"


def refuse(unmet: list[Unmet], invalid: str, conflict: str) -> NoReturn:
    """Refuse with what is unmet: invalid data (422, each message under its field) when any item names a field,
    else a conflict (409). The unmet items go with both, so a page can say them in its language with their
    clauses."""
    fields: dict[str, list[str]] = {}
    for item in unmet:
        if item.field is not None:
            fields.setdefault(item.field, []).append(item.en)
    if fields:
        raise Invalid(invalid, fields, unmet=[u for u in unmet if u.field is not None])
    raise Conflict(conflict, unmet)
