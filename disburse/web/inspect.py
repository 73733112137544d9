"""The inspectors' desk: the audit trail browser, one entry in full, and "verify the log" (SPEC §8, issue 7).

The entries are listed newest first (highest sequence number first), filtered by project,
actor, action prefix and a range of Beijing dates; which entries an inspector may read is
decided by :func:`disburse.services.audit.browse`.

Issue 8 adds the inspectors' proofs (docs/audit-proofs.md): the signed checkpoints with the
verifier keys, "prove this entry" (its inclusion proof in the latest checkpoint, checked here
against the root the checkpoint's signed note holds) and the export as a zip for
``tools/verify_audit.py``. Who may ask for proofs and exports is decided by
:mod:`disburse.services.checkpoints`.
"""

import json
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from disburse.domain import merkle
from disburse.domain.checkpoint import NoteError, open_checkpoint, parse_verifier_key
from disburse.domain.dates import DateError, parse_date
from disburse.services import audit, checkpoints
from disburse.services.errors import Conflict, NotFound
from disburse.web.common import actor, attempt, db, now, unmet_messages
from disburse.web.i18n import SHANGHAI

bp = Blueprint("inspect_ui", __name__, template_folder="templates")

PER_PAGE = 50
#: Action prefixes offered in the filter (any prefix may be typed).
ACTION_PREFIXES = (
    ("project.", _l("项目流程")), ("contract.", _l("合同")), ("acceptance.", _l("验收")),
    ("objection.", _l("公示异议")), ("payment.", _l("拨付")), ("document.", _l("文件上传")),
    ("report.", _l("进度月报")), ("auth.", _l("登录与退出")), ("access.denied", _l("拒绝访问")),
    ("user.", _l("用户管理")),
)
#: What an entry is about, as people say it.
ENTITY_LABELS = {
    "project": _l("项目"), "contract": _l("合同"), "acceptance": _l("验收"), "payment": _l("拨付"),
    "objection": _l("异议"), "document": _l("文件"), "report": _l("进度月报"), "user": _l("用户"),
    "allocation": _l("资金到位"), "recovery": _l("资金收回"), "amendment": _l("方案调整"),
    "call": _l("项目申报通知"), "application": _l("项目申报"), "volume_report": _l("业务量报送"),
}
#: Entities with a page of their own in the UI.
ENTITY_PATHS = {"project": "/projects/{}", "contract": "/contracts/{}", "acceptance": "/acceptances/{}",
                "payment": "/payments/{}"}


def _date(name: str, errors: dict[str, list[str]]) -> date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return parse_date(text)
    except DateError:
        errors[name] = [_("日期格式应为 YYYY-MM-DD")]
        return None


@bp.get("/audit")
@login_required
def home() -> Any:
    """The newest entries, or a keyset page of them (``before``/``after`` a sequence number, issue 19).

    The page numbers of before issue 19 (``?page=N``) answer with a redirect to the newest page under
    the same filters: a page number has no keyset equivalent without counting the log.
    """
    errors: dict[str, list[str]] = {}
    values = {k: (request.args.get(k) or "").strip() for k in ("project", "actor", "action", "from", "to")}
    filters: dict[str, Any] = {k: v for k, v in values.items() if v}
    if "page" in request.args:
        return redirect(url_for("inspect_ui.home", **filters))
    project_id = request.args.get("project", type=int)
    if values["project"] and project_id is None:
        errors["project"] = [_("项目编号应为数字")]
    date_from, date_to = _date("from", errors), _date("to", errors)
    before, after = request.args.get("before", type=int), request.args.get("after", type=int)
    entries = None
    if not errors:
        entries = attempt(lambda: audit.browse(
            db(), actor(), project_id=project_id, username=values["actor"] or None, action=values["action"] or None,
            date_from=date_from, date_to=date_to, before=before, after=after, per_page=PER_PAGE), errors)
    status = 422 if errors else 200
    return render_template("inspect/home.html", entries=entries, values=values, filters=filters, errors=errors,
                           prefixes=ACTION_PREFIXES, entity_paths=ENTITY_PATHS, entity_labels=ENTITY_LABELS), status


