"""Reading the plan form back (issue 18 item 1): a line's uses of funds keep the order the plan gave them."""

from werkzeug.datastructures import MultiDict

from disburse.web.plan_form import read


def test_a_lines_tags_keep_the_plans_order_and_new_ones_follow_whatever_order_the_boxes_stand_in() -> None:
    form = MultiDict([("lines-0-item", "物流与供应链"), ("lines-0-tag_order", "logistics supply_chain"),
                      ("lines-0-tags", "training"), ("lines-0-tags", "supply_chain"), ("lines-0-tags", "logistics")])
    assert read(form).tags == [["logistics", "supply_chain", "training"]]


def test_a_line_without_an_order_keeps_the_boxes_order() -> None:
    form = MultiDict([("lines-0-item", "新增"), ("lines-0-tags", "supply_chain"), ("lines-0-tags", "logistics")])
    assert read(form).tags == [["supply_chain", "logistics"]]
