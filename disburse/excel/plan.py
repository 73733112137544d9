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
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Border
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
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
from disburse.excel.tagging import inferrer
from disburse.schemas import flatten_errors
from disburse.schemas.plan import load_plan

TABLE_SHEET = "资金安排"
INFO_SHEET = "项目信息"
#: Rows under the header of the budget table: the title is row 1, the header row 2.
HEADER_ROW = 2

#: The budget table's columns: key, header (the unit is appended to money columns), width.
COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("ref", "序号", 8), ("category", "类别", 22), ("item", "建设内容", 60), ("amount", "金额", 14),
    ("subtotal", "小计", 14), ("tags", "资金用途", 20), ("responsible", "责任单位", 22),
    ("cooperating", "配合单位", 16), ("deadline", "完成时限", 12), ("note", "备注", 40),
)
COL = {key: i for i, (key, _, _) in enumerate(COLUMNS, start=1)}
#: Header words a county's table may use, matched by how a header cell begins; the first word wins
#: (seed 000 §7: 大类/建设内容/金额（万元）; seed 001 §6(1): 序号/支持内容/细项/支持资金（万元）/合计（万元）;
#: seed 003 §5(1): 实施单位/责任单位; other counties' 项目类别/建设类别, 项目名称, 中央财政资金（万元）, 投资额).
HEADER_WORDS: tuple[tuple[str, str], ...] = (
    ("序号", "ref"), ("编号", "ref"),
    ("类别", "category"), ("大类", "category"), ("支持内容", "category"), ("项目类别", "category"),
    ("建设类别", "category"), ("项目类型", "category"), ("支持方向", "category"),
    ("建设内容", "item"), ("细项", "item"), ("项目内容", "item"), ("项目名称", "item"), ("主要内容", "item"),
    ("实施内容", "item"), ("建设任务", "item"), ("建设项目", "item"), ("具体内容", "item"),
    ("小计", "subtotal"), ("合计", "subtotal"), ("资金用途", "tags"), ("标签", "tags"), ("资金来源", "ignored"),
    ("金额", "amount"), ("支持资金", "amount"), ("补助资金", "amount"), ("投资额", "amount"), ("投资", "amount"),
    ("总投资", "amount"), ("总金额", "amount"),
    ("中央", "amount"), ("资金", "amount"), ("预算", "amount"),
    ("责任单位", "responsible"), ("实施单位", "responsible"), ("实施主体", "responsible"), ("牵头单位", "responsible"),
    ("配合单位", "cooperating"), ("完成时限", "deadline"), ("时限", "deadline"), ("完成时间", "deadline"),
    ("备注", "note"),
    ("ref", "ref"), ("category", "category"), ("item", "item"), ("amount", "amount"),
    ("subtotal", "subtotal"), ("tags", "tags"), ("responsible", "responsible"),
    ("cooperating", "cooperating"), ("deadline", "deadline"), ("note", "note"),
)
#: 其中： before a money header (总投资 | 其中：中央财政资金).
OF_WHICH = re.compile(r"^其中[:：]?")
#: The window a sheet is read in: a county's budget table has a few hundred rows and a dozen columns.
MAX_ROWS = 5000
MAX_COLUMNS = 60
#: What the parts of an uploaded workbook may unpack to, and a merged range in a sheet's XML.
MAX_UNPACKED = 64 * 1024 * 1024
MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3}\d{1,7}:[A-Z]{1,3}\d{1,7})"')
#: How far down the header row may be (title rows, a 单位：万元 line and blank rows come first).
HEADER_SEARCH = 30
#: A money header that names where the money comes from (中央财政资金（万元）) names the funding source.
SOURCE_WORDS = ("中央", "省级", "财政", "专项")
#: The funding source of a table-only workbook whose header names none (docs/decisions.md): the program's
#: money is the central fund (seed 000 §2(5) 中央专项资金650万元, seed 004 §5(1) 中央财政资金).
DEFAULT_SOURCE = "中央财政资金"
#: 合计 / 小计 / 总计 rows (总计 first in seed 000 §7, 合计 last in seed 001 §6(1), 小计 under a category).
TOTAL_LABEL = re.compile(r"^(合计|小计|总计)(?:[（(][^）)]*[）)])?[:：]?$")
#: A 注 line under the table (注：金额单位为万元).
NOTE_LINE = re.compile(r"^(注|说明|备注)\s*[:：\d１]")
#: A line that states the unit (单位：万元 above the table, 注：…以万元计 below it).
UNIT_NOTE = re.compile(r"单位|[以按]万元")
#: A category that is a row of its own, in a table without a category column: 序号 一 (or 一、) beside it,
#: or its text numbered 一、 / （一）.
SECTION_REF = re.compile(r"^[一二三四五六七八九十]+[、.．]?$")
SECTION_ITEM = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)])")
#: An item numbered in its own cell (1. 围绕…, seed 000 §7) when the table has no 序号 for it.
ITEM_NUMBER = re.compile(r"^[（(]?(\d{1,3})(?:[.．、](?!\d)|[）)])\s*")
#: A category's own numeral (一、完善…, （一）…), dropped as the example plans drop it.
CATEGORY_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)])\s*")

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


