"""Documents: application materials, reports, evaluations (SPEC §4).

A file is stored once under its SHA-256 in the instance folder; its row names
the project (and contract or acceptance) it belongs to, and the audit entry
carries the hash, so an inspector can prove which bytes were submitted. Only
known types are taken, recognised by their extension and their first bytes.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.orm import Call, Contract, Contractor, Document, Project, Region
from disburse.clock import REAL
from disburse.domain.notice import local_date
from disburse.domain.roles import Role, within
from disburse.services import pages
from disburse.services.access import (
    hidden,
    is_contractor,
    jurisdiction_clause,
    load_contract,
    load_document,
    load_project,
    own_materials,
)
from disburse.services.context import Actor, Origin
from disburse.services.errors import Forbidden, Invalid

_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
#: extension → (content type, accepted first bytes)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".ofd": ("application/ofd", _ZIP),
}
#: invoice (发票) and acceptance report (验收报告) are what a payment request carries (issue 18 item 4)
KINDS = ("application", "report", "evaluation", "declaration", "invoice", "acceptance_report", "other")
#: Inspectors change nothing (SPEC §6), so they upload nothing either.
UPLOADERS = frozenset({Role.COMMERCE, Role.CONTRACTOR, Role.FINANCE, Role.LEADER, Role.SUPERVISOR})


@dataclass(frozen=True)
class StoredFile:
    path: Path
    filename: str
    content_type: str


def _storage(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def upload(db: Database, actor: Actor, origin: Origin, *, root: Path, project_id: int, filename: str,
           content: bytes, kind: str, max_bytes: int, contract_id: int | None = None,
           now: datetime | None = None) -> dict[str, Any]:
    """Store a file for a project (or one of its contracts) and record its hash."""
    if len(content) > max_bytes:
        raise Invalid("file too large", {"file": [f"the file is larger than {max_bytes} bytes (文件过大)"]})
    ext = Path(filename).suffix.lower()
    if ext not in ALLOWED_TYPES:
        raise Invalid("file type not allowed", {"file": [f"allowed types: {', '.join(sorted(ALLOWED_TYPES))}"]})
    content_type, magics = ALLOWED_TYPES[ext]
    if not any(content.startswith(m) for m in magics):
        raise Invalid("file content does not match", {"file": [f"the content is not a {ext} file"]})
    if not content:
        raise Invalid("empty file", {"file": ["the file is empty"]})
    if kind not in KINDS:
        raise Invalid("unknown kind", {"kind": [f"one of {', '.join(KINDS)}"]})
    sha256 = hashlib.sha256(content).hexdigest()
    with db.writing() as tx:
        if contract_id is not None:
            contract, project = load_contract(tx.session, actor, contract_id)
            if contract.project_id != project_id:
                raise Invalid("invalid document", {"contract_id": [f"contract {contract_id} is not of this project"]})
        elif actor.role == Role.CONTRACTOR:
            project = _applying_to(tx.session, actor, project_id, now or REAL.now())
        else:
            project = load_project(tx.session, actor, project_id)
        if actor.role not in UPLOADERS:
            raise Forbidden(f"the role {actor.role} may not upload documents", audit=True)
        _write_once(_storage(root, sha256), content)
        document = Document(project_id=project.id, contract_id=contract_id, kind=kind,
                            filename=Path(filename).name[:255], content_type=content_type, size=len(content),
                            sha256=sha256, uploaded_by=actor.id, created_at=now or REAL.now())
        tx.session.add(document)
        tx.session.flush()
        audit_log.append(tx.session, action="document.upload", actor=actor, origin=origin, entity_type="document",
                         entity_id=document.id, project_id=project.id,
                         data={"sha256": sha256, "size": len(content), "filename": document.filename,
                               "kind": kind, "contract_id": contract_id}, at=now or REAL.now())
        tx.commit()
        return document_view(document)


def _applying_to(session: Session, actor: Actor, project_id: int, now: datetime) -> Project:
    """The project an enterprise's user uploads application materials to (issue 20): one of its region (seed 003
    §5(2)1: registered in the county) with a call open for applications; otherwise it uploads to its contract."""
    project = session.get(Project, project_id)
    if project is None or not within(project.region.path, actor.region_path):
        raise hidden("project", project_id)
    open_call = select(Call.id).where(Call.project_id == project.id, Call.state == "open",
                                      Call.deadline >= local_date(now))
    if session.scalar(select(exists(open_call))):
        return project
    raise Invalid("invalid document", {"contract_id": [
        "an enterprise uploads to its contract, or its application materials while a call of the project is open "
        "(承办企业向本企业合同上传材料，或在项目申报期内上传申报材料)"]})


def _write_once(path: Path, content: bytes) -> None:
    """Content-addressed, written atomically; the same bytes are stored once."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    os.replace(tmp, path)


def document_view(document: Document) -> dict[str, Any]:
    return {"id": document.id, "project_id": document.project_id, "contract_id": document.contract_id,
            "acceptance_id": document.acceptance_id, "kind": document.kind, "filename": document.filename,
            "content_type": document.content_type, "size": document.size, "sha256": document.sha256,
            "created_at": document.created_at.isoformat()}


def open_document(db: Database, actor: Actor, root: Path, document_id: int) -> StoredFile:
    """The stored file, for whoever may see what it belongs to (a contractor: its own contract's)."""
    with db.reading() as tx:
        document = load_document(tx.session, actor, document_id)
        return StoredFile(_storage(root, document.sha256), document.filename, document.content_type)


def list_documents(db: Database, actor: Actor, *, contract_id: int | None = None, project_id: int | None = None,
                   page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """Uploaded documents the actor may see, newest first, optionally of one contract: a contractor those of
    its own contracts and its enterprise's application materials (as :func:`open_document` lets it download),
    everyone else those of the projects in its region's subtree (SPEC §6)."""
    with db.reading() as tx:
        if contract_id is not None:
            load_contract(tx.session, actor, contract_id)
        stmt = (select(Document).join(Project, Project.id == Document.project_id)
                .join(Region, Region.code == Project.region_code)
                .outerjoin(Contract, Contract.id == Document.contract_id)
                .outerjoin(Contractor, Contractor.id == Contract.contractor_id)
                .where(or_(jurisdiction_clause(actor), Document.id.in_(own_materials(actor)))
                       if is_contractor(actor) else jurisdiction_clause(actor)))
        if contract_id is not None:
            stmt = stmt.where(Document.contract_id == contract_id)
        if project_id is not None:
            stmt = stmt.where(Document.project_id == project_id)
        total = tx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = tx.session.scalars(stmt.order_by(Document.id.desc()).offset((page - 1) * per_page).limit(per_page))
        return pages.page([document_view(d) for d in rows], total, page, per_page)
