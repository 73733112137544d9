"""A county's own budget table imported as it is printed (issue 18 item 2; seed 000 §7, seed 001 §6(1)).

Every workbook here is built with openpyxl the way county offices lay theirs out: a title above the
header, headers in the county's words, category cells merged over their lines, 小计/合计/总计 rows, 注
lines under the table, amounts in 万元 when the header or a note says so, and no 资金用途 column.
"""

import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from marshmallow import ValidationError
from openpyxl import Workbook

from disburse.adapters import rulesets
from disburse.domain.plan import FundingSource
from disburse.excel.plan import Imported, import_plan_workbook
from disburse.excel.tagging import inferrer, keyword_map
from tests.helpers import EXAMPLES, PLANS

KEPING = yaml.safe_load((EXAMPLES / "000-keping-2020.yaml").read_text(encoding="utf-8"))
NUMERALS = "一二三四五六七八九十"
FORM = {"name": "柯坪县电子商务进农村综合示范续建项目", "region": "652929", "rule_set": "national-2020"}


def saved(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def imported(wb: Workbook, **form: str) -> Imported:
    return import_plan_workbook(saved(wb), **{**FORM, **form})


def refused(wb: Workbook, lang: str = "zh", **form: str) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        import_plan_workbook(saved(wb), lang=lang, **{**FORM, **form})
    messages: dict[str, list[str]] = caught.value.messages  # type: ignore[assignment]
    return messages


def keping_as_printed() -> Workbook:
    """Seed 000 §7 as the county prints it: a title, 大类 | 建设内容 | 金额（万元） | 金额（万元）, the 总计
    row first, each category (一、…) merged over its numbered items with its 小计 beside, a 注 below."""
    wb = Workbook()
    ws = wb.active
    ws.append(["柯坪县 2017 年国家级电子商务进农村综合示范 650 万元服务业资金安排表"])
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["大类", "建设内容", "金额（万元）", "金额（万元）"])
    ws.append(["总计", "主要工作", "小计", 650])
    categories: list[str] = []
    for line in KEPING["lines"]:
        first = line["category"] not in categories
        if first:
            categories.append(line["category"])
        number = len(categories)
        ws.append([f"{NUMERALS[number - 1]}、{line['category']}" if first else None, f"{line['ref']}. {line['item']}",
                   float(line["amount"]), float(KEPING["subtotals"][line["category"]]) if first else None])
    start = 5
    for category in categories:
        count = sum(1 for line in KEPING["lines"] if line["category"] == category)
        if count > 1:
            ws.merge_cells(start_row=start, start_column=1, end_row=start + count - 1, end_column=1)
            ws.merge_cells(start_row=start, start_column=4, end_row=start + count - 1, end_column=4)
        start += count
    ws.append(["注：示范县首款1500万元，项目中标价格为1350万元，现将首款结余150万元与尾款500万元共同作为续建项目资金。"])
    ws.append(["这一行在注之后，不是建设内容", "不读", 999])
    return wb


def test_seed_000s_table_as_the_county_prints_it_imports_line_for_line() -> None:
    result = imported(keping_as_printed())
    plan = result.plan
    assert plan.total == Decimal("6500000") and len(plan.lines) == 30 and result.warnings == ()
    assert [(line.category, line.item, line.amount, line.ref) for line in plan.lines] == [
        (line["category"], line["item"], Decimal(line["amount"]) * 10_000, str(line["ref"]))
        for line in KEPING["lines"]]
    assert plan.subtotals == {k: Decimal(v) * 10_000 for k, v in KEPING["subtotals"].items()}
    assert plan.lines[19].item.startswith("开展创业服务") and plan.lines[19].amount == Decimal("32000")  # 3.2 万元
    assert plan.funding == (FundingSource("中央财政资金", Decimal("6500000")),)
    assert result.defaults == ("资金来源按中央财政资金 650万元填入（表中没有资金来源）",)