def _rule_set_title(rule_set: str) -> str | None:
    try:
        return rulesets.load(rule_set).title_zh
    except rulesets.UnknownRuleSet:  # a rule set this installation does not have: the code alone
        return None


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
        if key == "rule_set":  # the code is what an import reads back; the official reads the title beside it
            put(ws, row, 4, _rule_set_title(plan.rule_set), style=WRAP)
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

#: A message in both languages, (中文, English): the reader says it in the language asked for.
Msg = tuple[str, str]
#: What a field is called in a message (never its code: users read labels).
FIELD_LABELS: dict[str, Msg] = {
    "ref": ("序号", "No."), "category": ("类别", "category"), "item": ("建设内容", "item"),
    "amount": ("金额", "amount"), "tags": ("资金用途", "use of funds"), "responsible": ("责任单位", "responsible unit"),
    "cooperating": ("配合单位", "cooperating unit"), "deadline": ("完成时限", "deadline"), "note": ("备注", "note"),
    "name": ("项目名称", "project name"), "region": ("地区代码", "region code"), "rule_set": ("资金规则", "rule set"),
    "total": ("总投资", "total"), "unit": ("金额单位", "unit"), "source": ("来源", "source"),
    "start": ("开始", "start"), "end": ("结束", "end"), "target": ("目标值", "target"),
    "doc_no": ("文号", "document No."),
}


def say(message: Msg, lang: str) -> str:
    """The message in ``lang`` (``en``), else in Chinese."""
    return message[1] if lang == "en" else message[0]


class WorkbookError(ValueError):
    """A workbook that is not a plan: its field errors, keyed by cell (``E7``) or by field, in both languages."""

    def __init__(self, errors: dict[str, list[Msg]]) -> None:
        super().__init__("the workbook is not a valid plan")
        self.pairs = errors

    def messages(self, lang: str = "zh") -> dict[str, list[str]]:
        return {where: [say(m, lang) for m in messages] for where, messages in self.pairs.items()}


@dataclass
class _Read:
    """What reading found: the document, where each field came from, what is wrong and what is doubtful."""

    document: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[Msg]] = field(default_factory=dict)
    warnings: list[tuple[str, Msg]] = field(default_factory=list)
    untagged: list[str] = field(default_factory=list)
    defaults: list[Msg] = field(default_factory=list)

    def error(self, where: str, zh: str, en: str) -> None:
        self.errors.setdefault(where, []).append((zh, en))

    def warn(self, where: str, zh: str, en: str) -> None:
        self.warnings.append((where, (zh, en)))


class _Sheet:
    """A worksheet's values with merged ranges filled in from their top-left cell, read within
    :data:`MAX_ROWS` × :data:`MAX_COLUMNS` (a budget table is far smaller; a merged range over a whole sheet
    costs no more than the window)."""

    def __init__(self, ws: Worksheet, prefix: str = "") -> None:
        self.ws = ws
        self.prefix = prefix
        self.rows = min(ws.max_row, MAX_ROWS)
        self.columns = min(ws.max_column, MAX_COLUMNS)
        self.origin: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            for row in range(rng.min_row, min(rng.max_row, self.rows) + 1):
                for col in range(rng.min_col, min(rng.max_col, self.columns) + 1):
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

    def texts(self, row: int) -> list[tuple[int, str]]:
        """The row's non-empty cells as text, left to right (a merged range once)."""
        seen: set[tuple[int, int]] = set()
        found = []
        for col in range(1, self.columns + 1):
            origin = self.origin.get((row, col), (row, col))
            if origin in seen:
                continue
            seen.add(origin)
            text = _text(self.value(row, col))
            if text:
                found.append((col, text))
        return found


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _decimal(value: Any) -> Decimal | None:
    """A cell's number exactly (a float cell by its shortest repr, never float arithmetic); None if it is
    not a number."""
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
        read.error(sheet.address(row, col), f"不是金额：{value}", f"not an amount: {value}")
        return None
    return _fmt(number)


