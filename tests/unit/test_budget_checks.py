"""Budget rules of seed 004 §5(1) and the plan sums, on plain domain objects."""

from decimal import Decimal

import pytest
from marshmallow import ValidationError

from disburse.adapters import rulesets
from disburse.domain.budget_checks import check_plan
from disburse.schemas.plan import load_plan
from tests.helpers import example, small_plan

QUJING = rulesets.load("qujing-2018")


def plan_of(doc: dict) -> object:
    return load_plan(doc)[0]


def test_service_centre_exactly_at_the_15_percent_cap_passes() -> None:
    assert check_plan(plan_of(small_plan()), QUJING) == []


def test_one_yuan_over_the_cap_fails_naming_the_cap_and_citing_seed_004() -> None:
    doc = small_plan()
    doc["lines"][0]["amount"] = "1500001.00"
    doc["lines"][2]["amount"] = "2499999.00"
    unmet = check_plan(plan_of(doc), QUJING)
    assert [u.code for u in unmet] == ["share_above_cap"]
    assert "15%" in unmet[0].zh and "15%" in unmet[0].en
    assert unmet[0].clause == "曲政办发〔2018〕205号 五(一)"


def test_supply_chain_below_half_fails_as_a_floor() -> None:
    doc = small_plan()
    doc["lines"][1]["amount"] = "4999999.00"
    doc["lines"][2]["amount"] = "2500001.00"
    unmet = check_plan(plan_of(doc), QUJING)
    assert [u.code for u in unmet] == ["share_below_floor"]
    assert "50%" in unmet[0].zh


def test_a_buildings_line_is_a_prohibited_use() -> None:
    doc = small_plan()
    doc["lines"][2]["tags"] = ["buildings"]
    unmet = check_plan(plan_of(doc), QUJING)
    assert [u.code for u in unmet] == ["prohibited_use"]
    assert "楼堂馆所" in unmet[0].zh
    assert unmet[0].clause == "曲政办发〔2018〕205号 五(一)"


def test_lines_and_funding_must_sum_to_the_total() -> None:
    doc = small_plan()
    doc["lines"][3]["amount"] = "999999.99"
    doc["funding"][0]["amount"] = "9000000.00"
    codes = [u.code for u in check_plan(plan_of(doc), QUJING)]
    assert "lines_sum_mismatch" in codes and "funding_sum_mismatch" in codes


def test_plans_in_wan_yuan_are_multiplied_by_ten_thousand() -> None:
    plan = plan_of(example("000"))
    assert plan.total == Decimal("6500000.00")
    assert plan.funding_sum() == plan.total


@pytest.mark.parametrize("name", ["000", "001", "003"])
def test_each_transcribed_seed_plan_passes_its_rule_set(name: str) -> None:
    plan = plan_of(example(name))
    assert check_plan(plan, rulesets.load(plan.rule_set)) == []


def test_seed_002_is_refused_only_for_its_missing_amounts() -> None:
    plan = plan_of(example("002"))
    unmet = check_plan(plan, rulesets.load(plan.rule_set))
    assert unmet and {u.code for u in unmet} == {"line_amount_missing"}
    assert len(unmet) == len(plan.lines)


def test_seed_000_keeps_its_printed_subtotals() -> None:
    plan = plan_of(example("000"))
    assert sorted(v / 10000 for v in plan.subtotals.values()) == [11, 60, 66, 133, 380]
    assert len(plan.lines) == 30


def test_seed_001_keeps_its_row_numbers_with_the_gap() -> None:
    plan = plan_of(example("001"))
    assert sorted({line.ref for line in plan.lines}) == ["1", "3", "4", "5", "6"]


def test_a_json_number_for_money_is_an_error_at_its_path() -> None:
    doc = small_plan()
    doc["lines"][1]["amount"] = 5000000
    with pytest.raises(ValidationError) as exc:
        load_plan(doc)
    assert "not a number" in str(exc.value.messages["lines"][1]["amount"])


def test_more_precise_than_a_fen_is_refused() -> None:
    doc = small_plan()
    doc["unit"] = "万元"
    doc["total"] = "1000.0000001"  # 10 000 000.001 yuan
    with pytest.raises(ValidationError) as exc:
        load_plan(doc)
    assert "total" in exc.value.messages


def test_unknown_tags_and_rule_sets_are_field_errors() -> None:
    doc = small_plan()
    doc["lines"][0]["tags"] = ["casino"]
    with pytest.raises(ValidationError) as exc:
        load_plan(doc)
    assert "tags" in exc.value.messages["lines"]["0"]
    doc = small_plan(rule_set="nowhere-1999")
    with pytest.raises(ValidationError) as exc:
        load_plan(doc)
    assert "rule_set" in exc.value.messages


def test_tagging_every_line_supply_chain_too_no_longer_meets_the_floor() -> None:
    """Issue 17: a line with two share-relevant tags counted in full toward both; now it declares its split."""
    doc = small_plan()
    doc["lines"][1]["amount"] = "2000000.00"
    doc["lines"][2]["amount"] = "5500000.00"
    doc["lines"][2]["tags"] = ["logistics", "supply_chain"]
    doc["lines"][0]["tags"] = ["public_service_center", "supply_chain"]
    unmet = check_plan(plan_of(doc), QUJING)
    assert [u.code for u in unmet] == ["ambiguous_tags"]  # the logistics line: only supply_chain is judged
    assert "公共服务中心" in unmet[0].zh and "split" in unmet[0].en


def test_a_declared_split_counts_each_yuan_once() -> None:
    doc = small_plan()
    doc["lines"][0]["tags"] = ["public_service_center", "supply_chain"]
    doc["lines"][0]["split"] = {"public_service_center": "1000000.00", "supply_chain": "500000.00"}
    doc["lines"][1]["amount"] = "4500000.00"
    doc["lines"][2]["amount"] = "3000000.00"
    assert check_plan(plan_of(doc), QUJING) == []  # 450万 + 50万 = exactly the 50 % floor
    doc["lines"][0]["split"]["supply_chain"] = "499999.99"
    assert [u.code for u in check_plan(plan_of(doc), QUJING)] == ["split_sum_mismatch", "share_below_floor"]
    doc["lines"][0]["split"] = {"public_service_center": "1000000.00", "training": "500000.00"}
    assert [u.code for u in check_plan(plan_of(doc), QUJING)] == ["split_tag_not_on_line", "share_below_floor"]
