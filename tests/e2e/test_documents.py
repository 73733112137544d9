"""Documents: upload with SHA-256 in the audit log, allowed types, download restricted (SPEC §4)."""

import hashlib
import io
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.flow import COMMERCE, CONTRACTOR_A, CONTRACTOR_B, INSPECTOR, Flow

PDF = "%PDF-1.7\n% 验收报告\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".encode()


def upload(flow: Flow, as_: str, project_id: int, content: bytes = PDF, filename: str = "验收申请.pdf",
           **fields: Any) -> Any:
    data = {"project_id": str(project_id), **{k: str(v) for k, v in fields.items()},
            "file": (io.BytesIO(content), filename)}
    return flow.client.post("/api/v1/documents", data=data, headers=flow.h(as_), content_type="multipart/form-data")


def test_an_uploaded_document_is_stored_by_its_hash_and_audited(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    resp = upload(flow, CONTRACTOR_A, project["id"], contract_id=a["id"], kind="application")
    doc = flow.ok(resp, 201)
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest() and doc["size"] == len(PDF)
    entries = flow.ok(flow.get(f"/projects/{project['id']}/audit?per_page=200", INSPECTOR))["items"]
    upload_entry = next(e for e in entries if e["action"] == "document.upload")
    assert upload_entry["data"]["sha256"] == doc["sha256"]
    download = flow.client.get(f"/api/v1/documents/{doc['id']}", headers=flow.h(COMMERCE))
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    download.close()


def test_application_materials_travel_with_the_acceptance(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    doc = flow.ok(upload(flow, CONTRACTOR_A, project["id"], contract_id=a["id"], kind="application"), 201)
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A, document_ids=[doc["id"]]), 201)
    assert [d["sha256"] for d in acceptance["documents"]] == [doc["sha256"]]


def test_download_is_restricted_like_the_contract_it_belongs_to(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    doc = flow.ok(upload(flow, CONTRACTOR_A, project["id"], contract_id=a["id"]), 201)
    assert flow.client.get(f"/api/v1/documents/{doc['id']}", headers=flow.h(CONTRACTOR_B)).status_code == 404
    flow.user("fz-commerce", "commerce", region="350100")  # 福州市: another jurisdiction
    assert flow.client.get(f"/api/v1/documents/{doc['id']}", headers=flow.h("fz-commerce")).status_code == 404
    assert flow.client.get(f"/api/v1/documents/{doc['id']}").status_code == 401


@pytest.mark.parametrize(("content", "filename"), [
    (b"MZ\x90\x00 an executable", "report.exe"),
    (b"just text pretending", "report.pdf"),
])
def test_files_of_other_types_are_refused(flow: Flow, content: bytes, filename: str) -> None:
    project = flow.tendered_project()
    resp = upload(flow, COMMERCE, project["id"], content=content, filename=filename)
    assert resp.status_code == 422 and "file" in resp.get_json()["errors"]


def test_a_document_over_the_size_limit_is_refused(flow: Flow) -> None:
    flow.app.extensions["disburse.settings"].max_document_bytes = 1024
    project = flow.tendered_project()
    resp = upload(flow, COMMERCE, project["id"], content=PDF + b"0" * 200_000)
    assert resp.status_code == 413


def test_inspectors_upload_nothing(flow: Flow) -> None:
    project = flow.tendered_project()
    assert upload(flow, INSPECTOR, project["id"]).status_code == 403


def test_a_declaration_may_carry_its_supporting_document(flow: Flow) -> None:
    project = flow.tendered_project()
    doc = flow.ok(upload(flow, COMMERCE, project["id"], kind="declaration"), 201)
    body = flow.contract_body(project, [1, 2], "6500000.00")
    body["contractor"]["declaration_documents"] = {"no_violation_3y": doc["id"]}
    contract = flow.ok(flow.add_contract(project, body), 201)
    assert contract["contractor"]["declaration_documents"] == {"no_violation_3y": doc["id"]}
    body = flow.contract_body(project, [3], "1000000.00", lot="标段二")
    body["contractor"]["declaration_documents"] = {"sound_accounting": 999999}
    resp = flow.add_contract(project, body)
    assert resp.status_code == 422
    assert "contractor.declaration_documents.sound_accounting" in resp.get_json()["errors"]


def test_a_document_just_over_the_limit_is_a_field_error(flow: Flow) -> None:
    flow.app.extensions["disburse.settings"].max_document_bytes = len(PDF) + 10
    project = flow.tendered_project()
    assert flow.ok(upload(flow, COMMERCE, project["id"]), 201)["size"] == len(PDF)
    resp = upload(flow, COMMERCE, project["id"], content=PDF + b"0" * 20)
    assert resp.status_code == 422 and "file" in resp.get_json()["errors"]


def test_a_document_larger_than_an_ordinary_body_but_within_its_own_limit_is_taken(flow: Flow) -> None:
    """Document uploads may be as large as a document (20 MiB), not only an ordinary body (2 MiB): the input
    check that reads every form (issue 14) applies the upload's limit before it reads one."""
    project = flow.tendered_project()
    big = PDF + b"0" * (3 * 1024 * 1024)
    assert len(big) > flow.app.config["MAX_CONTENT_LENGTH"]
    # encoded in memory: the test client would spool a large form to a temporary file it never closes
    boundary, body = encode_multipart({"project_id": str(project["id"]),
                                       "file": FileStorage(io.BytesIO(big), "验收报告.pdf")})
    resp = flow.client.post("/api/v1/documents", data=body, headers=flow.h(COMMERCE),
                            content_type=f"multipart/form-data; boundary={boundary}")
    document = flow.ok(resp, 201)
    assert document["size"] == len(big)
