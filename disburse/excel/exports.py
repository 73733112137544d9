"""The payment ledger and the monthly progress report as workbooks (issue 9).

Money is a number in yuan with the 元 number format, dates are dates, the header row is frozen
and the columns have widths; texts are in Chinese as the documents officials exchange are.
The rows come from :mod:`disburse.services.exports`, which decides who may see them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook

from disburse.domain import labels
from disburse.domain.ledger import Ledger
from disburse.excel.cells import BOLD, TOTAL_FILL, WRAP, YUAN_FORMAT, header, put, title, to_bytes

#: The report status of a project for the month, as the late-reports page names it (seed 004 §8(1)3).
REPORT_STATUS = {"submitted": "已报送", "submitted_late": "逾期报送", "pending": "待报送", "late": "逾期未报"}
#: The ledger's figures, in the order and with the names of ``GET /projects/{id}/ledger`` (SPEC §5.3).
LEDGER_FIGURES: tuple[tuple[str, str], ...] = (
    ("contracted", "合同金额"), ("requested", "已申请待审核"), ("in_flight", "在途合计"),
    ("approved", "已批准待拨付"), ("disbursed", "已拨付"), ("remaining", "可申请余额"), ("recovered", "已收回"),
)


@dataclass(frozen=True)
class ContractRow:
    id: int
    lot: str
    contractor: str
    credit_code: str
    signed_on: date
    ledger: Ledger


@dataclass(frozen=True)
class PaymentRow:
    id: int
    contract_id: int
    lot: str
    kind: str
    amount: Decimal
    state: str
    voucher_no: str | None
    disbursed_on: date | None
    requested_at: datetime
    note: str | None


@dataclass(frozen=True)
class ReportRow:
    region_code: str
    region_name: str
    project_id: int
    name: str
    state: str
    due: date
    status: str
    submitted_at: datetime | None
    days_late: int
    text: str | None


def ledger_workbook(project_id: int, project_name: str, contracts: Sequence[ContractRow], totals: Ledger,
                    payments: Sequence[PaymentRow], when: datetime | None = None) -> bytes:
    """Sheet 合同台账: one row per contract with its ledger and a 合计 row equal to the API's totals;
    sheet 拨付明细: every payment with its kind, amount, state, voucher number and disbursement date."""
    wb = Workbook()
    ws = wb.active
    ws.title = "合同台账"
    columns = [("合同编号", 10), ("标段", 24), ("承办企业", 30), ("统一社会信用代码", 22), ("签订日期", 12)]
    columns += [(label, 16) for _, label in LEDGER_FIGURES]
    title(ws, f"{project_name}（项目 {project_id}）资金拨付台账", len(columns))
    header(ws, 2, columns)
    row = 3
    for c in contracts:
        for col, value in enumerate((c.id, c.lot, c.contractor, c.credit_code, c.signed_on), start=1):
            put(ws, row, col, value, style=WRAP)
        for col, (figure, _) in enumerate(LEDGER_FIGURES, start=6):
            put(ws, row, col, getattr(c.ledger, figure), YUAN_FORMAT)
        row += 1
    for col in range(1, len(columns) + 1):
        put(ws, row, col, None).fill = TOTAL_FILL
    put(ws, row, 1, "合计", font=BOLD).fill = TOTAL_FILL
    for col, (figure, _) in enumerate(LEDGER_FIGURES, start=6):
        put(ws, row, col, getattr(totals, figure), YUAN_FORMAT, font=BOLD).fill = TOTAL_FILL

    detail = wb.create_sheet("拨付明细")
    columns = [("付款编号", 10), ("合同编号", 10), ("标段", 24), ("类型", 10), ("金额", 16), ("状态", 14),
               ("凭证号", 20), ("拨付日期", 12), ("申请时间", 18), ("备注", 40)]
    title(detail, f"{project_name}（项目 {project_id}）拨付明细", len(columns))
    header(detail, 2, columns)
    for row, p in enumerate(payments, start=3):
        kind = labels.of(labels.PAYMENT_KINDS, p.kind, "zh")
        values = (p.id, p.contract_id, p.lot, kind, p.amount, p.state, p.voucher_no, p.disbursed_on, p.requested_at,
                  p.note)
        for col, value in enumerate(values, start=1):
            put(detail, row, col, value, YUAN_FORMAT if col == 5 else None, style=WRAP)
    return to_bytes(wb, when)


def monthly_workbook(region_name: str, month: str, rows: Sequence[ReportRow], when: datetime | None = None) -> bytes:
    """Sheet 进度月报: each active project of the region with its report status for the month and the
    report's text (seed 004 §8(1)3: every county reports before the 30th of the month)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "进度月报"
    columns = [("地区代码", 10), ("县（区）", 14), ("项目编号", 10), ("项目名称", 36), ("项目状态", 14),
               ("报送截止日", 12), ("报送情况", 12), ("报送时间", 18), ("逾期天数", 10), ("月报内容", 80)]
    title(ws, f"{region_name} {month} 电子商务进农村综合示范项目进度月报汇总", len(columns))
    header(ws, 2, columns)
    for row, r in enumerate(rows, start=3):
        values = (r.region_code, r.region_name, r.project_id, r.name, r.state, r.due,
                  REPORT_STATUS.get(r.status, r.status), r.submitted_at, r.days_late, r.text)
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value, "0" if col == 9 else None, style=WRAP)
    return to_bytes(wb, when)