@dataclass
class _Header:
    """The budget table's header: its row, its columns by key, the unit a money header names (and that
    cell), the funding source a money header names (中央财政资金（万元）), and the unit a note above says."""

    row: int
    columns: dict[str, int]
    unit: str | None = None
    unit_cell: str | None = None
    source: str | None = None
    note_unit: str | None = None


def _unit_of(text: str) -> str | None:
    return "万元" if "万元" in text else ("元" if "元" in text else None)


def _header(sheet: _Sheet) -> _Header:
    """The first row (of the first 30: title rows and a 单位：万元 line may come first) with an item and an
    amount column, and a category or a 序号 column (a table whose categories are rows of their own)."""
    note_unit = None
    for row in range(1, min(sheet.rows, HEADER_SEARCH) + 1):
        columns: dict[str, int] = {}
        texts: dict[str, str] = {}
        money: list[tuple[int, str]] = []
        for col in range(1, sheet.columns + 1):
            text = OF_WHICH.sub("", re.sub(r"\s+", "", str(sheet.value(row, col) or "")))
            key = next((k for word, k in HEADER_WORDS if text.lower().startswith(word)), None) if text else None
            if key == "amount":
                money.append((col, text))
            elif key is not None and key != "ignored" and key not in columns:
                columns[key], texts[key] = col, text
        central = [m for m in money if "中央" in m[1]]
        if len(money) > 1 and len(central) == 1:
            money = central  # 总投资 | 其中：中央财政资金（万元）: the plan budgets the central funds
        elif len(money) > 1 and "subtotal" not in columns and money[1][1] == money[0][1]:
            columns["subtotal"], texts["subtotal"] = money[1]  # seed 000 §7 heads both money columns 金额（万元）
        if money:
            columns["amount"], texts["amount"] = money[0]
        if {"item", "amount"} <= set(columns) and ({"category", "ref"} & set(columns)):
            found = _Header(row, columns, note_unit=note_unit)
            for key in ("amount", "subtotal"):
                if key in texts and found.unit is None and _unit_of(texts[key]):
                    found.unit, found.unit_cell = _unit_of(texts[key]), sheet.address(row, columns[key])
            if any(word in texts["amount"] for word in SOURCE_WORDS):
                found.source = re.sub(r"[（(].*", "", texts["amount"])
            return found
        for _, text in sheet.texts(row):
            if UNIT_NOTE.search(text):
                note_unit = _unit_of(text)
    raise WorkbookError({f"{sheet.prefix}A1": [(
        "找不到预算表的表头：需要一行同时有“类别”（或“项目类别”“建设类别”“大类”）、“建设内容”（或“项目内容”"
        "“项目名称”）和“金额”（或“资金”“投资额”“补助资金”）列",
        "no header row found: the budget table needs a row with a category column (类别), an item column "
        "(建设内容) and an amount column (金额)")]})


def _info(read: _Read, wb: Any) -> dict[str, Any]:
    """The 项目信息 sheet's values by key, the lists in the document, cells recorded."""
    if INFO_SHEET not in wb.sheetnames:
        return {}
    sheet = _Sheet(wb[INFO_SHEET], f"{INFO_SHEET}!")
    values: dict[str, Any] = {}
    row = 1
    while row <= sheet.rows:
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
    for col in range(1, sheet.columns + 1):
        text = re.sub(r"[（(].*", "", _text(sheet.value(row, col)) or "")
        if text in words:
            where[words[text]] = col
    entries: list[dict[str, Any]] = []
    row += 1
    while row <= sheet.rows and any(sheet.value(row, c) is not None for c in where.values()):
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


