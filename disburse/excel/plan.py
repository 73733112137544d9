"""The plan as a workbook laid out like the seeds' budget tables, written and read back (issue 9).

The first sheet is the budget table of seed 000 §7 and seed 001 §6(1): 序号 | 类别 | 建设内容 | 金额 |
小计 | 资金用途 | 责任单位 | 配合单位 | 完成时限 | 备注, the category and its 小计 merged over the category's
lines, a row number (序号) merged where a seed row has several sub-items (seed 001's rows 1, 3, 4, 5, 6),
and a 合计 row. The optional sheet 项目信息 holds the rest of the plan as key–value rows and three small
tables (资金来源, 实施阶段, 绩效目标). docs/excel.md describes the layout cell by cell.

Reading builds the same plan document that :func:`disburse.schemas.plan.load_plan` accepts, and checks
every 小计 and the 合计 against the lines: a mismatch is a field error named by its cell
(``E7: 小计 150 ≠ 该类合计 140``), like a schema error mapped back to the cell it came from.
"""

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Border
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from disburse.adapters import rulesets
from disburse.domain.money import UNITS
from disburse.domain.plan import Plan
from disburse.excel.cells import (
    BOLD,
    CENTRE,
    DATE_FORMAT,
    HEADER_FILL,
    MONEY_FORMATS,
    QUANTITY_FORMAT,
    TOTAL_FILL,
    WRAP,
    header,
    number,
    put,
    title,
    to_bytes,
)
from disburse.schemas import flatten_errors
from disburse.schemas.plan import load_plan

TABLE_SHEET = "资金安排"
INFO_SHEET = "项目信息"
TOTAL_LABELS = ("合计", "总计")
#: Rows under the header of the budget table: the title is row 1, the header row 2.
HEADER_ROW = 2

#: The budget table's columns: key, header (the unit is appended to money columns), width.
COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("ref", "序号", 8), ("category", "类别", 22), ("item", "建设内容", 60), ("amount", "金额", 14),
    ("subtotal", "小计", 14), ("tags", "资金用途", 20), ("responsible", "责任单位", 22),
    ("cooperating", "配合单位", 16), ("deadline", "完成时限", 12), ("note", "备注", 40),
)
COL = {key: i for i, (key, _, _) in enumerate(COLUMNS, start=1)}
#: Header words a hand-made table may use (seed 000 §7: 大类/建设内容/金额（万元）; seed 001 §6(1):
#: 序号/支持内容/细项/支持资金（万元）/合计（万元）). The first word that starts a header cell wins.
HEADER_WORDS: tuple[tuple[str, str], ...] = (
    ("序号", "ref"), ("类别", "category"), ("大类", "category"), ("支持内容", "category"),
    ("项目类别", "category"), ("建设内容", "item"), ("细项", "item"), ("项目内容", "item"),
    ("小计", "subtotal"), ("合计", "subtotal"), ("资金用途", "tags"), ("标签", "tags"), ("金额", "amount"),
    ("支持资金", "amount"), ("资金", "amount"), ("责任单位", "responsible"), ("配合单位", "cooperating"),
    ("完成时限", "deadline"), ("时限", "deadline"), ("备注", "note"),
    ("ref", "ref"), ("category", "category"), ("item", "item"), ("amount", "amount"),
    ("subtotal", "subtotal"), ("tags", "tags"), ("responsible", "responsible"),
    ("cooperating", "cooperating"), ("deadline", "deadline"), ("note", "note"),
)

#: 项目信息: key–value rows (key in column A, value in column B; the field name in column C).
INFO_KEYS: tuple[tuple[str, str], ...] = (
    ("name", "项目名称"), ("doc_no", "文号"), ("region", "地区代码"), ("rule_set", "资金规则"),
    ("unit", "金额单位"), ("total", "总投资"), ("period_start", "实施期开始"), ("period_end", "实施期结束"),
    ("source_seed", "来源文件"), ("source_sections", "来源章节"), ("source_note", "来源说明"),
)
INFO_ALIASES = {**{zh: key for key, zh in INFO_KEYS}, **{key: key for key, _ in INFO_KEYS},
                "名称": "name", "地区": "region", "单位": "unit", "总额": "total"}
