"""The checkpoint pages through the test client: the export zip, its refusal, the public digest (issue 8)."""

import io
import zipfile
from typing import Any

from disburse.domain import merkle
from disburse.services import checkpoints, users
from tests.e2e.test_projects_ui import logged_in
from tests.flow import COMMERCE, INSPECTOR, Flow


def sign(app: Any, flow: Flow) -> dict[str, Any]:
    key = checkpoints.signer(app.extensions["disburse.settings"])
    return checkpoints.checkpoint(app.extensions["disburse.db"], key, flow.clock.now())


def test_the_inspector_downloads_the_export_as_a_zip_and_commerce_may_not(app: Any, flow: Flow) -> None:
    flow.tendered_project()
    cp = sign(app, flow)
    client, _ = logged_in(app, INSPECTOR)
    resp = client.get("/audit/export.zip")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert "attachment" in resp.headers["Content-Disposition"] and "disburse-audit-" in resp.headers[
        "Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        names = set(zf.namelist())
        assert {"entries.jsonl", "public_key", f"checkpoints/{cp['size']:012d}.txt"} <= names
        assert zf.read(f"checkpoints/{cp['size']:012d}.txt").decode() == cp["note"]
        assert len(zf.read("entries.jsonl").decode().splitlines()) >= cp["size"]
    resp.close()
    commerce, _ = logged_in(app, COMMERCE)
    assert commerce.get("/audit/export.zip").status_code == 403


def test_the_public_digest_carries_the_latest_checkpoint_and_its_note_is_published(app: Any, flow: Flow) -> None:
    project = flow.tendered_project()
    body = flow.client.get(f"/api/v1/public/projects/{project['id']}").get_json()
    assert body["audit"]["checkpoint"] is None
    assert "尚未签署检查点" in flow.client.get("/public").get_data(as_text=True)
    cp = sign(app, flow)
    body = flow.client.get(f"/api/v1/public/projects/{project['id']}").get_json()
    assert body["audit"]["checkpoint"] == {k: cp[k] for k in ("size", "root", "root_b64", "signed_at", "note")}
    note = flow.client.get(f"/public/checkpoints/{cp['size']}.txt")
    assert note.status_code == 200 and note.mimetype == "text/plain" and note.get_data(as_text=True) == cp["note"]
    assert flow.client.get(f"/public/checkpoints/{cp['size'] + 1}.txt").status_code == 404
    keys = flow.client.get("/public/checkpoints/public_key.txt").get_data(as_text=True)
    assert keys.splitlines() == checkpoints.public_keys(app.extensions["disburse.settings"])
    listing = flow.client.get("/public/checkpoints").get_data(as_text=True)
    assert f'data-testid="checkpoint-{cp["size"]}"' in listing and cp["root_b64"] in listing
    assert cp["root_b64"] in flow.client.get(f"/public/projects/{project['id']}").get_data(as_text=True)


def test_an_entry_is_proved_against_the_signed_note_or_told_it_is_newer(app: Any, flow: Flow) -> None:
    flow.tendered_project()
    client, _ = logged_in(app, INSPECTOR)
    page = client.get("/audit/1?prove=1").get_data(as_text=True)
    assert 'data-testid="proof-refusal"' in page
    cp = sign(app, flow)
    page = client.get("/audit/1?prove=1").get_data(as_text=True)
    assert 'data-ok="true"' in page and "与检查点一致" in page
    inspector = users.actor_by_username(flow.db, INSPECTOR)
    assert inspector is not None
    proof = checkpoints.inclusion(flow.db, inspector, 1)
    assert proof["leaf_hash"] in page and proof["root"] in page and cp["note"].splitlines()[2] in page
    assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), 0, cp["size"],
                                   [bytes.fromhex(h) for h in proof["proof"]], bytes.fromhex(cp["root"]))
    flow.create_project()  # entries after the checkpoint
    newer = client.get(f"/audit/{cp['size'] + 1}?prove=1").get_data(as_text=True)
    assert 'data-testid="proof-refusal"' in newer and 'data-ok=' not in newer