def _tags(read: _Read, where: str, text: str, rule_set: str | None) -> list[str]:
    """The tags a 资金用途 cell names, by label or code; a word the rule set does not know is an error."""
    labels = _labels(rule_set) if rule_set else {}
    codes = {label: tag for tag, label in labels.items()} | {tag: tag for tag in labels}
    tags, unknown = [], []
    for word in TAG_SPLIT.split(text):
        if not word:
            continue
        if word in codes or not labels:
            tags.append(codes.get(word, word))
        else:
            unknown.append(word)
    if unknown:
        rules = rulesets.load(rule_set or "")
        allowed = "、".join(labels[t] for t in [*rules.tags, *(p.tag for p in rules.prohibited)] if t in labels)
        read.error(where, f"资金用途“{'、'.join(unknown)}”不是本资金规则的类别（可选：{allowed}）",
                   f"use of funds '{', '.join(unknown)}' is not a category of this rule set (choose from: {allowed})")
    return tags


def _label(texts: list[tuple[int, str]], columns: dict[str, int]) -> str | None:
    """合计, 小计 or 总计 when a row is labelled so in its 序号, 类别 or 建设内容 cell."""
    for col, text in texts:
        if col in (columns.get("ref"), columns.get("category"), columns.get("item")):
            match = TOTAL_LABEL.match(re.sub(r"\s+", "", text))
            if match:
                return match.group(1)
    return None


def _is_note(texts: list[tuple[int, str]], columns: dict[str, int]) -> bool:
    """A 注：… (or 说明：…) line under the table: its first text stands left of the money columns."""
    if not texts:
        return False
    col, text = texts[0]
    return col < columns["amount"] and bool(NOTE_LINE.match(text))


@dataclass
class _Table:
    unit: str | None
    total: str | None
    total_cell: str | None
    source: str | None


def _table(read: _Read, sheet: _Sheet, rule_set: str | None) -> _Table:
    """The budget lines and subtotals into the document; returns the table's unit, its total (and that
    cell) and the funding source its money header names."""
    head = _header(sheet)
    columns = head.columns
    if head.unit_cell:
        read.cells["unit"] = head.unit_cell
    infer = inferrer(rule_set)
    lines: list[dict[str, Any]] = []
    subtotals: dict[str, tuple[Decimal, str]] = {}
    subtotal_rows: dict[str, tuple[Decimal, str]] = {}
    total: str | None = None
    total_cell: str | None = None
    note_unit = head.note_unit
    category: str | None = None

    def cell(r: int, key: str) -> Any:
        return sheet.value(r, columns[key]) if key in columns else None

    def money_in(r: int) -> tuple[Decimal, str] | None:
        for key in ("amount", "subtotal"):
            number = _decimal(cell(r, key)) if key in columns else None
            if number is not None:
                return number, sheet.address(r, columns[key])
        return None

    for r in range(head.row + 1, sheet.rows + 1):
        texts = sheet.texts(r)
        if not texts:
            continue
        if _is_note(texts, columns):
            for _, text in texts:
                if UNIT_NOTE.search(text) and _unit_of(text):
                    note_unit = _unit_of(text)
            break
        label = _label(texts, columns)
        if label == "小计":
            found = money_in(r)
            own = _category(_text(cell(r, "category")))
            key = own if own and own != "小计" else category
            if found and key:
                subtotal_rows[key] = found
            continue
        if label is not None:
            found = money_in(r)
            if found and total is None:
                total, total_cell = _fmt(found[0]), found[1]
            if lines:
                break
            continue
        own_category = _category(_text(cell(r, "category")))
        item = _text(cell(r, "item"))
        ref = _text(cell(r, "ref"))
        if item and not ref and (numbered := ITEM_NUMBER.match(item)):
            ref, item = numbered.group(1), item[numbered.end():].strip() or item
        if own_category:
            category = own_category
        elif item and (SECTION_REF.match(ref or "") or SECTION_ITEM.match(item)):
            category = _category(item)  # 一、完善… as a row of its own, its 小计 beside it
            found = money_in(r)
            if found and category:
                subtotal_rows[category] = found
            continue
        if item is None and cell(r, "amount") is None:
            continue  # a category's own row (一、…) above its lines, or a row with only a note
        i = len(lines)
        path = f"lines.{i}"
        read.cells[path] = sheet.address(r, columns["item"])
        for key in columns:
            read.cells[f"{path}.{key}"] = sheet.address(r, columns[key])
        line: dict[str, Any] = {
            "ref": ref, "category": category, "item": item,
            "amount": _money(read, sheet, r, columns["amount"], f"{path}.amount"),
            "responsible": [w for w in LIST_SPLIT.split(_text(cell(r, "responsible")) or "") if w],
            "cooperating": [w for w in LIST_SPLIT.split(_text(cell(r, "cooperating")) or "") if w],
            "deadline": _date(cell(r, "deadline")), "note": _text(cell(r, "note")),
        }
        tag_text = _text(cell(r, "tags"))
        if tag_text:
            line["tags"] = _tags(read, sheet.address(r, columns["tags"]), tag_text, rule_set)
        else:
            inferred = infer(category, item)
            line["tags"] = [inferred] if inferred else []
            if not inferred:
                read.untagged.append(sheet.address(r, columns["item"]))
        for key in ("category", "item"):
            if line[key] is None:
                zh, en = FIELD_LABELS[key]
                read.error(sheet.address(r, columns.get(key, columns["item"])), f"{zh}为空", f"the {en} is empty")
        lines.append({k: v for k, v in line.items() if v is not None})
        if "subtotal" in columns and category:
            value = cell(r, "subtotal")
            where = sheet.address(r, columns["subtotal"])
            number = _decimal(value)
            if value is not None and number is None and TOTAL_LABEL.match(str(value)) is None:
                read.error(where, f"不是金额：{value}", f"not an amount: {value}")
            elif number is not None:
                known = subtotals.get(category)
                if known is None:
                    subtotals[category] = (number, where)
                    read.cells[f"subtotals.{category}"] = where
                elif known[1] != where and known[0] != number:
                    read.error(where, f"小计 {_fmt(number)} 与 {known[1]} 的 {_fmt(known[0])} 不一致（{category}）",
                               f"subtotal {_fmt(number)} differs from {_fmt(known[0])} in {known[1]} ({category})")
    for key, found in subtotal_rows.items():
        subtotals.setdefault(key, found)
    read.document["lines"] = lines
    read.document["subtotals"] = {name: _fmt(value) for name, (value, _) in subtotals.items()
                                  if any(line.get("category") == name for line in lines)}
    _check_sums(read, lines, subtotals, total, total_cell)
    unit = head.unit or note_unit
    if head.unit and note_unit and head.unit != note_unit and head.unit_cell:
        read.warn(head.unit_cell, f"表头单位为{head.unit}，表下的注写的是{note_unit}：按表头读",
                  f"the header says {head.unit}, the note below the table says {note_unit}: the header is used")
    return _Table(unit, total, total_cell, head.source)


