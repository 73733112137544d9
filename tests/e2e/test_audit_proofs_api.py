"""Checkpoints and proofs through the command line and the API (SPEC §8, §11; issue 8)."""

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

from disburse.domain import merkle
from tests.cli import run_cli
from tests.flow import COMMERCE, INSPECTOR, Flow

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_audit.py"


def test_the_cli_signs_a_checkpoint_exports_the_log_and_the_offline_verifier_accepts_it(
        flow: Flow, database_url: str, tmp_path: Path) -> None:
    flow.selected_project()  # some real activity in the log
    env = {"DISBURSE_INSTANCE_PATH": str(tmp_path / "instance"), "DISBURSE_AUDIT_ORIGIN": "disburse/xiapu"}
    signed = run_cli(["audit", "checkpoint"], database_url, env=env)
    assert signed.returncode == 0, signed.stderr
    origin, size, root = signed.stdout.splitlines()[:3]
    assert origin == "disburse/xiapu" and int(size) > 10 and len(base64.b64decode(root)) == 32
    assert "\n— disburse/xiapu " in signed.stdout
    key = run_cli(["audit", "public-key"], database_url, env=env)
    assert key.returncode == 0 and key.stdout.startswith("disburse/xiapu+")
    exported = run_cli(["audit", "export", str(tmp_path / "export")], database_url, env=env)
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "trusted").write_text(key.stdout, encoding="utf-8")
    kept = tmp_path / "kept.txt"
    kept.write_text(signed.stdout, encoding="utf-8")
    result = subprocess.run([sys.executable, "-I", str(VERIFIER), "--export", str(tmp_path / "export"),
                             "--public-key", str(tmp_path / "trusted"), "--checkpoint", str(kept), "--entry", "3"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_api_lists_checkpoints_publicly_and_proves_entries_for_inspectors(
        flow: Flow, app: Any, client: Any) -> None:
    from disburse.services import checkpoints

    flow.selected_project()
    db, settings = app.extensions["disburse.db"], app.extensions["disburse.settings"]
    first = checkpoints.checkpoint(db, checkpoints.signer(settings), flow.clock.now())
    flow.selected_project()
    second = checkpoints.checkpoint(db, checkpoints.signer(settings), flow.clock.now())

    listed = client.get("/api/v1/audit/checkpoints").get_json()  # no login
    assert [c["size"] for c in listed["items"]] == [second["size"], first["size"]]
    assert listed["public_key"] and listed["items"][0]["note"] == second["note"]

    proof = flow.ok(flow.get(f"/audit/entries/5/proof?size={second['size']}", INSPECTOR))
    assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), 4, second["size"],
                                   [bytes.fromhex(p) for p in proof["proof"]], bytes.fromhex(second["root"]))
    assert flow.get("/audit/entries/5/proof", COMMERCE).status_code == 403
    beyond = flow.get(f"/audit/entries/5/proof?size={second['size'] + 1}", INSPECTOR)
    assert beyond.status_code == 409 and beyond.get_json()["unmet"][0]["code"] == "beyond_checkpoint"
    assert flow.get("/audit/entries/5/proof?size=x", INSPECTOR).status_code == 422

    consistency = client.get(f"/api/v1/audit/consistency?from={first['size']}&to={second['size']}").get_json()
    assert consistency["root_from"] == first["root"] and consistency["root_to"] == second["root"]
    assert merkle.verify_consistency(first["size"], second["size"], [bytes.fromhex(p) for p in consistency["proof"]],
                                     bytes.fromhex(first["root"]), bytes.fromhex(second["root"]))
    assert client.get("/api/v1/audit/consistency?from=5").status_code == 422
