"""``audit verify`` against a bare hash loop: the other helper's ``bench.audit_verify`` if present."""

from __future__ import annotations

import hashlib
import importlib
import time
from typing import Any

from bench.common import Metric, check, median
from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.domain.audit import canonical_bytes
from disburse.services import audit


def fallback_measure(database_url: str, repeats: int = 3) -> dict[str, Any]:
    """Seconds of ``services.audit.verify`` over seconds of SHA-256 over the same canonical bytes."""
    db = Database(database_url)
    try:
        with db.reading() as tx:
            blobs = [canonical_bytes(e) for e in audit_log.iter_entries(tx.session)]
        bare, full = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for blob in blobs:
                hashlib.sha256(blob).hexdigest()
            bare.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            report = audit.verify(db)
            full.append(time.perf_counter() - t0)
            assert report.ok, report
        value, baseline = median(full), median(bare)
        return {"value": value, "baseline": baseline, "ratio": value / baseline, "entries": len(blobs)}
    finally:
        db.dispose()


def audit_verify_ratio(database_url: str) -> Metric:
    try:
        module = importlib.import_module("bench.audit_verify")
        result = module.measure(database_url)
        source = "bench.audit_verify.measure (the audit helper's)"
    except ModuleNotFoundError:
        result = fallback_measure(database_url)
        source = ("FALLBACK (bench/audit_verify.py absent): services.audit.verify vs bare sha256 over "
                  "pre-built canonical bytes")
    ratio = float(result["ratio"])
    return Metric("audit_verify_ratio", round(float(result["value"]), 3), "s", round(float(result["baseline"]), 3),
                  round(ratio, 2), "<= 2.0", check("<= 2.0", ratio), source,
                  {k: v for k, v in result.items() if k not in ("value", "baseline", "ratio")})