#: 项目信息: the three tables, each a title row, a header row and one row per entry.
SECTIONS: dict[str, tuple[str, tuple[tuple[str, str, float], ...]]] = {
    "funding": ("资金来源", (("source", "来源", 30), ("amount", "金额", 16), ("note", "备注", 60),
                         ("predecessor", "前序项目", 12))),
    "phases": ("实施阶段", (("name", "阶段", 30), ("start", "开始", 16), ("end", "结束", 14),
                        ("note", "备注", 60))),
    "targets": ("绩效目标", (("name", "指标", 30), ("unit", "单位", 16), ("target", "目标值", 14),
                         ("note", "备注", 60))),
}
SECTION_ALIASES = {**{zh: key for key, (zh, _) in SECTIONS.items()}, **{key: key for key in SECTIONS}}
LIST_SPLIT = re.compile(r"[、\n]+")
TAG_SPLIT = re.compile(r"[、,，;；\s]+")
REGION_CODE = re.compile(r"\s*(\d{6})\b")


# --- writing ------------------------------------------------------------------------------------


def _wan(value: Decimal, unit: str) -> Decimal:
    """Yuan in the table's unit, exactly (万元 keeps up to six decimals: the fen)."""
    return (value / UNITS[unit]).normalize()


def _labels(rule_set: str) -> dict[str, str]:
    """Tag → its Chinese label, for the labels that name one tag only in the rule set."""
    try:
        rules = rulesets.load(rule_set)
    except LookupError:
        return {}
    labels = {tag: rules.tag_label(tag)[0] for tag in rules.vocabulary()}
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    return {tag: label for tag, label in labels.items() if counts[label] == 1}


def _runs(values: list[Any]) -> list[tuple[int, int]]:
    """Consecutive equal values as (first, last) index pairs."""
    runs: list[tuple[int, int]] = []
    for i, value in enumerate(values):
        if runs and values[runs[-1][0]] == value:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def plan_workbook(plan: Plan, unit: str = "元", source: Mapping[str, Any] | None = None,
                  when: datetime | None = None) -> bytes:
    """The plan as an .xlsx workbook: the budget table first, then 项目信息 (see the module docstring).

    Amounts are numbers in ``unit`` (元 or 万元, as the plan document was written) with a number
    format that shows the unit; dates are dates. The same plan always gives the same bytes.
    """
    money = MONEY_FORMATS[unit]
    wb = Workbook()
    ws = wb.active
    ws.title = TABLE_SHEET
    title(ws, f"{plan.name} 资金安排表", len(COLUMNS))
    header(ws, HEADER_ROW, [(f"{label}（{unit}）" if key in ("amount", "subtotal") else label, width)
                            for key, label, width in COLUMNS])
    labels = _labels(plan.rule_set)
    first = HEADER_ROW + 1
    for i, line in enumerate(plan.lines):
        row = first + i
        put(ws, row, COL["ref"], line.ref, style=CENTRE)
        put(ws, row, COL["category"], line.category, style=CENTRE)
        put(ws, row, COL["item"], line.item, style=WRAP)
        put(ws, row, COL["amount"], None if line.amount is None else _wan(line.amount, unit), money)
        put(ws, row, COL["subtotal"], None, money, style=CENTRE)
        put(ws, row, COL["tags"], "、".join(labels.get(t, t) for t in line.tags), style=WRAP)
        put(ws, row, COL["responsible"], "、".join(line.responsible) or None, style=WRAP)
        put(ws, row, COL["cooperating"], "、".join(line.cooperating) or None, style=WRAP)
        put(ws, row, COL["deadline"], line.deadline, DATE_FORMAT)
        put(ws, row, COL["note"], line.note, style=WRAP)
    categories = [line.category for line in plan.lines]
    written: set[str] = set()
    for start, end in _runs(categories):
        category = categories[start]
        if category in plan.subtotals and category not in written:
            ws.cell(row=first + start, column=COL["subtotal"]).value = number(_wan(plan.subtotals[category], unit))
            written.add(category)
        for key in ("category", "subtotal"):
            if end > start:
                ws.merge_cells(start_row=first + start, start_column=COL[key], end_row=first + end,
                               end_column=COL[key])
        refs = [(line.ref if line.ref else None) for line in plan.lines[start:end + 1]]
        for r_start, r_end in _runs(refs):
            if refs[r_start] is not None and r_end > r_start:
                ws.merge_cells(start_row=first + start + r_start, start_column=COL["ref"],
                               end_row=first + start + r_end, end_column=COL["ref"])
    total_row = first + len(plan.lines)
    for col in range(1, len(COLUMNS) + 1):
        put(ws, total_row, col, None).fill = TOTAL_FILL
    put(ws, total_row, COL["ref"], "合计", style=CENTRE, font=BOLD).fill = TOTAL_FILL
    ws.merge_cells(start_row=total_row, start_column=COL["ref"], end_row=total_row, end_column=COL["item"])
    put(ws, total_row, COL["amount"], _wan(plan.total, unit), money, font=BOLD).fill = TOTAL_FILL
    _info_sheet(wb.create_sheet(INFO_SHEET), plan, unit, source or {})
    return to_bytes(wb, when)