def _category(text: str | None) -> str | None:
    """A category without its own numeral (一、完善… → 完善…), as the example plans keep it."""
    if not text:
        return None
    return CATEGORY_NUMBER.sub("", text).strip() or text


def _check_sums(read: _Read, lines: list[dict[str, Any]], subtotals: dict[str, tuple[Decimal, str]],
                total: str | None, total_cell: str | None) -> None:
    """Every 小计 equals its category's lines, the 合计 equals all lines (seed 000 §7: 66+133+380+60+11 =
    650); a category or table with a line still without amount (a draft, seed 002) is not summed. A
    mismatch is a warning naming the cell: the plan imports as a draft, and ``file`` refuses it until the
    figures agree."""
    def summed(rows: list[dict[str, Any]]) -> Decimal | None:
        amounts = [_decimal(row.get("amount")) for row in rows]
        if any(a is None for a in amounts):
            return None
        return sum((a for a in amounts if a is not None), Decimal(0))

    for category, (subtotal, where) in subtotals.items():
        got = summed([line for line in lines if line.get("category") == category])
        if got is not None and got != subtotal:
            read.warn(where, f"小计 {_fmt(subtotal)} ≠ 该类合计 {_fmt(got)}（{category}）",
                      f"subtotal {_fmt(subtotal)} ≠ the sum of its lines {_fmt(got)} ({category})")
    got = summed(lines)
    if total is not None and total_cell is not None and lines and got is not None and got != Decimal(total):
        read.warn(total_cell, f"合计 {total} ≠ 各行金额之和 {_fmt(got)}",
                  f"total {total} ≠ the sum of the lines {_fmt(got)}")