@bp.get("/audit/<int:seq>")
@login_required
def entry(seq: int) -> Any:
    found = attempt(lambda: audit.entry(db(), actor(), seq))
    if found is None:
        return redirect(url_for("inspect_ui.home"))
    pretty = json.dumps(found["data"], ensure_ascii=False, indent=2, sort_keys=True)
    proof, refusal = None, None
    if request.args.get("prove"):
        proof, refusal = attempt(lambda: _prove(seq)) or (None, None)
    return render_template("inspect/entry.html", e=found, pretty=pretty, entity_paths=ENTITY_PATHS,
                           entity_labels=ENTITY_LABELS, proof=proof, refusal=refusal,
                           may_prove=actor().role in checkpoints.PROVERS)


def _prove(seq: int) -> tuple[dict[str, Any] | None, list[dict[str, str]] | None]:
    """The entry's inclusion proof in the latest checkpoint, checked; or why there is none yet."""
    try:
        proof = checkpoints.inclusion(db(), actor(), seq)
    except Conflict as exc:  # no checkpoint yet
        return None, unmet_messages(exc)
    except NotFound:  # the entry exists (the page shows it): it came after the latest checkpoint
        return None, []
    return {**proof, "checks": check_inclusion(proof, _settings())}, None


def _settings() -> Any:
    return current_app.extensions["disburse.settings"]


def check_inclusion(proof: dict[str, Any], settings: Any) -> dict[str, bool]:
    """Check a proof as an inspector would, against the signed note rather than the server's word.

    ``signed``: the checkpoint's note carries a valid signature by a published key of the log;
    ``root``: the note's root is the proof's root; ``included``: the audit path leads from the
    leaf hash to that root (RFC 9162 §2.1.3.2, :func:`disburse.domain.merkle.verify_inclusion`).
    """
    signed_root: bytes | None = None
    try:
        keys = [parse_verifier_key(line) for line in checkpoints.public_keys(settings)]
        cp = open_checkpoint(proof["checkpoint"] or "", keys, origin=settings.audit_origin)
        signed_root = cp.root if cp.size == proof["size"] else None
    except NoteError:
        signed_root = None
    root = bytes.fromhex(proof["root"])
    included = merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), proof["leaf_index"], proof["size"],
                                       [bytes.fromhex(h) for h in proof["proof"]], signed_root or root)
    return {"signed": signed_root is not None, "root": signed_root == root, "included": included,
            "ok": signed_root == root and included}


@bp.get("/audit/checkpoints", endpoint="checkpoints")
@login_required
def checkpoints_page() -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    listed = checkpoints.list_checkpoints(db(), page=page, per_page=PER_PAGE)
    return render_template("inspect/checkpoints.html", listed=listed, keys=checkpoints.public_keys(_settings()))


@bp.get("/audit/export.zip")
@login_required
def export() -> Any:
    """The inspectors' export (entries.jsonl, checkpoints/, public_key) as one zip, dated in Beijing time."""
    keys = checkpoints.public_keys(_settings())
    with tempfile.TemporaryDirectory(prefix="disburse-export-") as tmp:
        if attempt(lambda: checkpoints.export(db(), actor(), Path(tmp), keys)) is None:
            return redirect(url_for("inspect_ui.home"))
        archive = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 - the response closes it
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(Path(tmp).rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(tmp).as_posix())
    archive.seek(0)
    stamp = now().astimezone(SHANGHAI).strftime("%Y%m%d-%H%M")
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=f"disburse-audit-{stamp}.zip", max_age=0)


@bp.post("/audit/verify")
@login_required
def verify() -> Any:
    keys = checkpoints.public_keys(_settings())
    report = attempt(lambda: audit.verify_as(db(), actor(), keys))
    if report is None:
        pass
    elif report.ok:
        flash(_("审计日志校验通过：共 %(n)s 条记录，链头哈希 %(head)s；%(c)s 个签名检查点相符（覆盖前 %(covered)s 条）",
                n=report.entries, head=report.head, c=report.checkpoints, covered=report.covered), "verified")
    elif report.first_broken is None:
        flash(_("审计日志的检查点不可信：%(reason)s", reason=report.reason), "error")
    elif report.first_broken_upto is not None:
        flash(_("审计日志与签名检查点不符，第一处不同在第 %(first)s 至 %(last)s 条记录之间：%(reason)s",
                first=report.first_broken, last=report.first_broken_upto, reason=report.reason), "error")
    else:
        flash(_("审计日志在第 %(seq)s 条记录处断开：%(reason)s（此前 %(n)s 条完好）",
                seq=report.first_broken, reason=report.reason, n=report.entries), "error")
    return redirect(url_for("inspect_ui.home"))
