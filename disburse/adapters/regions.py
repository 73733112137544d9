"""The bundled region list (``disburse/data/regions.csv``, see REGIONS.md there).

Besides the GB/T 2260 rows there is one root, ``000000 全国`` (national), so a
national supervisor or inspector can hold the whole country as jurisdiction.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from disburse.paths import DATA_DIR

ROOT_CODE = "000000"


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent: str | None
    path: str


def read_regions() -> Iterator[RegionRow]:
    """The national list with materialised paths, parents before children."""
    yield RegionRow(ROOT_CODE, "全国", "country", None, f"/{ROOT_CODE}/")
    paths = {ROOT_CODE: f"/{ROOT_CODE}/"}
    with (DATA_DIR / "regions.csv").open(encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: ("province", "prefecture", "county").index(r["level"]))
    for row in rows:
        parent = row["parent"] or ROOT_CODE
        path = f"{paths[parent]}{row['code']}/"
        paths[row["code"]] = path
        yield RegionRow(row["code"], row["name"], row["level"], parent, path)