def _within_bounds(data: bytes) -> None:
    """Refuse, before openpyxl reads it, a workbook that would take the server's memory: openpyxl makes an
    object for every cell of a merged range (one over a whole sheet is 17 billion), and an .xlsx is a zip
    whose parts may unpack to far more than was uploaded."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if sum(part.file_size for part in parts) > MAX_UNPACKED:
                raise WorkbookError({"file": [("工作簿解压后过大", "the workbook unpacks to too much data")]})
            sheets = [archive.read(p) for p in parts if p.filename.startswith("xl/worksheets/")]
    except zipfile.BadZipFile:
        raise WorkbookError({"file": [("不是 .xlsx 工作簿", "not an .xlsx workbook")]}) from None
    for sheet in sheets:
        for ref in MERGE_REF.findall(sheet):
            first, last = (coordinate_from_string(part) for part in ref.decode().split(":"))
            rows = last[1] - first[1] + 1
            columns = column_index_from_string(last[0]) - column_index_from_string(first[0]) + 1
            if rows > MAX_ROWS or columns > MAX_COLUMNS:
                where = ref.decode()
                raise WorkbookError({where: [(f"合并单元格 {where} 过大：超出预算表的范围",
                                              f"the merged range {where} is too large for a budget table")]})


def _read(data: bytes, name: str | None, region: str | None, rule_set: str | None) -> _Read:
    """Everything a workbook says, with what is wrong (errors) and what is doubtful (warnings)."""
    _within_bounds(data)
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError and its own errors for a non-workbook
        raise WorkbookError({"file": [("不是 .xlsx 工作簿", "not an .xlsx workbook")]}) from None
    read = _Read()
    info = _info(read, wb)
    table_only = INFO_SHEET not in wb.sheetnames
    overrides = {"name": name, "region": region, "rule_set": rule_set}
    for key, value in overrides.items():
        if value:
            info[key] = value
            read.cells.pop(key, None)
    tables = [ws for ws in wb.worksheets if ws.title != INFO_SHEET]
    if not tables:
        raise WorkbookError({"file": [("工作簿中没有预算表", "the workbook has no budget table sheet")]})
    first = tables[0]
    prefix = "" if wb.worksheets[0] is first else f"{first.title}!"
    rule = _text(info.get("rule_set"))
    table = _table(read, _Sheet(first, prefix), rule)
    document = read.document
    info_unit = _text(info.get("unit"))
    if table.unit and info_unit and table.unit != info_unit:
        read.error(read.cells.get("unit", "unit"), f"表头单位 {table.unit} 与项目信息的金额单位 {info_unit} 不一致",
                   f"the header's unit {table.unit} differs from the unit {info_unit} on {INFO_SHEET}")
    document["unit"] = table.unit or info_unit or "元"
    info_total = _decimal(info.get("total"))
    if info.get("total") is not None and info_total is None:
        read.error(read.cells.get("total", "total"), f"不是金额：{info.get('total')}",
                   f"not an amount: {info.get('total')}")
    if info_total is not None and table.total is not None and info_total != Decimal(table.total) \
            and table.total_cell:
        read.error(table.total_cell, f"合计 {table.total} ≠ 项目信息的总投资 {_fmt(info_total)}",
                   f"total {table.total} ≠ the total {_fmt(info_total)} on {INFO_SHEET}")
    if info_total is not None:
        document["total"] = _fmt(info_total)
    elif table.total is not None:
        document["total"] = table.total
        if table.total_cell:
            read.cells["total"] = table.total_cell
    elif document["lines"] and all("amount" in line for line in document["lines"]):
        document["total"] = _fmt(sum((Decimal(line["amount"]) for line in document["lines"]), Decimal(0)))
    for key, flag in (("name", "--name"), ("region", "--region"), ("rule_set", "--rule-set")):
        value = _text(info.get(key))
        if key == "region" and value and (m := REGION_CODE.match(value)):
            value = m.group(1)
        if key == "region" and value and not re.fullmatch(r"\d{6}", value):
            read.error(key, f"地区代码应为6位数字（GB/T 2260）：{value}",
                       f"the region code is 6 digits (GB/T 2260): {value}")
        elif key == "rule_set" and value and value not in rulesets.available():
            known = rulesets.available()
            read.error(key, f"没有这个资金规则：{value}（可用：{'、'.join(known)}）",
                       f"no such rule set: {value} (available: {', '.join(known)})")
        elif value:
            document[key] = value
        else:
            zh, en = FIELD_LABELS[key]
            read.error(key, f"缺少{zh}：请在导入页或“{INFO_SHEET}”表中填写（命令行用 {flag}）",
                       f"missing {en}: fill it in on the import page or on the {INFO_SHEET} sheet "
                       f"(command line: {flag})")
    if "total" not in document and not read.errors:
        read.error("total", f"缺少总投资：请在预算表的合计行或“{INFO_SHEET}”表中填写",
                   f"missing total: give it in the table's 合计 row or on the {INFO_SHEET} sheet")
    if table_only and "total" in document and not document.get("funding"):
        source = table.source or DEFAULT_SOURCE
        document["funding"] = [{"source": source, "amount": document["total"]}]
        read.defaults.append((f"资金来源按{source} {document['total']}{document['unit']}填入（表中没有资金来源）",
                              f"funding source set to {source}, {document['total']} {document['unit']} "
                              "(the workbook gives no funding source)"))
    if _text(info.get("doc_no")):
        document["doc_no"] = _text(info.get("doc_no"))
    start, end = _date(info.get("period_start")), _date(info.get("period_end"))
    if start or end:
        document["period"] = {k: v for k, v in (("start", start), ("end", end)) if v}
        read.cells["period.start"] = read.cells.get("period_start", "period")
        read.cells["period.end"] = read.cells.get("period_end", "period")
    source_note = {"seed": _text(info.get("source_seed")),
                   "sections": [w for w in LIST_SPLIT.split(_text(info.get("source_sections")) or "") if w] or None,
                   "note": _text(info.get("source_note"))}
    if any(source_note.values()):
        document["source"] = {k: v for k, v in source_note.items() if v}
    if read.errors:
        raise WorkbookError(read.errors)
    return read


def _at_cells(errors: dict[str, list[str]], cells: Mapping[str, str], lang: str) -> dict[str, list[str]]:
    """Schema errors (``lines.3.amount``) moved to the cell the value came from (``D8``), named by the
    field's label (金额), never by its code."""
    moved: dict[str, list[str]] = {}
    for path, messages in errors.items():
        parts = path.split(".")
        where = next((cells[".".join(parts[:n])] for n in range(len(parts), 0, -1)
                      if ".".join(parts[:n]) in cells), None)
        label = next((say(FIELD_LABELS[p], lang) for p in reversed(parts) if p in FIELD_LABELS), None)
        texts = [f"{label}：{m}" if label and lang != "en" else (f"{label}: {m}" if label else m) for m in messages]
        moved.setdefault(where or path, []).extend(texts)
    return moved


