"""Every paycheck row of the tax year: date, kind, gross pay and 401(k)-eligible pay.

Rows come in date order, and on one date in the order regular, bonus, RSU. Eligible pay
is base pay plus eligible bonuses, cut at the 401(a)(17) compensation limit; RSU value is
never eligible. In a re-plan the rows on or before `ytd.as_of` are marked paid and the
limit is counted from `ytd.eligible_pay`.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate

from .calendar import PERIODS_PER_YEAR, pay_dates
from .money import div_half_up
from .scenario import Scenario


@dataclass(frozen=True)
class Paychecks:
    """Columns of the year's paychecks (plain tuples: the year has at most ~60 rows)."""

    dates: tuple[dt.date, ...]
    kinds: tuple[str, ...]
    gross: tuple[int, ...]  # cents
    eligible: tuple[int, ...]  # cents, after the 401(a)(17) cut
    paid: tuple[bool, ...]  # on or before ytd.as_of: already paid, not planned
    first_future: int  # paid rows are the first ones: rows[:first_future]

    def __len__(self) -> int:
        return len(self.dates)

    @property
    def future(self) -> range:
        """Indexes of the rows still to be paid."""
        return range(self.first_future, len(self.dates))


def build_paychecks(scenario: Scenario, compensation_limit: int) -> Paychecks:
    pay = scenario.pay
    days = tuple(pay_dates(pay.frequency, scenario.tax_year, pay.first_pay_date, pay.holiday_shift))
    base = _base_pay(scenario, days)
    extras = sorted([(b.date, 1, n, "bonus", b.amount, b.amount if _eligible(scenario, b) else 0)
                     for n, b in enumerate(scenario.bonuses)]
                    + [(r.date, 2, n, "rsu", r.value, 0) for n, r in enumerate(scenario.rsus)])
    if extras:  # each after the regular rows of its date, before those of later dates
        extra_dates, _, _, extra_kinds, extra_gross, extra_wanted = zip(*extras)
        at = [bisect_right(days, day) + k for k, day in enumerate(extra_dates)]  # k extras come before
        dates = _inserted(days, extra_dates, at)
        kinds = _inserted(("regular",) * len(days), extra_kinds, at)
        gross = _inserted(base, extra_gross, at)
        wanted = _inserted(base, extra_wanted, at)
    else:
        dates, kinds, gross, wanted = days, ("regular",) * len(days), tuple(base), tuple(base)

    ytd = scenario.ytd
    first_future = bisect_right(dates, ytd.as_of) if ytd else 0
    eligible = _cut_at(wanted, compensation_limit)
    if ytd and ytd.eligible_pay is not None:  # the paystub's figure replaces the calendar's estimate
        eligible[first_future:] = _cut_at(wanted[first_future:], compensation_limit - ytd.eligible_pay)
    paid = (True,) * first_future + (False,) * (len(dates) - first_future)
    return Paychecks(dates=dates, kinds=kinds, gross=gross, eligible=tuple(eligible), paid=paid,
                     first_future=first_future)


def _eligible(scenario: Scenario, bonus) -> bool:
    return scenario.plan.bonus_eligible if bonus.eligible is None else bonus.eligible


def _base_pay(scenario: Scenario, days: tuple[dt.date, ...]) -> list[int]:
    """Each regular pay date's base pay: the salary in force on it (a raise counts from
    the first pay date on or after its effective date)."""
    per_year = PERIODS_PER_YEAR[scenario.pay.frequency]
    out, start, salary = [], 0, scenario.pay.salary
    for r in sorted(scenario.raises, key=lambda r: r.effective):
        cut = bisect_left(days, r.effective)
        out += [div_half_up(salary, per_year)] * (cut - start)
        start, salary = cut, r.salary
    return out + [div_half_up(salary, per_year)] * (len(days) - start)


def _inserted(regular, extra: tuple, at: list[int]) -> tuple:
    """`regular` with each extra value inserted, in turn, at its place `at` the rows so far."""
    out = list(regular)
    for place, value in zip(at, extra):
        out.insert(place, value)
    return tuple(out)


def _cut_at(wanted: tuple[int, ...], room: int) -> list[int]:
    """Pay counted toward the 401(a)(17) limit with `room` left: rows in full while their
    running sum fits, the row that crosses it cut to what is left, none after (pay >= 0)."""
    running = list(accumulate(wanted))
    whole = bisect_right(running, room)
    if whole == len(wanted):
        return list(wanted)
    left = max(0, room - (running[whole - 1] if whole else 0))
    return list(wanted[:whole]) + [left] + [0] * (len(wanted) - whole - 1)


def lagged_rows(paychecks: Paychecks, lag: int) -> list[int]:
    """The rows still to be paid (k of paychecks.future) that an election lag keeps on the
    elections in force: those up to the lag-th regular pay date still to be paid."""
    future = paychecks.future
    days = sorted({paychecks.dates[i] for i in future if paychecks.kinds[i] == "regular"}) if lag > 0 else []
    if not days:
        return []
    until = days[min(lag, len(days)) - 1]
    return [k for k, i in enumerate(future) if paychecks.dates[i] <= until]


def regular_dates_before(scenario: Scenario) -> list[dt.date]:
    """The regular pay dates of the year before, to count an election lag back across Jan 1."""
    pay = scenario.pay
    return pay_dates(pay.frequency, scenario.tax_year - 1, pay.first_pay_date, pay.holiday_shift)
