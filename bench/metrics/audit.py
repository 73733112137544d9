"""``audit verify`` against a bare hash loop over the same canonical bytes (``bench.audit_verify``)."""

from __future__ import annotations

from bench.audit_verify import measure
from bench.common import Metric, check


def audit_verify_ratio(database_url: str) -> Metric:
    result = measure(database_url)
    source = "bench.audit_verify.measure: audit verify vs a bare sha256 loop over the same bytes"
    ratio = float(result["ratio"])
    return Metric("audit_verify_ratio", round(float(result["value"]), 3), "s", round(float(result["baseline"]), 3),
                  round(ratio, 2), "<= 4.0", check("<= 4.0", ratio), source,
                  {k: v for k, v in result.items() if k not in ("value", "baseline", "ratio")})