@dataclass(frozen=True)
class Imported:
    """A plan read from a county's workbook, with what the official should look at next: the warnings
    (a 合计 or 小计 that disagrees with its lines, by cell), the cells of the lines left untagged for them
    to choose, and the defaults filled in (a funding source), all in the language asked for."""

    plan: Plan
    source: dict[str, Any]
    warnings: tuple[str, ...] = ()
    untagged: tuple[str, ...] = ()
    defaults: tuple[str, ...] = ()


def import_plan_workbook(data: bytes, *, name: str | None = None, region: str | None = None,
                         rule_set: str | None = None, lang: str = "zh") -> Imported:
    """Read a plan workbook (the exporter's or a county's own table, docs/excel.md) and validate it like a
    plan file.

    Raises :class:`marshmallow.ValidationError` whose flat field errors, in ``lang``, name cells where
    they can (``{"D7": ["不是金额：十万"]}``), so the CLI, the API and the UI show them as they show a
    YAML plan's errors.
    """
    try:
        read = _read(data, name, region, rule_set)
    except WorkbookError as exc:
        raise ValidationError(exc.messages(lang)) from None
    try:
        plan, source = load_plan(read.document)
    except ValidationError as exc:
        raise ValidationError(_at_cells(flatten_errors(exc.messages), read.cells, lang)) from None
    return Imported(plan, source, tuple(f"{where}：{say(m, lang)}" if lang != "en" else f"{where}: {say(m, lang)}"
                                        for where, m in read.warnings),
                    tuple(read.untagged), tuple(say(m, lang) for m in read.defaults))


def load_plan_workbook(data: bytes, *, name: str | None = None, region: str | None = None,
                       rule_set: str | None = None) -> tuple[Plan, dict[str, Any]]:
    """:func:`import_plan_workbook`'s plan and ``source`` note only (what a round trip compares)."""
    imported = import_plan_workbook(data, name=name, region=region, rule_set=rule_set)
    return imported.plan, imported.source
