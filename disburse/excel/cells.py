"""What every workbook shares: number formats, header rows, safe text, reproducible bytes."""

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Money in yuan: a number, shown with thousands separators and 元 (issue 9: numbers, not text).
YUAN_FORMAT = '#,##0.00"元"'
#: Money in 万元 as the seeds' tables print it (seed 000 §7): up to the fen, i.e. six decimals.
WAN_FORMAT = '#,##0.00####"万元"'
#: Quantities (targets): as typed.
QUANTITY_FORMAT = "#,##0.######"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMATS = {"元": YUAN_FORMAT, "万元": WAN_FORMAT}
#: Zip entries get this time so the same data always gives the same bytes (committed examples).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_MOMENT = datetime(2000, 1, 1)
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def clean(value: str) -> str:
    """Text without the control characters a workbook cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def number(value: Decimal) -> int | float | Decimal:
    """An exact Decimal as the cell number Excel stores (shortest repr of the same value)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value) if Decimal(repr(float(value))) == value else value


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, *,
        style: Alignment | None = None, font: Font | None = None) -> Any:
    """Write one cell: money and quantities as numbers, dates as dates, text never as a formula."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, Decimal):
        value = number(value)
    if isinstance(value, str):
        value = clean(value)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text typed by a user is never evaluated
    if fmt:
        cell.number_format = fmt
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    cell.border = BOX
    if style is not None:
        cell.alignment = style
    if font is not None:
        cell.font = font
    return cell


def title(ws: Worksheet, text: str, width: int) -> None:
    """Row 1: the sheet's title across its columns."""
    put(ws, 1, 1, text, font=TITLE)
    ws.cell(row=1, column=1).border = Border()
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.row_dimensions[1].height = 24


def header(ws: Worksheet, row: int, columns: Sequence[tuple[str, float]]) -> None:
    """A bold, shaded header row with the column widths; the rows above it and it stay frozen."""
    for col, (label, width) in enumerate(columns, start=1):
        cell = put(ws, row, col, label, style=CENTRE, font=BOLD)
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def to_bytes(wb: Workbook, when: datetime | None = None) -> bytes:
    """The workbook as .xlsx bytes; with the same ``when`` (default: a fixed moment), the same bytes."""
    moment = (when or FIXED_MOMENT).replace(tzinfo=None, microsecond=0)
    wb.properties.created = moment
    wb.properties.modified = moment
    wb.properties.creator = "disburse"
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time as modified
                content = MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            dst.writestr(entry, content)
    return out.getvalue()
