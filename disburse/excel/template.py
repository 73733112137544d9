"""The blank budget table a county fills in and imports (issue 18 item 2), made at request time.

It is laid out as a county prints its table (seed 000 §7, seed 001 §6(1)): a title, a 单位：万元 line,
the header 序号 | 类别 | 建设内容 | 金额（万元） | 资金用途 | 责任单位 | 完成时限 | 备注, two example lines of
one category merged over them, the 合计 row and a 注 line that says how the import reads it.
"""

from openpyxl import Workbook
from openpyxl.styles import Border

from disburse.adapters import rulesets
from disburse.excel.cells import BOLD, CENTRE, MONEY_FORMATS, TOTAL_FILL, WRAP, header, put, title, to_bytes

TEMPLATE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 8), ("类别", 24), ("建设内容", 60), ("金额（万元）", 14), ("资金用途", 18), ("责任单位", 20),
    ("完成时限", 12), ("备注", 30),
)
#: The example lines: seed 000 §7 四.1 and 四.2, in 万元 as the seed prints them.
EXAMPLES = (
    ("1", "支持农村电子商务培训", "普及性培训：提升政府机关、企业、合作社工作人员和返乡大学生等群体电子商务技能", 12,
     "县商务局"),
    ("2", "支持农村电子商务培训", "对有一定基础知识的年轻贫困户进行电商专业知识培训", 3, "县商务局"),
)


def county_template(rule_set: str = "national-2020") -> bytes:
    """The template workbook; the 注 line lists the rule set's 资金用途 labels. Always the same bytes."""
    rules = rulesets.load(rule_set)
    labels = "、".join(zh for zh, _ in rules.tags.values())
    wb = Workbook()
    ws = wb.active
    ws.title = "资金安排"
    title(ws, "XX县电子商务进农村综合示范项目资金安排表", len(TEMPLATE_COLUMNS))
    put(ws, 2, len(TEMPLATE_COLUMNS), "单位：万元").border = Border()
    header(ws, 3, TEMPLATE_COLUMNS)
    money = MONEY_FORMATS["万元"]
    for row, (ref, category, item, amount, unit) in enumerate(EXAMPLES, start=4):
        for col, value in enumerate((ref, category, item, amount, None, unit, None, None), start=1):
            put(ws, row, col, value, money if col == 4 else None, style=WRAP if col == 3 else CENTRE)
    ws.merge_cells(start_row=4, start_column=2, end_row=3 + len(EXAMPLES), end_column=2)
    total_row = 4 + len(EXAMPLES)
    put(ws, total_row, 1, "合计", style=CENTRE, font=BOLD).fill = TOTAL_FILL
    ws.merge_cells(start_row=total_row, start_column=1, end_row=total_row, end_column=3)
    put(ws, total_row, 4, sum(amount for *_, amount, _ in EXAMPLES), money, font=BOLD).fill = TOTAL_FILL
    note = (f"注：1. 金额单位为万元；一个类别可合并单元格写在其各行前。2. 资金用途可填：{labels}；"
            "留空时按类别和建设内容识别，识别不了的行导入后再选择。3. 合计行核对各行之和，不一致时导入后提示。")
    put(ws, total_row + 2, 1, note, style=WRAP).border = Border()
    ws.merge_cells(start_row=total_row + 2, start_column=1, end_row=total_row + 2, end_column=len(TEMPLATE_COLUMNS))
    ws.row_dimensions[total_row + 2].height = 48
    return to_bytes(wb)
