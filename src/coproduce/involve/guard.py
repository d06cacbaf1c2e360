"""Payments for involvement, and the benefits guard (pure: no Django).

A payment is the hub's rate for each block of time begun (£20 per block of up to three
hours: a meeting of 3 h 30 min is two blocks). Before a person accepts one, the guard
adds it to what they have been paid this week and the time they have been paid for this
month, and compares both with the limits the hub sets (a permitted-work limit, a monthly
cap on paid hours). Past a limit it warns in plain words and points to independent
advice; where the hub made its limits hard, it refuses. Expenses repaid are not
earnings and never count; nor do time credits.
"""

from dataclasses import dataclass, field


def money(pence: int) -> str:
    """'£20.00', '£1,250.50'."""
    return f"£{pence // 100:,}.{pence % 100:02d}"


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


@dataclass(frozen=True)
class Rate:
    payment_pence: int
    block_minutes: int


def payment_for(minutes: int, rate: Rate) -> int:
    """The payment for a meeting this long: one payment per block begun."""
    if minutes <= 0:
        return 0
    blocks = -(-minutes // rate.block_minutes)
    return blocks * rate.payment_pence


@dataclass(frozen=True)
class Limits:
    weekly_pay_pence: int | None = None
    monthly_minutes: int | None = None
    hard: bool = False


@dataclass(frozen=True)
class Totals:
    """What a person has been paid already: this week (money) and this month (time)."""

    week_pence: int = 0
    month_minutes: int = 0


@dataclass(frozen=True)
class Verdict:
    warnings: tuple[str, ...] = field(default_factory=tuple)
    refused: bool = False

    @property
    def ok(self) -> bool:
        return not self.warnings


def check(totals: Totals, pence: int, minutes: int, limits: Limits) -> Verdict:
    """What accepting a payment of `pence` for `minutes` would pass, in plain words."""
    warnings = []
    week = totals.week_pence + pence
    if limits.weekly_pay_pence is not None and week > limits.weekly_pay_pence:
        warnings.append(
            f"This payment would bring what you are paid this week to {money(week)}, "
            f"over the {money(limits.weekly_pay_pence)} a week the hub sets as a limit "
            "so that payments do not affect benefits."
        )
    month = totals.month_minutes + minutes
    if limits.monthly_minutes is not None and month > limits.monthly_minutes:
        warnings.append(
            f"This would bring the time you are paid for this month to {duration(month)}, "
            f"over the hub's limit of {duration(limits.monthly_minutes)} a month."
        )
    return Verdict(tuple(warnings), refused=bool(warnings) and limits.hard)