def test_the_keyword_map_tags_seed_000_where_it_is_sure_and_leaves_the_rest_to_the_official() -> None:
    result = imported(keping_as_printed())
    tags = [line.tags for line in result.plan.lines]
    assert tags[:4] == [("public_service_center",)] * 4  # 一、完善电子商务公共服务中心
    assert tags[9:17] == [("supply_chain",)] * 8  # 三、强化…农产品上行服务
    assert tags[17:24] == [("training",)] * 7 and tags[24:] == [("service_station",)] * 6
    # 二、增强县乡村三级商品流通体系: the category names no use; item 1 says 物流 only, item 2 供应链 and 配送
    assert tags[4] == ("logistics",) and tags[5] == ()
    untagged = [i for i, t in enumerate(tags) if not t]
    assert result.untagged == tuple(f"B{5 + i}" for i in untagged)


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_a_tag_the_keyword_map_infers_is_one_the_seeds_own_tagging_gives(path: Path) -> None:
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    infer = inferrer(doc["rule_set"])
    inferred = [(line["item"][:12], infer(line["category"], line["item"]), line["tags"]) for line in doc["lines"]]
    assert [row for row in inferred if row[1] is not None and row[1] not in row[2]] == []
    assert any(row[1] is not None for row in inferred)


def county_table(header: list[str], rows: list[list[Any]], *, above: tuple[list[Any], ...] = (),
                 below: tuple[list[Any], ...] = ()) -> Workbook:
    wb = Workbook()
    ws = wb.active
    for row in [*above, header, *rows, *below]:
        ws.append(row)
    return wb


@pytest.mark.parametrize(("header", "unit"), [
    (["序号", "项目类别", "项目内容", "中央财政资金（万元）", "责任单位", "备注"], Decimal(10_000)),
    (["序号", "建设类别", "项目名称", "投资额（万元）", "实施单位", "备注"], Decimal(10_000)),
    (["序号", "类别", "建设内容", "补助资金（元）", "责任单位", "备注"], Decimal(1)),
    (["序号", "类别", "建设内容", "资金", "实施单位", "备注"], Decimal(1)),
])
def test_header_variants_counties_use_are_recognised(header: list[str], unit: Decimal) -> None:
    wb = county_table(header, [
        [1, "电子商务培训", "电商普及性培训", 12.5, "县商务局、县人社局", None],
        [2, "农村物流配送体系", "县级物流配送中心升级", 30, "县交通局", "含分拣设备"],
    ], above=(["XX县电子商务进农村综合示范项目资金安排表"], []))
    plan = imported(wb).plan
    assert [line.amount for line in plan.lines] == [Decimal("12.5") * unit, 30 * unit]
    assert plan.lines[0].responsible == ("县商务局", "县人社局") and plan.lines[1].note == "含分拣设备"
    assert [line.tags for line in plan.lines] == [("training",), ("logistics",)]
    assert plan.total == Decimal("42.5") * unit


def test_a_central_funds_header_names_the_funding_source() -> None:
    wb = county_table(["类别", "建设内容", "中央财政资金（万元）"], [["电子商务培训", "普及性培训", 10]])
    assert imported(wb).plan.funding == (FundingSource("中央财政资金", Decimal(100_000)),)


def test_a_unit_line_above_the_header_or_a_note_below_the_table_makes_the_amounts_wan_yuan() -> None:
    above = county_table(["类别", "建设内容", "金额"], [["电子商务培训", "普及性培训", 12.345678]],
                         above=(["资金安排表"], [None, None, "单位：万元"]))
    assert imported(above).plan.lines[0].amount == Decimal("123456.78")
    below = county_table(["类别", "建设内容", "金额"], [["电子商务培训", "普及性培训", 3.2]],
                         below=(["注：以上金额单位为万元。"],))
    assert imported(below).plan.total == Decimal(32_000)
    plain = county_table(["类别", "建设内容", "金额"], [["电子商务培训", "普及性培训", 3.2]])
    assert imported(plain).plan.total == Decimal("3.20")


