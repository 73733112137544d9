"""The plan as an Excel budget table (issue 9; seed 000 §7, seed 001 §6(1)): out and back in, checked."""

import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from marshmallow import ValidationError
from openpyxl import Workbook, load_workbook

from disburse.domain.plan import FundingSource
from disburse.excel.plan import import_plan_workbook, load_plan_workbook, plan_workbook
from disburse.schemas.plan import load_plan
from tests.helpers import EXAMPLES, PLANS


def document(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def workbook_of(path: Path) -> bytes:
    doc = document(path)
    plan, source = load_plan(doc)
    return plan_workbook(plan, doc.get("unit", "元"), source)


def entries(data: bytes) -> dict[str, bytes]:
    """The workbook's parts, uncompressed (compressed bytes may differ between zlib builds)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def edited(data: bytes, **cells: Any) -> bytes:
    """The workbook with some cells of its first sheet changed."""
    wb = load_workbook(io.BytesIO(data))
    for address, value in cells.items():
        wb.worksheets[0][address] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def refusal(data: bytes, **overrides: str) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        load_plan_workbook(data, **overrides)
    messages: dict[str, list[str]] = caught.value.messages  # type: ignore[assignment]
    return messages


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_every_example_plan_comes_back_from_its_workbook_unchanged(path: Path) -> None:
    plan, source = load_plan(document(path))
    again, again_source = load_plan_workbook(workbook_of(path))
    assert again == plan
    assert again_source == source


@pytest.mark.parametrize("name", ["000-keping-2020", "001-burqin-2020"])
def test_the_committed_example_workbooks_are_what_the_exporter_makes_of_the_yaml(name: str) -> None:
    committed = (EXAMPLES / f"{name}.xlsx").read_bytes()
    assert entries(committed) == entries(workbook_of(EXAMPLES / f"{name}.yaml")), \
        f"regenerate: python -m disburse.excel examples/plans/{name}.yaml examples/plans/{name}.xlsx"
    assert load_plan_workbook(committed)[0] == load_plan(document(EXAMPLES / f"{name}.yaml"))[0]


def test_seed_000_table_reads_like_the_seed_prints_it() -> None:
    """Seed 000 §7: five categories merged over their lines, 小计 66/133/380/60/11, 合计 650 (万元)."""
    ws = load_workbook(EXAMPLES / "000-keping-2020.xlsx").worksheets[0]
    assert [ws.cell(2, c).value for c in range(1, 6)] == ["序号", "类别", "建设内容", "金额（万元）", "小计（万元）"]
    subtotal_cells = sorted((r.min_row, ws.cell(r.min_row, 5).value) for r in ws.merged_cells.ranges
                            if r.min_col == 5)
    assert [value for _, value in subtotal_cells] == [66, 133, 380, 60, 11]
    assert ws["B3"].value == "完善电子商务公共服务中心" and "B3:B6" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A33"].value == "合计" and ws["D33"].value == 650
    assert ws["D3"].data_type == "n" and ws["D3"].number_format == '#,##0.00####"万元"'
    assert ws["D22"].value == 3.2  # 四.3 "3.2" 万元, a number
    assert ws.freeze_panes == "A3"


def test_seed_001_keeps_its_row_numbers_merged_over_the_sub_items() -> None:
    """Seed 001 §6(1) numbers its rows 1, 3, 4, 5, 6 (no row 2); each row's sub-items share the number."""
    ws = load_workbook(EXAMPLES / "001-burqin-2020.xlsx").worksheets[0]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A4", "A5:A7", "A8:A10", "A11:A13"} <= merged
    assert [ws.cell(r, 1).value for r in (3, 5, 8, 11, 14)] == ["1", "3", "4", "5", "6"]
    info = load_workbook(EXAMPLES / "001-burqin-2020.xlsx")["项目信息"]
    assert info["A2"].value == "项目名称" and info["B4"].value == "654321"
    assert isinstance(info["B8"].value, datetime) and info["B8"].value.date() == date(2022, 10, 1)


def test_a_wrong_subtotal_is_a_warning_naming_its_cell() -> None:
    data = edited(workbook_of(EXAMPLES / "000-keping-2020.yaml"), E3=70)
    imported = import_plan_workbook(data)
    assert imported.warnings == ("E3：小计 70 ≠ 该类合计 66（完善电子商务公共服务中心）",)
    assert import_plan_workbook(data, lang="en").warnings == (
        "E3: subtotal 70 ≠ the sum of its lines 66 (完善电子商务公共服务中心)",)


def test_a_wrong_total_and_a_wrong_amount_are_refused_naming_their_cells() -> None:
    data = edited(workbook_of(EXAMPLES / "001-burqin-2020.yaml"), D15=510, D4="十万")
    errors = refusal(data)
    assert errors["D4"] == ["不是金额：十万"]
    assert "D15" in errors and errors["D15"][0].startswith("合计 510 ≠ 项目信息的总投资 500")


def test_a_line_changed_without_its_subtotal_is_caught_in_the_subtotal_and_the_total() -> None:
    """A draft that imports with warnings by cell; ``file`` refuses it until the figures agree."""
    data = edited(workbook_of(EXAMPLES / "001-burqin-2020.yaml"), D3=50)
    assert import_plan_workbook(data).warnings == (
        "E3：小计 70 ≠ 该类合计 60（升级电商服务中心、电商站点持续运营能力和综合服务能力）",
        "D15：合计 500 ≠ 各行金额之和 490")


def test_schema_errors_are_moved_to_the_cell_they_came_from() -> None:
    data = edited(workbook_of(EXAMPLES / "003-xx-2024.yaml"), F4="楼堂馆所建设、飞船")
    errors = refusal(data)
    assert list(errors) == ["F4"]
    assert errors["F4"][0].startswith("资金用途“飞船”不是本资金规则的类别（可选：公共服务中心、")


def test_a_draft_without_amounts_reads_as_a_draft() -> None:
    """Seed 002 gives only the total: the lines have no amount, and nothing is summed against it."""
    plan, _ = load_plan_workbook(workbook_of(EXAMPLES / "002-kazuo-2019.yaml"))
    assert plan.total == 15_000_000 and all(line.amount is None for line in plan.lines)


def test_a_table_only_workbook_needs_name_region_and_rule_set() -> None:
    wb = load_workbook(EXAMPLES / "000-keping-2020.xlsx")
    del wb["项目信息"]
    out = io.BytesIO()
    wb.save(out)
    errors = refusal(out.getvalue())
    assert set(errors) == {"name", "region", "rule_set"} and "--region" in errors["region"][0]
    plan, source = load_plan_workbook(out.getvalue(), name="柯坪县续建项目", region="652929",
                                      rule_set="national-2020")
    expected, _ = load_plan(document(EXAMPLES / "000-keping-2020.yaml"))
    assert plan.name == "柯坪县续建项目" and plan.total == expected.total and plan.lines == expected.lines
    assert plan.subtotals == expected.subtotals and source == {}
    assert plan.funding == (FundingSource("中央财政资金", expected.total),)  # a default, docs/decisions.md


def test_a_hand_made_table_in_seed_001s_own_layout_is_read() -> None:
    """Seed 001 §6(1)'s headers (支持内容/细项/支持资金（万元）/合计（万元）), merged cells, 合计 at the bottom."""
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "支持内容", "细项", "支持资金（万元）", "合计\n（万元）", "标签"])
    ws.append([1, "升级电商服务中心", "提升电商服务站点综合服务能力", 60, 70, "service_station"])
    ws.append([None, None, "县级新媒体直播基地建设运营", 10, None, "公共服务中心"])
    ws.append([6, "农村电商宣传推广", "构建农村电商宣传矩阵", 10, 10, "publicity"])
    ws.append(["合计", None, None, 80, 80])
    for rng in ("A2:A3", "B2:B3", "E2:E3"):
        ws.merge_cells(rng)
    out = io.BytesIO()
    wb.save(out)
    plan, _ = load_plan_workbook(out.getvalue(), name="布尔津县（测试）", region="654321", rule_set="national-2020")
    assert plan.total == 800_000
    assert [(line.ref, line.category, line.amount, line.tags) for line in plan.lines] == [
        ("1", "升级电商服务中心", 600_000, ("service_station",)),
        ("1", "升级电商服务中心", 100_000, ("public_service_center",)),
        ("6", "农村电商宣传推广", 100_000, ("publicity",)),
    ]
    assert plan.subtotals == {"升级电商服务中心": 700_000, "农村电商宣传推广": 100_000}


def test_text_that_looks_like_a_formula_stays_text() -> None:
    doc = document(EXAMPLES / "003-xx-2024.yaml")
    doc["lines"][0]["note"] = "=HYPERLINK(\"http://example.com\")"
    plan, source = load_plan(doc)
    data = plan_workbook(plan, "万元", source)
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["J3"].data_type == "s"
    assert load_plan_workbook(data)[0] == plan


def test_something_that_is_not_a_workbook_is_a_field_error() -> None:
    assert set(refusal(b"name: not a workbook\n")) == {"file"}
