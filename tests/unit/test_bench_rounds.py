"""The bench alternates each measurement with its baseline and reports min, median and max of each."""

import pytest

from bench.common import interleave


def test_rounds_alternate_baseline_first_and_ratios_come_from_medians() -> None:
    calls: list[str] = []

    def baseline(r: int) -> float:
        calls.append(f"b{r}")
        return [10.0, 30.0, 20.0][r]

    def product(r: int) -> float:
        calls.append(f"p{r}")
        return [4.0, 1.0, 6.0][r]

    pair = interleave(3, baseline, product)
    assert calls == ["b0", "p0", "b1", "p1", "b2", "p2"]
    summary = pair.summary()
    assert summary["order"] == "bpbpbp"
    assert summary["baseline"] == {"min": 10.0, "median": 20.0, "max": 30.0, "rounds": [10.0, 30.0, 20.0]}
    assert summary["product"] == {"min": 1.0, "median": 4.0, "max": 6.0, "rounds": [4.0, 1.0, 6.0]}
    assert pair.ratio == pytest.approx(0.2)


def test_fewer_than_three_rounds_are_refused() -> None:
    with pytest.raises(ValueError, match="three rounds"):
        interleave(2, lambda r: 1.0, lambda r: 1.0)
