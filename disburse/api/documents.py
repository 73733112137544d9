"""Documents (SPEC §4): upload as multipart form data, download like the object they belong to."""

from typing import Any

from flask import current_app, g, request, send_file
from flask_smorest import Blueprint

from disburse.api.common import db, documents_root, now
from disburse.api.schemas import DocumentForm, DocumentOut
from disburse.api.security import current_actor
from disburse.inputs import takes_documents
from disburse.services import documents
from disburse.services.errors import Invalid

blp = Blueprint("api_documents", __name__, description="Uploaded documents, stored with SHA-256")


@blp.post("")
@blp.arguments(DocumentForm, location="form")
@blp.response(201, DocumentOut)
@blp.doc(requestBody={"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "project_id"],
    "properties": {"file": {"type": "string", "format": "binary"}, "project_id": {"type": "integer"},
                   "contract_id": {"type": "integer"}, "kind": {"type": "string"}}}}}})
@takes_documents
def upload(form: dict[str, Any]) -> dict[str, Any]:
    actor = current_actor()
    file = request.files.get("file")
    if file is None or not file.filename:
        raise Invalid("no file", {"file": ["attach the file as multipart field 'file'"]})
    return documents.upload(db(), actor, g.origin, root=documents_root(), project_id=form["project_id"],
                            filename=file.filename, content=file.read(), kind=form["kind"],
                            contract_id=form["contract_id"],
                            max_bytes=current_app.extensions["disburse.settings"].max_document_bytes, now=now())


@blp.get("/<int:document_id>")
@blp.response(200, description="the file itself")
def download(document_id: int) -> Any:
    stored = documents.open_document(db(), current_actor(), documents_root(), document_id)
    return send_file(stored.path, mimetype=stored.content_type, download_name=stored.filename, as_attachment=True)