def test_subtotal_rows_are_skipped_and_one_that_disagrees_is_a_warning_naming_its_cell() -> None:
    wb = county_table(["类别", "建设内容", "金额（万元）"], [
        ["电子商务培训", "普及性培训", 10], [None, "专业培训", 5], ["电子商务培训", "小计", 15],
        ["农村物流配送体系", "物流配送中心", 20], [None, "小计", 21],
        ["合计", None, 36],
    ])
    result = imported(wb)
    assert [line.item for line in result.plan.lines] == ["普及性培训", "专业培训", "物流配送中心"]
    assert result.plan.lines[1].category == "电子商务培训"  # an empty category cell continues the one above
    assert result.plan.subtotals == {"电子商务培训": Decimal(150_000), "农村物流配送体系": Decimal(210_000)}
    assert result.plan.total == Decimal(360_000)
    assert result.warnings == ("C6：小计 21 ≠ 该类合计 20（农村物流配送体系）", "C7：合计 36 ≠ 各行金额之和 35")


def test_a_merged_category_cell_applies_to_each_of_its_rows() -> None:
    wb = county_table(["序号", "类别", "建设内容", "金额（万元）"], [
        [1, "完善电子商务公共服务中心", "公共服务中心运营", 22], [2, None, "电商孵化", 4], [3, None, "信息服务", 5],
        [4, "其他事项", "项目验收与绩效评价", 3],
    ])
    wb.active.merge_cells("B2:B4")
    result = imported(wb)
    assert [line.category for line in result.plan.lines] == ["完善电子商务公共服务中心"] * 3 + ["其他事项"]
    assert [line.tags for line in result.plan.lines][:3] == [("public_service_center",)] * 3
    assert result.untagged == ("C5",)  # 其他事项: the words name no use, the official chooses


def test_a_table_with_no_tag_the_map_is_sure_of_still_imports_untagged() -> None:
    wb = county_table(["类别", "建设内容", "金额"],
                      [["其他事项", "第三方评估", 50_000], ["其他事项", "项目审计", 20_000]])
    result = imported(wb)
    assert all(line.tags == () for line in result.plan.lines) and result.untagged == ("B2", "B3")


def test_a_line_that_names_a_prohibited_use_is_never_tagged_by_its_category() -> None:
    infer = inferrer("qujing-2018")
    assert infer("完善电子商务公共服务中心", "建设县级网络交易平台") is None
    assert infer("其他", "购买流量推广") == "traffic_purchase"
    assert infer("完善电子商务公共服务中心", "服务中心运营") == "public_service_center"


def test_a_table_without_a_header_is_refused_in_the_users_language_naming_a_cell() -> None:
    wb = county_table(["名称", "说明", "数量"], [["甲", "乙", 1]])
    assert refused(wb)["A1"][0].startswith("找不到预算表的表头")
    assert refused(wb, lang="en")["A1"][0].startswith("no header row found")


def test_an_amount_that_is_not_a_number_is_refused_naming_its_cell_in_either_language() -> None:
    wb = county_table(["类别", "建设内容", "金额（万元）"], [["电子商务培训", "普及性培训", "十万"]],
                      above=(["资金安排表"],))
    assert refused(wb) == {"C3": ["不是金额：十万"]}
    assert refused(wb, lang="en") == {"C3": ["not an amount: 十万"]}


def test_a_schema_error_is_moved_to_its_cell_and_named_by_the_columns_label_not_its_code() -> None:
    wb = county_table(["类别", "建设内容", "金额（万元）", "完成时限"], [["电子商务培训", "普及性培训", 10, "明年"]])
    zh, en = refused(wb), refused(wb, lang="en")
    assert list(zh) == ["D2"] and zh["D2"][0].startswith("完成时限：not a date: '明年'")
    assert en["D2"][0].startswith("deadline: not a date") and "lines." not in en["D2"][0]