def _info_sheet(ws: Worksheet, plan: Plan, unit: str, source: Mapping[str, Any]) -> None:
    money = MONEY_FORMATS[unit]
    header(ws, 1, [("项目", 16), ("内容", 60), ("字段", 16)])
    ws.column_dimensions["D"].width = 12
    values: dict[str, Any] = {
        "name": plan.name, "doc_no": plan.doc_no, "region": plan.region, "rule_set": plan.rule_set, "unit": unit,
        "total": _wan(plan.total, unit), "period_start": plan.period_start, "period_end": plan.period_end,
        "source_seed": source.get("seed"), "source_sections": "、".join(source.get("sections") or []) or None,
        "source_note": source.get("note"),
    }
    row = 2
    for key, label in INFO_KEYS:
        put(ws, row, 1, label, font=BOLD)
        put(ws, row, 2, values[key], money if key == "total" else None, style=WRAP)
        put(ws, row, 3, key)
        row += 1
    entries: dict[str, list[dict[str, Any]]] = {
        "funding": [{"source": f.source, "amount": _wan(f.amount, unit), "note": f.note,
                     "predecessor": f.predecessor} for f in plan.funding],
        "phases": [{"name": p.name, "start": p.start, "end": p.end, "note": p.note} for p in plan.phases],
        "targets": [{"name": t.name, "unit": t.unit, "target": t.target, "note": t.note} for t in plan.targets],
    }
    formats = {"amount": money, "target": QUANTITY_FORMAT, "start": DATE_FORMAT, "end": DATE_FORMAT}
    for key, (label, columns) in SECTIONS.items():
        row += 1
        put(ws, row, 1, label, font=BOLD).border = Border()
        row += 1
        for col, (_, name, _) in enumerate(columns, start=1):
            cell = put(ws, row, col, f"{name}（{unit}）" if name == "金额" else name, font=BOLD, style=CENTRE)
            cell.fill = HEADER_FILL
        for entry in entries[key]:
            row += 1
            for col, (field_key, _, _) in enumerate(columns, start=1):
                put(ws, row, col, entry[field_key], formats.get(field_key), style=WRAP)
        row += 1


# --- reading ------------------------------------------------------------------------------------


