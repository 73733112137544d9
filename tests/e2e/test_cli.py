"""The ``disburse`` command line, run as the installed console script (SPEC §11.2)."""

from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.helpers import EXAMPLES


@pytest.mark.parametrize("name", ["000-keping-2020", "001-burqin-2020", "003-xx-2024"])
def test_each_transcribed_plan_passes_plans_check(name: str, tmp_path: Path) -> None:
    result = run_cli(["plans", "check", str(EXAMPLES / f"{name}.yaml")], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok under" in result.stdout


def test_seed_002_is_refused_only_for_its_missing_amounts(tmp_path: Path) -> None:
    result = run_cli(["plans", "check", str(EXAMPLES / "002-kazuo-2019.yaml")], cwd=tmp_path)
    assert result.returncode == 1
    unmet = [line for line in result.stdout.splitlines() if line.startswith("UNMET")]
    assert len(unmet) == 6 and all(line.startswith("UNMET line_amount_missing") for line in unmet)


def test_an_invalid_plan_file_names_its_fields(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nregion: '12'\nrule_set: qujing-2018\ntotal: 100\nlines: []\n", encoding="utf-8")
    result = run_cli(["plans", "check", str(bad)], cwd=tmp_path)
    assert result.returncode == 1
    assert "region:" in result.stderr and "total:" in result.stderr and "lines:" in result.stderr


def test_import_prints_the_project_id_last_and_users_create_works(database_url: str, tmp_path: Path) -> None:
    created = run_cli(["users", "create", "kp-commerce", "--role", "commerce", "--region", "652929",
                       "--password", "a long password"], database_url, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    result = run_cli(["plans", "import", str(EXAMPLES / "000-keping-2020.yaml"), "--as", "kp-commerce"],
                     database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].isdigit()
    outside = run_cli(["plans", "import", str(EXAMPLES / "001-burqin-2020.yaml"), "--as", "kp-commerce"],
                      database_url, cwd=tmp_path)
    assert outside.returncode == 1 and "jurisdiction" in outside.stderr
    verify = run_cli(["audit", "verify"], database_url, cwd=tmp_path)
    assert verify.returncode == 0 and "ok: 2 entries" in verify.stdout
    digest = run_cli(["audit", "digest"], database_url, cwd=tmp_path)
    assert digest.stdout.startswith("entries 2 head ")


def test_db_upgrade_and_regions_load_on_a_new_sqlite_database(tmp_path: Path) -> None:
    env = {"DISBURSE_INSTANCE_PATH": str(tmp_path / "inst")}
    assert run_cli(["db", "upgrade"], env=env, cwd=tmp_path).returncode == 0
    first = run_cli(["regions", "load"], env=env, cwd=tmp_path)
    again = run_cli(["regions", "load"], env=env, cwd=tmp_path)
    assert first.returncode == 0 and "0 updated" in first.stdout
    assert again.stdout.strip() == "regions: 0 added, 0 updated"
    assert (tmp_path / "inst" / "disburse.db").exists()


def test_plans_check_refuses_a_line_counted_toward_two_shares(tmp_path: Path) -> None:
    """Issue 17: ``ambiguous_tags`` at ``plans check``."""
    import json

    from tests.helpers import small_plan

    doc = small_plan()
    doc["lines"][0]["tags"] = ["public_service_center", "supply_chain"]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = run_cli(["plans", "check", str(plan)], cwd=tmp_path)
    assert result.returncode == 1
    assert [line.split()[1].rstrip(":") for line in result.stdout.splitlines() if line.startswith("UNMET")] == [
        "ambiguous_tags"]
