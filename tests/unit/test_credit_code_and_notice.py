"""The credit code's check digit (GB 32100-2015) and the notice period (seed 004 §5(5)2)."""

from datetime import UTC, date, datetime

import pytest

from disburse.domain.credit_code import check_char, problem
from disburse.domain.notice import is_working_day, last_day, notice_end


def test_a_code_with_its_check_character_is_valid() -> None:
    base = "91350921MA32ABCD1"
    assert problem(base + check_char(base)) is None


def test_a_wrong_check_digit_says_so_and_names_the_right_one() -> None:
    base = "91350921MA32ABCD1"
    right = check_char(base)
    wrong = "0" if right != "0" else "1"
    message = problem(base + wrong)
    assert message and "check digit" in message and right in message


@pytest.mark.parametrize(("code", "words"), [
    ("91350921MA32ABCD", "18 characters"),
    ("91350921MA32ABCDIO", "not allowed"),
    ("91ABCDEFMA32ABCD1X", "region code"),
])
def test_malformed_codes_are_explained(code: str, words: str) -> None:
    message = problem(code)
    assert message and words in message


def test_a_notice_published_before_national_day_2024_skips_the_holiday() -> None:
    # 2024-09-29 (Sunday) is a make-up working day; 10-01..10-07 are the holiday
    assert last_day(date(2024, 9, 27), 5, working_days=True) == date(2024, 10, 10)
    end_day, ends_at = notice_end(datetime(2024, 9, 27, 2, 0, tzinfo=UTC), 5, True)
    assert end_day == date(2024, 10, 10)
    assert ends_at == datetime(2024, 10, 10, 16, 0, tzinfo=UTC)  # 24:00 Beijing time


def test_calendar_days_count_every_day() -> None:
    assert last_day(date(2024, 9, 27), 5, working_days=False) == date(2024, 10, 2)


def test_a_publication_late_in_the_evening_counts_from_the_beijing_date() -> None:
    # 2024-09-26 17:00 UTC is already the 27th in Beijing
    end_day, _ = notice_end(datetime(2024, 9, 26, 17, 0, tzinfo=UTC), 5, True)
    assert end_day == date(2024, 10, 10)


def test_years_the_calendar_does_not_know_yet_count_weekdays() -> None:
    assert is_working_day(date(2099, 1, 5)) is True  # a Monday
    assert is_working_day(date(2099, 1, 4)) is False  # a Sunday