class WorkbookError(ValueError):
    """A workbook that is not a plan: its field errors, keyed by cell (``E7``) or by field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("the workbook is not a valid plan")
        self.errors = errors


@dataclass
class _Read:
    """What reading found: the document, where each field came from, and what is wrong."""

    document: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, where: str, message: str) -> None:
        self.errors.setdefault(where, []).append(message)


class _Sheet:
    """A worksheet's values with merged ranges filled in from their top-left cell."""

    def __init__(self, ws: Worksheet, prefix: str = "") -> None:
        self.ws = ws
        self.prefix = prefix
        self.origin: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    self.origin[(row, col)] = (rng.min_row, rng.min_col)

    def value(self, row: int, col: int) -> Any:
        r, c = self.origin.get((row, col), (row, col))
        value = self.ws.cell(row=r, column=c).value
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def address(self, row: int, col: int) -> str:
        r, c = self.origin.get((row, col), (row, col))
        return f"{self.prefix}{get_column_letter(c)}{r}"


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _decimal(value: Any) -> Decimal | None:
    """A cell's number exactly (a float cell by its shortest repr); None if it is not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            number = Decimal(value.replace(",", "").replace("，", "").removesuffix("万元").removesuffix("元"))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() or None


def _date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


def _money(read: _Read, sheet: _Sheet, row: int, col: int, path: str) -> str | None:
    """The money cell as the document's string in the table's unit; an error if it is not a number."""
    value = sheet.value(row, col)
    if value is None:
        return None
    number = _decimal(value)
    read.cells[path] = sheet.address(row, col)
    if number is None:
        read.error(sheet.address(row, col), f"不是金额 (not an amount): {value!r}")
        return None
    return _fmt(number)


def _header(sheet: _Sheet) -> tuple[int, dict[str, int], str | None, str | None]:
    """The header row, its columns by key, the unit its money headers name, and that cell."""
    ws = sheet.ws
    for row in range(1, min(ws.max_row, 12) + 1):
        columns: dict[str, int] = {}
        unit = unit_cell = None
        for col in range(1, ws.max_column + 1):
            text = re.sub(r"\s+", "", str(sheet.value(row, col) or ""))
            if not text:
                continue
            key = next((k for word, k in HEADER_WORDS if text.lower().startswith(word)), None)
            if key == "amount" and "amount" in columns and "subtotal" not in columns:
                key = "subtotal"  # seed 000 §7 heads both money columns 金额（万元）
            if key is None or key in columns:
                continue
            columns[key] = col
            if key in ("amount", "subtotal") and unit is None and "元" in text:
                unit = "万元" if "万元" in text else "元"
                unit_cell = sheet.address(row, col)
        if {"category", "item", "amount"} <= set(columns):
            return row, columns, unit, unit_cell
    raise WorkbookError({f"{sheet.prefix}A1": [
        "找不到预算表的表头：需要“类别”“建设内容”“金额”等列 (no header row with 类别, 建设内容 and 金额)"]})


def _info(read: _Read, wb: Any) -> dict[str, Any]:
    """The 项目信息 sheet's values by key, the lists in the document, cells recorded."""
    if INFO_SHEET not in wb.sheetnames:
        return {}
    sheet = _Sheet(wb[INFO_SHEET], f"{INFO_SHEET}!")
    ws = sheet.ws
    values: dict[str, Any] = {}
    row = 1
    while row <= ws.max_row:
        label = _text(sheet.value(row, 1))
        key = INFO_ALIASES.get(label or "")
        section = SECTION_ALIASES.get(label or "")
        if key is not None:
            values[key] = sheet.value(row, 2)
            read.cells[key] = sheet.address(row, 2)
        elif section is not None:
            row = _section(read, sheet, row + 1, section)
            continue
        row += 1
    return values


def _section(read: _Read, sheet: _Sheet, row: int, section: str) -> int:
    """One table of 项目信息 from its header row to the next empty row; returns the row after it."""
    _, columns = SECTIONS[section]
    words = {name: key for key, name, _ in columns} | {key: key for key, _, _ in columns}
    where: dict[str, int] = {}
    for col in range(1, sheet.ws.max_column + 1):
        text = re.sub(r"[（(].*", "", _text(sheet.value(row, col)) or "")
        if text in words:
            where[words[text]] = col
    entries: list[dict[str, Any]] = []
    row += 1
    while row <= sheet.ws.max_row and any(sheet.value(row, c) is not None for c in where.values()):
        i = len(entries)
        entry: dict[str, Any] = {}
        for key, col in where.items():
            path = f"{section}.{i}.{key}"
            read.cells[path] = sheet.address(row, col)
            value = sheet.value(row, col)
            if key == "amount":
                entry[key] = _money(read, sheet, row, col, path)
            elif key == "target":
                number = _decimal(value)
                entry[key] = _fmt(number) if number is not None else _text(value)
            elif key in ("start", "end"):
                entry[key] = _date(value)
            elif key == "predecessor":
                entry[key] = int(value) if isinstance(value, (int, float)) and float(value).is_integer() \
                    else _text(value)
            else:
                entry[key] = _text(value)
        read.cells[f"{section}.{i}"] = sheet.address(row, 1)
        entries.append({k: v for k, v in entry.items() if v is not None})
        row += 1
    read.document[section] = entries
    return row


def _tags(text: str | None, rule_set: str | None) -> list[str]:
    if not text:
        return []
    codes: dict[str, str] = {}
    if rule_set:
        codes = {label: tag for tag, label in _labels(rule_set).items()}
    return [codes.get(word, word) for word in TAG_SPLIT.split(text) if word]


