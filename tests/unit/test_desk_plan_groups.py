"""The plan grouped by category as the seeds' budget tables print it (services/desk.py)."""

from decimal import Decimal

from disburse.services.desk import plan_groups
from disburse.services.views import LineView


def line(category: str, amount: str | None) -> LineView:
    return LineView(id=1, ref=None, category=category, item=f"{category} item",
                    amount=None if amount is None else Decimal(amount), tags=(), responsible=(), cooperating=(),
                    deadline=None, note=None)


def test_lines_are_grouped_in_plan_order_with_the_printed_subtotal_or_their_sum() -> None:
    groups = plan_groups([line("公共服务中心", "220000.00"), line("公共服务中心", "440000.00"),
                          line("培训", "600000.00"), line("公共服务中心", "10000.00")],
                         {"培训": "600000.00"})
    assert [(g["category"], len(g["lines"]), g["subtotal"], g["stated"]) for g in groups] == [
        ("公共服务中心", 2, Decimal("660000.00"), False), ("培训", 1, Decimal("600000.00"), True),
        ("公共服务中心", 1, Decimal("10000.00"), False)]


def test_a_draft_line_without_amount_leaves_its_group_without_a_subtotal() -> None:
    assert plan_groups([line("物流", None), line("物流", "5.00")], {})[0]["subtotal"] is None
