"""Signed checkpoints of the audit log, proofs, and the inspectors' export (SPEC §8; issue 8).

The pure parts live in :mod:`disburse.domain.merkle` (RFC 9162 trees and proofs) and
:mod:`disburse.domain.checkpoint` (C2SP signed notes); docs/audit-proofs.md says how they fit.
Here they meet the database:

* :func:`checkpoint` extends the previous checkpoint's stored compact range with the entries
  after it — after checking that the stored range still gives the previous signed root, that the
  last entry it covered still hashes to its stored leaf, and that every new entry chains to the
  one before — then signs the new tree head. It never computes a root afresh over whatever the
  table holds, so the log never signs a checkpoint inconsistent with an earlier one.
* Each entry's Merkle leaf hash is stored (``audit_leaves``) when a checkpoint first covers it;
  proofs are computed from those.
* :func:`export` writes ``entries.jsonl``, ``checkpoints/`` and ``public_key`` for
  ``tools/verify_audit.py``.
"""

import base64
import hashlib
import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.orm import AuditCheckpoint, AuditEntry, AuditLeaf
from disburse.domain import merkle
from disburse.domain.audit import CANONICAL_ORDER, GENESIS, PREV_AT, SEQ_AT, encode_row
from disburse.domain.checkpoint import Checkpoint, Signer, generate_key, parse_signer_key, sign_checkpoint
from disburse.domain.citations import SYSTEM_RULE
from disburse.domain.unmet import Unmet
from disburse.services import audit as audit_service
from disburse.services.context import Actor
from disburse.services.errors import Conflict, Forbidden, Invalid, NotFound
from disburse.settings import Settings

#: Who may ask for inclusion proofs and exports (the entries' hashes tie to their contents).
PROVERS = frozenset({"inspector", "supervisor", "admin"})
#: A checkpoint is due when the last is older than this and the log has grown …
EVERY = timedelta(days=1)
#: … or when a disbursement was recorded after it (issue 8: "daily and after every disbursement").
AFTER_ACTIONS = ("payment.disburse",)


class BrokenLog(RuntimeError):
    """The log no longer matches what an earlier checkpoint signed: nothing is signed."""


# --- keys -------------------------------------------------------------------------------------


class NoSigningKey(RuntimeError):
    """No signing key where the settings say, and this caller may not make one."""


def signer(settings: Settings, *, create: bool = True) -> Signer:
    """The signing key from its file; made (mode 0600) under the log's origin when ``create``.

    ``disburse db upgrade`` on a new installation (:func:`sign_first`) and ``disburse audit
    checkpoint`` (an operator's explicit requests) make it on first use; the scheduler does not
    outside the demo (a scheduler moved to a machine without the key file must not start signing
    with a key no inspector has); reading pages, verifying the log and ``disburse audit public-key``
    never make one.
    """
    path = settings.signing_key_path
    if not path.exists() and not create:
        raise NoSigningKey(f"no audit signing key at {path}; `disburse db upgrade` makes it on a new installation "
                           "(or `disburse audit checkpoint`); or copy the key file here")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        secret, _public = generate_key(settings.audit_origin)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fp:
            fp.write(secret + "\n")
    key = parse_signer_key(path.read_text(encoding="utf-8").strip())
    if key.name != settings.audit_origin:
        raise RuntimeError(f"the signing key in {path} is for {key.name}, not {settings.audit_origin}")
    return key


def public_keys(settings: Settings) -> list[str]:
    """The verifier key lines to publish: earlier keys (rotation) first, then the current one."""
    lines: list[str] = []
    if settings.audit_public_keys and settings.audit_public_keys.exists():
        lines += [ln.strip() for ln in settings.audit_public_keys.read_text(encoding="utf-8").splitlines()
                  if ln.strip() and not ln.lstrip().startswith("#")]
    if not settings.signing_key_path.exists():  # no checkpoint was ever signed here
        return lines
    current = str(signer(settings).verifier)
    return lines + ([current] if current not in lines else [])


# --- checkpoints -----------------------------------------------------------------------------


def _latest(session: Session) -> AuditCheckpoint | None:
    return session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1))


def view(cp: AuditCheckpoint) -> dict[str, Any]:
    return {"size": cp.size, "root": cp.root, "root_b64": base64.b64encode(bytes.fromhex(cp.root)).decode(),
            "origin": cp.origin, "key_id": cp.key_id, "signed_at": cp.signed_at.isoformat(), "note": cp.note}


