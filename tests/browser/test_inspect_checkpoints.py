"""Signed checkpoints, "prove this entry" and the export in a real browser (SPEC §8, issue 8)."""

import zipfile
from typing import Any

from disburse.services import checkpoints
from tests.browser.conftest import HAN, Live, chrome_text
from tests.flow import INSPECTOR, Flow


def sign(app: Any, flow: Flow) -> dict[str, Any]:
    """Sign a checkpoint of the whole log now, as the scheduler or ``disburse audit checkpoint`` does."""
    key = checkpoints.signer(app.extensions["disburse.settings"])
    return checkpoints.checkpoint(app.extensions["disburse.db"], key, flow.clock.now())


def test_the_inspector_lists_checkpoints_proves_an_entry_and_downloads_the_export(
        live: Live, flow: Flow, app: Any, tmp_path: Any) -> None:
    project, _a, _b = flow.selected_project()
    cp = sign(app, flow)
    page = live.login(INSPECTOR)
    page.click("[data-testid=checkpoints-link]")
    assert page.url.endswith("/audit/checkpoints")
    card = page.locator(f"[data-testid=checkpoint-{cp['size']}]")
    assert card.locator("[data-testid=checkpoint-root]").inner_text() == cp["root_b64"]
    assert card.locator("[data-testid=checkpoint-note]").inner_text().strip() == cp["note"].strip()
    keys = checkpoints.public_keys(app.extensions["disburse.settings"])
    assert page.locator("[data-testid=verifier-key-lines]").inner_text().split() == keys
    assert "tools/verify_audit.py" in page.locator("[data-testid=verifier-keys]").inner_text()
    live.shot(page, "inspector-checkpoints")

    page.goto(f"/audit?project={project['id']}&action=contract.sign")
    page.locator("[data-testid=audit-entries] a[data-testid^=entry-]").first.click()
    page.click("[data-testid=prove-entry]")
    result = page.locator("[data-testid=proof-result]")
    assert result.get_attribute("data-ok") == "true" and "与检查点一致" in result.inner_text()
    assert len(page.locator("[data-testid=proof-leaf]").inner_text()) == 64
    assert page.locator("[data-testid=proof-root]").inner_text() == cp["root"]
    assert page.locator("[data-testid=proof-path] li").count() >= 1
    assert page.locator("[data-testid=proof-checkpoint]").inner_text().strip() == cp["note"].strip()
    live.shot(page, "inspector-prove-entry")

    page.goto("/audit")
    with page.expect_download() as info:
        page.click("[data-testid=download-export]")
    download = info.value
    assert download.suggested_filename.startswith("disburse-audit-") and download.suggested_filename.endswith(".zip")
    path = tmp_path / "export.zip"
    download.save_as(str(path))
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
    assert {"entries.jsonl", "public_key", f"checkpoints/{cp['size']:012d}.txt"} <= names


def test_an_entry_after_the_latest_checkpoint_says_so(live: Live, flow: Flow, app: Any) -> None:
    flow.tendered_project()
    cp = sign(app, flow)
    flow.create_project()
    page = live.login(INSPECTOR)
    page.goto(f"/audit/{cp['size'] + 1}")
    page.click("[data-testid=prove-entry]")
    assert page.locator("[data-testid=proof-refusal]").count() == 1
    assert "晚于最新的检查点" in page.locator("[data-testid=entry-proof]").inner_text()


def test_the_public_sees_the_checkpoints_and_english_pages_have_no_chinese_chrome(
        live: Live, flow: Flow, app: Any) -> None:
    project = flow.tendered_project()
    cp = sign(app, flow)
    page = live.page()
    page.goto("/public")
    assert str(cp["size"]) in page.locator("[data-testid=latest-checkpoint]").inner_text()
    page.click("[data-testid=checkpoints-link]")
    assert page.locator(f"[data-testid=checkpoint-{cp['size']}] [data-testid=checkpoint-note]").inner_text().strip() \
        == cp["note"].strip()
    assert page.locator("[data-testid=verifier-key-lines]").inner_text().strip()
    page.goto(f"/public/projects/{project['id']}")
    assert str(cp["size"]) in page.locator("[data-testid=latest-checkpoint]").inner_text()
    for path in ("/public?lang=en", "/public/checkpoints", f"/public/projects/{project['id']}"):
        page.goto(path)
        assert not HAN.findall(chrome_text(page)), (path, chrome_text(page))
    assert "Audit log checkpoints" in page.goto("/public/checkpoints").text()
    phone = live.page(width=375, height=740)
    phone.goto("/public/checkpoints")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 376
    live.shot(phone, "public-checkpoints-phone")
    inspector = live.login(INSPECTOR)
    for path in ("/audit/checkpoints?lang=en", "/audit?lang=en", "/audit/1?prove=1"):
        inspector.goto(path)
        assert not HAN.findall(chrome_text(inspector)), (path, chrome_text(inspector))
    live.shot(inspector, "inspector-prove-entry-en")
