"""Regenerate a plan workbook from a plan file with the project's own exporter (issue 9).

    python -m disburse.excel examples/plans/000-keping-2020.yaml examples/plans/000-keping-2020.xlsx

The workbook keeps the file's unit (万元 as in the seeds' tables) and its ``source`` note; the
same file always gives the same bytes, so the committed examples change only when the plan does.
"""

import sys
from pathlib import Path

import yaml
from marshmallow import ValidationError

from disburse.excel.plan import plan_workbook
from disburse.schemas import flatten_errors
from disburse.schemas.plan import load_plan


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m disburse.excel PLAN.yaml OUT.xlsx", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    try:
        plan, note = load_plan(document)
    except ValidationError as exc:
        for field, messages in flatten_errors(exc.messages).items():
            print(f"{source}: {field}: {'; '.join(messages)}", file=sys.stderr)
        return 1
    target.write_bytes(plan_workbook(plan, document.get("unit", "元"), note))
    print(f"{target}: {len(plan.lines)} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
