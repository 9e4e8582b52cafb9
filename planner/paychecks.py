"""Every paycheck row of the tax year: date, kind, gross pay and 401(k)-eligible pay.

Rows come in date order, and on one date in the order regular, bonus, RSU. Eligible pay
is base pay plus eligible bonuses, cut at the 401(a)(17) compensation limit; RSU value is
never eligible. In a re-plan the rows on or before `ytd.as_of` are paid (the first `first_future`) and the
limit is counted from `ytd.eligible_pay`.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
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
    first_future: int  # rows[:first_future] are paid (on or before ytd.as_of), not planned
    calendar: Calendar = field(repr=False, compare=False)  # the dates' part, shared with others

    def __len__(self) -> int:
        return len(self.dates)

    @property
    def future(self) -> range:
        """Indexes of the rows still to be paid."""
        return range(self.first_future, len(self.dates))


def build_paychecks(scenario: Scenario, compensation_limit: int) -> Paychecks:
    pay, ytd = scenario.pay, scenario.ytd
    calendar = calendar_of(pay.frequency, scenario.tax_year, pay.first_pay_date, pay.holiday_shift,
                           tuple([b.date for b in scenario.bonuses]), tuple([r.date for r in scenario.rsus]),
                           ytd.as_of if ytd else None)
    base = _base_pay(scenario, calendar.days)
    if calendar.order:
        extra_gross = [b.amount for b in scenario.bonuses] + [r.value for r in scenario.rsus]
        extra_wanted = [b.amount if _eligible(scenario, b) else 0 for b in scenario.bonuses] + [0] * len(scenario.rsus)
        gross = _inserted(base, [extra_gross[n] for n in calendar.order], calendar.at)
        wanted = _inserted(base, [extra_wanted[n] for n in calendar.order], calendar.at)
    else:
        gross = wanted = tuple(base)

    first_future = calendar.first_future
    eligible = _cut_at(wanted, compensation_limit)
    if ytd and ytd.eligible_pay is not None:  # the paystub's figure replaces the calendar's estimate
        eligible[first_future:] = _cut_at(wanted[first_future:], compensation_limit - ytd.eligible_pay)
    return Paychecks(dates=calendar.dates, kinds=calendar.kinds, gross=gross, eligible=tuple(eligible),
                     first_future=first_future, calendar=calendar)


@dataclass(frozen=True, eq=False)  # one per key of calendar_of: the same object is the same calendar
class Calendar:
    """What the dates alone decide of a year's rows: their dates and kinds, where the extras
    go among the regular rows and how many rows are paid. A batch's people share a few (the
    same pay dates, bonus and RSU dates, as_of): each is worked out once, and only the
    amounts are each person's."""

    days: tuple[dt.date, ...]  # the regular pay dates
    dates: tuple[dt.date, ...]  # every row's
    kinds: tuple[str, ...]
    order: tuple[int, ...]  # the extras (bonuses then RSUs, as given) in row order
    at: tuple[int, ...]  # where each of them, in turn, is inserted among the rows so far
    first_future: int


@lru_cache(maxsize=4096)
def calendar_of(frequency: str, year: int, first_pay_date: dt.date | None, holiday_shift: str,
                bonus_dates: tuple[dt.date, ...], rsu_dates: tuple[dt.date, ...], as_of: dt.date | None) -> Calendar:
    days = tuple(pay_dates(frequency, year, first_pay_date, holiday_shift))
    # each extra after the regular rows of its date, before those of later dates; on one
    # date bonuses before RSUs, each kind in the order given
    extras = sorted([(day, 1, n, "bonus") for n, day in enumerate(bonus_dates)]
                    + [(day, 2, len(bonus_dates) + n, "rsu") for n, day in enumerate(rsu_dates)])
    at = tuple(bisect_right(days, day) + k for k, (day, *_) in enumerate(extras))  # k extras come before
    dates = _inserted(days, [day for day, *_ in extras], at)
    kinds = _inserted(("regular",) * len(days), [kind for *_, kind in extras], at)
    first_future = bisect_right(dates, as_of) if as_of else 0
    return Calendar(days, dates, kinds, tuple(n for _, _, n, _ in extras), at, first_future)


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
    if sum(wanted) <= room:  # most people's pay is all under the limit
        return list(wanted)
    running = list(accumulate(wanted))
    whole = bisect_right(running, room)
    if whole == len(wanted):  # (no rows left, and no room)
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