def test_categories_written_as_rows_of_their_own_head_the_lines_under_them() -> None:
    """序号 | 建设内容 | 金额: 一、… rows carry the category and its 小计, (1) rows are its lines."""
    wb = county_table(["序号", "建设内容", "金额（万元）"], [
        ["一", "完善电子商务公共服务中心", 26], [1, "公共服务中心运营", 22], [2, "电商孵化", 4],
        ["二", "支持农村电子商务培训", 15], [None, "（1）普及性培训", 12], [None, "（2）专业培训", 3],
        ["合计", None, 41],
    ], above=(["XX县资金安排表"],))
    result = imported(wb)
    assert [(line.ref, line.category, line.item) for line in result.plan.lines] == [
        ("1", "完善电子商务公共服务中心", "公共服务中心运营"), ("2", "完善电子商务公共服务中心", "电商孵化"),
        ("1", "支持农村电子商务培训", "普及性培训"), ("2", "支持农村电子商务培训", "专业培训")]
    assert result.plan.subtotals == {"完善电子商务公共服务中心": Decimal(260_000),
                                     "支持农村电子商务培训": Decimal(150_000)}
    assert result.plan.total == Decimal(410_000) and result.warnings == ()
    assert [line.tags for line in result.plan.lines] == [("public_service_center",)] * 2 + [("training",)] * 2


def test_of_a_total_and_its_central_funds_the_plan_budgets_the_central_funds() -> None:
    wb = county_table(["类别", "建设内容", "总投资（万元）", "其中：中央财政资金（万元）", "实施单位"], [
        ["电子商务培训", "普及性培训", 15, 12, "县商务局"], ["农村物流配送体系", "物流配送中心", 50, 30, "县交通局"]])
    plan = imported(wb).plan
    assert [line.amount for line in plan.lines] == [Decimal(120_000), Decimal(300_000)] and plan.subtotals == {}
    assert plan.funding == (FundingSource("中央财政资金", Decimal(420_000)),)


@pytest.mark.parametrize("rule_set", rulesets.available())
def test_every_rule_files_keyword_map_names_only_its_own_tags(rule_set: str) -> None:
    keywords = keyword_map(rule_set)
    assert keywords and set(keywords) <= rulesets.load(rule_set).vocabulary()
    assert all(words and all(isinstance(w, str) and w for w in words) for words in keywords.values())


def test_a_second_money_column_of_another_name_is_not_read_as_the_subtotal() -> None:
    wb = county_table(["类别", "建设内容", "金额（万元）", "自筹资金（万元）"], [
        ["电子商务培训", "普及性培训", 12, 3], [None, "专业培训", 5, 1]])
    result = imported(wb)
    assert result.plan.total == Decimal(170_000) and result.plan.subtotals == {} and result.warnings == ()


def test_a_region_or_rule_set_that_cannot_be_is_refused_in_the_users_language() -> None:
    wb = county_table(["类别", "建设内容", "金额"], [["电子商务培训", "普及性培训", 10]])
    assert refused(wb, region="65292")["region"] == ["地区代码应为6位数字（GB/T 2260）：65292"]
    assert refused(wb, lang="en", rule_set="national-2021")["rule_set"][0].startswith(
        "no such rule set: national-2021 (available: national-2019, national-2020")


def test_a_merged_range_over_the_whole_sheet_is_refused_before_it_is_read() -> None:
    """openpyxl makes an object per merged cell: one merge over a whole sheet would take the server's memory."""
    wb = county_table(["类别", "建设内容", "金额"], [["电子商务培训", "普及性培训", 10]], above=(["资金安排表"],))
    source = io.BytesIO(saved(wb))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w") as dst:
        for part in src.infolist():
            content = src.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                merge = b'<mergeCells count="1"><mergeCell ref="F1:XFD1048576"/></mergeCells>'
                content = content.replace(b"</sheetData>", b"</sheetData>" + merge)
            dst.writestr(part, content)
    with pytest.raises(ValidationError) as caught:
        import_plan_workbook(out.getvalue(), **FORM, lang="en")
    assert caught.value.messages == {
        "F1:XFD1048576": ["the merged range F1:XFD1048576 is too large for a budget table"]}


def test_a_workbook_that_unpacks_to_far_more_than_was_sent_is_refused_before_it_is_read() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved(Workbook()))) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for part in src.infolist():
            dst.writestr(part, src.read(part.filename))
        dst.writestr("xl/media/padding.bin", bytes(65 * 1024 * 1024))
    assert len(out.getvalue()) < 1024 * 1024
    with pytest.raises(ValidationError) as caught:
        import_plan_workbook(out.getvalue(), **FORM)
    assert caught.value.messages == {"file": ["工作簿解压后过大"]}
