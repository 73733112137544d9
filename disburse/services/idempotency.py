"""``Idempotency-Key`` (SPEC §11.1): the first response is kept with the request's hash.

The key is claimed inside the same transaction as the change it protects, after
the locks are taken, so a replay — even one racing the first request — finds
the stored response instead of paying twice. Keys are scoped to the user and
kept at least 24 hours (they are never purged yet). Only successful responses
are stored: a refused request changed nothing, and asking again asks again.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from disburse.adapters.db import Database
from disburse.adapters.orm import IdempotencyKey
from disburse.domain.audit import canonical_json
from disburse.domain.citations import SYSTEM_RULE
from disburse.domain.unmet import Unmet
from disburse.services.context import Actor
from disburse.services.errors import Conflict, Invalid


@dataclass(frozen=True)
class Idem:
    """A request's key and hash, and how its answer is written down to be replayed (the API's schema:
    the service answers a typed value, the edge serialises it)."""

    key: str
    request_hash: str
    render: Callable[[Any], Any] = lambda view: view


def request_hash(method: str, path: str, body: Any) -> str:
    """What makes two requests the same request: method, path and body."""
    return hashlib.sha256(canonical_json({"method": method, "path": path, "body": body}).encode()).hexdigest()


def make(key: str | None, method: str, path: str, body: Any,
         render: Callable[[Any], Any] = lambda view: view) -> Idem | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255:
        raise Invalid("invalid Idempotency-Key", {"Idempotency-Key": ["1 to 255 characters"]})
    return Idem(key, request_hash(method, path, body), render)


def replay(session: Session, actor: Actor, idem: Idem | None) -> tuple[int, Any] | None:
    """The stored first response for this key, or None; a different request under it is a 409."""
    if idem is None or actor.id is None:
        return None
    row = session.get(IdempotencyKey, (actor.id, idem.key))
    if row is None:
        return None
    if row.request_hash != idem.request_hash:
        unmet = Unmet("idempotency_key_reused", "该幂等键已用于另一请求",
                      "This Idempotency-Key was used for a different request", SYSTEM_RULE)
        raise Conflict(unmet.en, [unmet])
    return row.status, json.loads(row.response)


def remember(session: Session, actor: Actor, idem: Idem | None, status: int, view: Any) -> None:
    """Keep the answer, as the client received it, with the key (in the change's transaction)."""
    if idem is None or actor.id is None:
        return
    session.add(IdempotencyKey(user_id=actor.id, key=idem.key, request_hash=idem.request_hash, status=status,
                               response=json.dumps(idem.render(view), ensure_ascii=False)))


def guarded(db: Database, actor: Actor, idem: Idem | None, run: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    """Run a use case that remembers its response; if another request claimed the same key in the
    meantime (its insert won), answer as a replay of that one — or as a reused key."""
    try:
        return run()
    except IntegrityError:
        if idem is None:
            raise
        with db.reading() as tx:
            stored = replay(tx.session, actor, idem)
        if stored is None:
            raise
        return stored