def _table(read: _Read, sheet: _Sheet, rule_set: str | None) -> tuple[str | None, str | None, str | None]:
    """The budget lines and subtotals into the document; returns the table's unit and total, and the
    total's cell."""
    row, columns, unit, unit_cell = _header(sheet)
    if unit_cell:
        read.cells["unit"] = unit_cell
    lines: list[dict[str, Any]] = []
    line_rows: list[int] = []
    subtotals: dict[str, tuple[Decimal, str]] = {}
    total: str | None = None
    total_cell: str | None = None

    def cell(r: int, key: str) -> Any:
        return sheet.value(r, columns[key]) if key in columns else None

    for r in range(row + 1, sheet.ws.max_row + 1):
        if all(sheet.value(r, c) is None for c in columns.values()):
            continue
        label = re.sub(r"\s+", "", _text(cell(r, "ref")) or _text(cell(r, "category")) or "")
        if label in TOTAL_LABELS:
            for key in ("amount", "subtotal"):
                number = _decimal(cell(r, key)) if key in columns else None
                if number is not None and total is None:
                    total, total_cell = _fmt(number), sheet.address(r, columns[key])
            if total is None:
                read.error(sheet.address(r, columns["amount"]), "合计行没有金额 (the total row has no amount)")
            if lines:
                break
            continue
        i = len(lines)
        path = f"lines.{i}"
        read.cells[path] = sheet.address(r, columns["item"])
        for key in columns:
            read.cells[f"{path}.{key}"] = sheet.address(r, columns[key])
        line: dict[str, Any] = {
            "ref": _text(cell(r, "ref")), "category": _text(cell(r, "category")), "item": _text(cell(r, "item")),
            "amount": _money(read, sheet, r, columns["amount"], f"{path}.amount"),
            "tags": _tags(_text(cell(r, "tags")), rule_set),
            "responsible": [w for w in LIST_SPLIT.split(_text(cell(r, "responsible")) or "") if w],
            "cooperating": [w for w in LIST_SPLIT.split(_text(cell(r, "cooperating")) or "") if w],
            "deadline": _date(cell(r, "deadline")), "note": _text(cell(r, "note")),
        }
        for key in ("category", "item"):
            if line[key] is None:
                read.error(sheet.address(r, columns[key]),
                           f"{dict((k, h) for k, h, _ in COLUMNS)[key]}为空 ({key} is empty)")
        lines.append({k: v for k, v in line.items() if v is not None})
        line_rows.append(r)
        if "subtotal" in columns and line["category"]:
            value = cell(r, "subtotal")
            where = sheet.address(r, columns["subtotal"])
            number = _decimal(value)
            if value is not None and number is None:
                read.error(where, f"不是金额 (not an amount): {value!r}")
            elif number is not None:
                known = subtotals.get(line["category"])
                if known is None:
                    subtotals[line["category"]] = (number, where)
                    read.cells[f"subtotals.{line['category']}"] = where
                elif known[1] != where and known[0] != number:
                    read.error(where, f"小计 {_fmt(number)} 与 {known[1]} 的 {_fmt(known[0])} 不一致"
                                      f"（{line['category']}）")
    read.document["lines"] = lines
    read.document["subtotals"] = {category: _fmt(value) for category, (value, _) in subtotals.items()}
    _check_sums(read, lines, subtotals, total, total_cell)
    return unit, total, total_cell


def _check_sums(read: _Read, lines: list[dict[str, Any]], subtotals: dict[str, tuple[Decimal, str]],
                total: str | None, total_cell: str | None) -> None:
    """Every 小计 equals its category's lines, the 合计 equals all lines (seed 000 §7: 66+133+380+60+11 =
    650); a category or table with a line still without amount (a draft, seed 002) is not summed."""
    def summed(rows: list[dict[str, Any]]) -> Decimal | None:
        amounts = [_decimal(row.get("amount")) for row in rows]
        if any(a is None for a in amounts):
            return None
        return sum((a for a in amounts if a is not None), Decimal(0))

    for category, (subtotal, where) in subtotals.items():
        got = summed([line for line in lines if line.get("category") == category])
        if got is not None and got != subtotal:
            read.error(where, f"小计 {_fmt(subtotal)} ≠ 该类合计 {_fmt(got)}（{category}）")
    got = summed(lines)
    if total is not None and total_cell is not None and lines and got is not None and got != Decimal(total):
        read.error(total_cell, f"合计 {total} ≠ 各行金额之和 {_fmt(got)}")