def checkpoint(db: Database, key: Signer, now: datetime, *, limit: int | None = None) -> dict[str, Any]:
    """Sign the tree head of the whole log now (or return the latest checkpoint if nothing was added).

    With ``limit``, cover at most that many entries beyond the previous checkpoint: the tree head of a
    prefix of the log, as valid as any, so the scheduler signs a long unsigned log in bounded steps.
    """
    with db.writing() as tx:
        s = tx.session
        last = _latest(s)
        tree = merkle.CompactRange() if last is None else merkle.CompactRange.load(last.state)
        if last is not None and tree.root().hex() != last.root:
            raise BrokenLog(f"the stored state of checkpoint {last.size} does not give its signed root")
        prev = GENESIS
        if last is not None and last.size:
            [row] = [r for rows in audit_log.iter_chain_rows(s, after=last.size - 1, upto=last.size) for r in rows]
            stored = s.scalar(select(AuditLeaf.hash).where(AuditLeaf.seq == last.size))
            if stored != merkle.leaf_hash(encode_row(row)).hex():
                raise BrokenLog(f"entry {last.size}, the last one checkpoint {last.size} covers, has changed")
            prev = row[16]
        leaves: list[dict[str, Any]] = []
        expected = tree.size + 1
        upto = None if limit is None else tree.size + limit
        for rows in audit_log.iter_chain_rows(s, after=tree.size, upto=upto):
            for row in rows:
                data = encode_row(row)
                if row[SEQ_AT] != expected or row[PREV_AT] != prev or hashlib.sha256(data).hexdigest() != row[16]:
                    raise BrokenLog(f"entry {row[SEQ_AT]} does not continue the hash chain; nothing was signed")
                leaf = merkle.leaf_hash(data)
                tree.append(leaf)
                leaves.append({"seq": row[SEQ_AT], "hash": leaf.hex()})
                prev, expected = row[16], expected + 1
        if not leaves and last is not None:
            return view(last)
        for i in range(0, len(leaves), 5000):
            s.execute(insert(AuditLeaf), leaves[i:i + 5000])
        note = sign_checkpoint(Checkpoint(key.name, tree.size, tree.root()), key)
        cp = AuditCheckpoint(size=tree.size, root=tree.root().hex(), origin=key.name, key_id=f"{key.key_id:08x}",
                             note=note, state=tree.dump(), signed_at=now)
        s.add(cp)
        s.flush()
        result = view(cp)
        tx.commit()
        return result


def sign_first(db: Database, settings: Settings, now: datetime) -> dict[str, Any] | None:
    """A new installation's first checkpoint, signed with a signing key made now if there is none.

    ``disburse db upgrade`` (and ``disburse demo``) call it: the operator's explicit act of setting
    the installation up, so a log never runs unsigned from its first day — the first checkpoint
    fixes the log as it stands (usually empty, size 0), and the key's verifier line can be handed
    to inspectors at once. Nothing is made once the log has a checkpoint: its key is the one those
    were signed with, which lives on the scheduler machines and perhaps not on this one, and a key
    made here would sign checkpoints no inspector can verify — the reason :func:`signer` makes none
    for the scheduler. Returns the checkpoint signed, or ``None`` when the log already had one.
    """
    with db.reading() as tx:
        if _latest(tx.session) is not None:
            return None
    return checkpoint(db, signer(settings, create=True), now)


def checkpoint_due(db: Database, now: datetime) -> bool:
    """Daily while the log grows, and after every disbursement (issue 8)."""
    with db.reading() as tx:
        s = tx.session
        head = s.scalar(select(func.max(AuditEntry.seq))) or 0
        last = _latest(s)
        if last is None:
            return head > 0
        if head <= last.size:
            return False
        if now - last.signed_at >= EVERY:
            return True
        return bool(s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.seq > last.size, AuditEntry.action.in_(AFTER_ACTIONS))))


def list_checkpoints(db: Database, *, page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """Every checkpoint, newest first (public: a checkpoint holds no content, only a tree head)."""
    with db.reading() as tx:
        total = tx.session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0
        rows = tx.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc())
                                  .offset((page - 1) * per_page).limit(per_page))
        return {"items": [view(c) for c in rows], "page": page, "per_page": per_page, "total": total}


# --- proofs -----------------------------------------------------------------------------------


def _leaf_hashes(session: Session, size: int) -> list[bytes]:
    rows = session.execute(select(AuditLeaf.hash).where(AuditLeaf.seq <= size).order_by(AuditLeaf.seq))
    return [bytes.fromhex(h) for (h,) in rows]


