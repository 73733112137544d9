"""The one page shape every list of the API answers with: ``{items, page, per_page, total}``."""

from typing import Any


def page(items: list[Any], total: int, number: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "page": number, "per_page": per_page, "total": total}


def whole(items: list[Any]) -> dict[str, Any]:
    """A short list given in full, as one page."""
    return page(items, len(items), 1, max(len(items), 1))
