"""Payment records a treasury would accept (issue 17 item 6): the payee's account and the payment due clock.

The payee of every payment is the contract's contractor; its bank (开户银行) and account (账号) are
recorded on the contract and shown on the voucher, and the account's name is the contractor's name
(a county treasury pays a company's account held in the company's name). No seed document gives the
account; SPEC §4 gives the voucher.

The due clock is 《保障中小企业款项支付条例》(国务院令第728号, 2020): 第八条 — public bodies pay small and
medium enterprises within 30 days, a contract may agree a longer term of at most 60 days; 第九条 — where
passing an inspection or acceptance is the payment condition, the term runs from the day it passed. Here
that day is the leading group's approval of the acceptance (seed 004 §5(5)3: payment follows it), so a
stage or final payment is due ``days`` after its acceptance's approval; an advance relies on no
acceptance and has no due day.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from disburse.domain.unmet import Unmet

#: The citation shown to people (zh) beside the rule.
DUE_CLAUSE = "《保障中小企业款项支付条例》（国务院令第728号）第八条、第九条"
LIMIT_CLAUSE = "《保障中小企业款项支付条例》（国务院令第728号）第九条"
#: 第八条: 30 days; a contract may agree up to 60.
DEFAULT_DUE_DAYS = 30
MAX_DUE_DAYS = 60
#: Finance is reminded this many days before the due day (a disburse choice: a week, time for a
#: verification and an approval at the rule sets' five-day SLA).
DUE_LEAD_DAYS = 7
#: An account number: 8 to 32 digits, spaces between groups allowed (Chinese bank accounts have 12–21
#: digits; 8–32 leaves room for old and foreign-format accounts without admitting nonsense).
ACCOUNT_DIGITS = (8, 32)
ACCOUNT_MAX_LENGTH = 40
BANK_MAX_LENGTH = 128
_ACCOUNT = re.compile(r"[0-9]+(?: [0-9]+)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class PayeeError(ValueError):
    """An account or bank name that cannot be recorded; the message is in English and Chinese."""


def read_account(text: str) -> str:
    """The account number as recorded: ASCII digits in groups separated by single spaces, 8–32 digits,
    spaces around it trimmed (``" 6222 0202 0000 1234 567"`` → ``"6222 0202 0000 1234 567"``)."""
    account = text.strip(" ")
    if _CONTROL.search(text):
        raise PayeeError("contains a control character (账号含有控制字符)")
    if not _ACCOUNT.fullmatch(account) or len(account) > ACCOUNT_MAX_LENGTH:
        raise PayeeError("an account number is ASCII digits in groups separated by single spaces "
                         "(账号只能由数字和空格组成)")
    digits = len(account.replace(" ", ""))
    low, high = ACCOUNT_DIGITS
    if not low <= digits <= high:
        raise PayeeError(f"an account number has {low} to {high} digits, not {digits} (账号应为{low}至{high}位数字)")
    return account


def read_bank(text: str) -> str:
    """The bank's name (开户银行) as recorded: trimmed, not blank, no control characters, at most 128."""
    bank = text.strip()
    if _CONTROL.search(text):
        raise PayeeError("contains a control character (开户银行含有控制字符)")
    if not bank:
        raise PayeeError("the bank's name is blank (开户银行不能为空)")
    if len(bank) > BANK_MAX_LENGTH:
        raise PayeeError(f"at most {BANK_MAX_LENGTH} characters (开户银行最多{BANK_MAX_LENGTH}个字)")
    return bank


def due_days_unmet(days: int | None) -> list[Unmet]:
    """A contract may agree a payment term of at most 60 days (第八条; 第九条 counts it from acceptance)."""
    if days is None or days <= MAX_DUE_DAYS:
        return []
    return [Unmet("payment_due_days_above_limit",
                  f"合同约定的付款期限{days}日超过{MAX_DUE_DAYS}日上限",
                  f"A contract may agree a payment term of at most {MAX_DUE_DAYS} days, not {days}",
                  LIMIT_CLAUSE)]


@dataclass(frozen=True)
class DueClock:
    """When a payment relying on an acceptance is due, and how many days late it is (0 when on time)."""

    days: int
    due_on: date
    overdue_days: int


def due_clock(approved_on: date, days: int, *, today: date, paid_on: date | None = None) -> DueClock:
    """Due ``days`` after the acceptance's approval (第九条); late by the days from the due day to the
    payment, or to ``today`` while unpaid; 0 when paid in time or not yet due."""
    due_on = approved_on + timedelta(days=days)
    until = paid_on if paid_on is not None else today
    return DueClock(days, due_on, max(0, (until - due_on).days))