def _covered(session: Session) -> int:
    last = _latest(session)
    return 0 if last is None else last.size


def _not_covered(what: str, size: int, covered: int) -> Conflict:
    return Conflict(f"{what}: size {size} is beyond the latest checkpoint ({covered})", [Unmet(
        "beyond_checkpoint", f"规模 {size} 超出最新检查点（{covered} 条）", f"size {size} is beyond the latest "
        f"checkpoint ({covered} entries); sign a checkpoint first", SYSTEM_RULE)])


def inclusion(db: Database, actor: Actor, seq: int, size: int | None = None) -> dict[str, Any]:
    """The inclusion proof of entry ``seq`` in the tree of ``size`` entries (RFC 9162 §2.1.3)."""
    if actor.role not in PROVERS:
        raise Forbidden(f"the role {actor.role} may not ask for proofs", audit=True)
    with db.reading() as tx:
        s = tx.session
        covered = _covered(s)
        size = covered if size is None else size
        if size < 1 or size > covered:
            raise _not_covered("no proof", size, covered)
        outside = actor.role != "system" and audit_service.entries_outside(s, actor, seq)
        if outside or s.get(AuditEntry, seq) is None:  # one answer for both (SPEC §6; issue 14)
            raise NotFound(f"no audit entry {seq}", audit=outside)
        if seq > size:
            raise _not_covered(f"entry {seq} is not in the tree", seq, size)
        hashes = _leaf_hashes(s, size)
        proof = merkle.inclusion_proof(seq - 1, size, merkle.range_hasher(hashes))
        note = s.scalar(select(AuditCheckpoint.note).where(AuditCheckpoint.size == size))
        return {"seq": seq, "leaf_index": seq - 1, "size": size, "leaf_hash": hashes[seq - 1].hex(),
                "proof": [p.hex() for p in proof], "root": merkle.root_of_hashes(hashes).hex(), "checkpoint": note}


def consistency(db: Database, first: int, second: int) -> dict[str, Any]:
    """The consistency proof between the trees of ``first`` and ``second`` entries (RFC 9162 §2.1.4)."""
    if not 0 < first <= second:  # RFC 9162 §2.1.4.1 defines the proof for 0 < from ≤ to only
        raise Invalid("invalid sizes", {"from": ["0 < from ≤ to"]})
    with db.reading() as tx:
        s = tx.session
        covered = _covered(s)
        if second > covered:
            raise _not_covered("no proof", second, covered)
        hashes = _leaf_hashes(s, second)
        proof = merkle.consistency_proof(first, second, merkle.range_hasher(hashes))
        return {"from": first, "to": second, "proof": [p.hex() for p in proof],
                "root_from": merkle.root_of_hashes(hashes[:first]).hex(),
                "root_to": merkle.root_of_hashes(hashes).hex()}


# --- the export -------------------------------------------------------------------------------


def export(db: Database, actor: Actor, directory: Path, public_key_lines: list[str]) -> dict[str, int]:
    """Write what an inspector takes away (docs/audit-proofs.md §5); counts of entries and checkpoints."""
    if actor.role not in PROVERS and actor.role != "system":
        raise Forbidden(f"the role {actor.role} may not export the audit log", audit=True)
    if actor.role != "system":
        with db.reading() as tx:
            if audit_service.entries_outside(tx.session, actor):
                raise Forbidden("the export holds the whole log, with entries outside your jurisdiction "
                                "(导出包含辖区以外的记录)", audit=True)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "checkpoints").mkdir(exist_ok=True)
    entries = 0
    with db.reading() as tx:
        with (directory / "entries.jsonl").open("w", encoding="utf-8") as out:
            for rows in audit_log.iter_chain_rows(tx.session):
                for row in rows:
                    record = dict(zip(CANONICAL_ORDER, row[:16], strict=True))
                    record["hash"] = row[16]
                    record["leaf_b64"] = base64.b64encode(encode_row(row)).decode()
                    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
                    entries += 1
        notes = list(tx.session.execute(select(AuditCheckpoint.size, AuditCheckpoint.note)
                                        .order_by(AuditCheckpoint.size)))
    for size, note in notes:
        (directory / "checkpoints" / f"{size:012d}.txt").write_text(note, encoding="utf-8")
    (directory / "public_key").write_text("\n".join(public_key_lines) + "\n", encoding="utf-8")
    return {"entries": entries, "checkpoints": len(notes)}