def read_plan_workbook(data: bytes, *, name: str | None = None, region: str | None = None,
                       rule_set: str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The plan document a workbook holds, and the cell each field came from.

    ``name``, ``region`` and ``rule_set`` fill in (or replace) what the 项目信息 sheet gives, so a
    workbook with only the budget table can be imported. Raises :class:`WorkbookError` naming cells.
    """
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a non-workbook
        raise WorkbookError({"file": [f"不是 .xlsx 工作簿 (not an .xlsx workbook): {type(exc).__name__}"]}) from None
    read = _Read()
    info = _info(read, wb)
    overrides = {"name": name, "region": region, "rule_set": rule_set}
    for key, value in overrides.items():
        if value:
            info[key] = value
            read.cells.pop(key, None)
    tables = [ws for ws in wb.worksheets if ws.title != INFO_SHEET]
    if not tables:
        raise WorkbookError({"file": ["工作簿中没有预算表 (the workbook has no budget table sheet)"]})
    first = tables[0]
    prefix = "" if wb.worksheets[0] is first else f"{first.title}!"
    rule = _text(info.get("rule_set"))
    unit, total, total_cell = _table(read, _Sheet(first, prefix), rule)
    document = read.document
    info_unit = _text(info.get("unit"))
    if unit and info_unit and unit != info_unit:
        read.error(read.cells.get("unit", "unit"), f"表头单位 {unit} 与项目信息的金额单位 {info_unit} 不一致")
    document["unit"] = unit or info_unit or "元"
    info_total = _decimal(info.get("total"))
    if info.get("total") is not None and info_total is None:
        read.error(read.cells.get("total", "total"), f"不是金额 (not an amount): {info.get('total')!r}")
    if info_total is not None and total is not None and info_total != Decimal(total) and total_cell:
        read.error(total_cell, f"合计 {total} ≠ 项目信息的总投资 {_fmt(info_total)}")
    if info_total is not None:
        document["total"] = _fmt(info_total)
    elif total is not None:
        document["total"] = total
        if total_cell:
            read.cells["total"] = total_cell
    for key, flag in (("name", "--name"), ("region", "--region"), ("rule_set", "--rule-set")):
        value = _text(info.get(key))
        if key == "region" and value and (m := REGION_CODE.match(value)):
            value = m.group(1)
        if value:
            document[key] = value
        else:
            read.error(key, f"缺少{dict(INFO_KEYS)[key]}：在“{INFO_SHEET}”表中填写，或用 {flag} 给出 "
                            f"(missing: fill it in on the {INFO_SHEET} sheet or give {flag})")
    if "total" not in document:
        read.error("total", f"缺少总投资：在“{INFO_SHEET}”表中或预算表的合计行填写 (missing total)")
    if _text(info.get("doc_no")):
        document["doc_no"] = _text(info.get("doc_no"))
    start, end = _date(info.get("period_start")), _date(info.get("period_end"))
    if start or end:
        document["period"] = {k: v for k, v in (("start", start), ("end", end)) if v}
        read.cells["period.start"] = read.cells.get("period_start", "period")
        read.cells["period.end"] = read.cells.get("period_end", "period")
    source = {"seed": _text(info.get("source_seed")),
              "sections": [w for w in LIST_SPLIT.split(_text(info.get("source_sections")) or "") if w] or None,
              "note": _text(info.get("source_note"))}
    if any(source.values()):
        document["source"] = {k: v for k, v in source.items() if v}
    if read.errors:
        raise WorkbookError(read.errors)
    return document, read.cells


def _at_cells(errors: dict[str, list[str]], cells: Mapping[str, str]) -> dict[str, list[str]]:
    """Schema errors (``lines.3.tags``) moved to the cell the value came from (``F8``)."""
    moved: dict[str, list[str]] = {}
    for path, messages in errors.items():
        parts = path.split(".")
        where = next((cells[".".join(parts[:n])] for n in range(len(parts), 0, -1)
                      if ".".join(parts[:n]) in cells), None)
        if where is None:
            moved.setdefault(path, []).extend(messages)
        else:
            moved.setdefault(where, []).extend(f"{path}: {m}" for m in messages)
    return moved


def load_plan_workbook(data: bytes, *, name: str | None = None, region: str | None = None,
                       rule_set: str | None = None) -> tuple[Plan, dict[str, Any]]:
    """Read a plan workbook and validate it like a plan file: the plan and its ``source`` note.

    Raises :class:`marshmallow.ValidationError` whose flat field errors name cells where they can
    (``{"E7": ["小计 150 ≠ 该类合计 140（…）"]}``), so the CLI, the API and the UI show them as they
    show a YAML plan's errors.
    """
    try:
        document, cells = read_plan_workbook(data, name=name, region=region, rule_set=rule_set)
    except WorkbookError as exc:
        raise ValidationError(exc.errors) from None
    try:
        return load_plan(document)
    except ValidationError as exc:
        raise ValidationError(_at_cells(flatten_errors(exc.messages), cells)) from None
