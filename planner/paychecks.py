"""Every paycheck row of the tax year: date, kind, gross pay and 401(k)-eligible pay.

Rows come in date order, and on one date in the order regular, bonus, RSU. Eligible pay
is base pay plus eligible bonuses, cut at the 401(a)(17) compensation limit; RSU value is
never eligible. In a re-plan the rows on or before `ytd.as_of` are marked paid and the
limit is counted from `ytd.eligible_pay`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from .calendar import PERIODS_PER_YEAR, pay_dates
from .money import div_half_up
from .scenario import Scenario

KIND_ORDER = {"regular": 0, "bonus": 1, "rsu": 2}


@dataclass(frozen=True)
class Paychecks:
    """Columns of the year's paychecks (plain tuples: the year has at most ~60 rows)."""

    dates: tuple[dt.date, ...]
    kinds: tuple[str, ...]
    gross: tuple[int, ...]  # cents
    eligible: tuple[int, ...]  # cents, after the 401(a)(17) cut
    paid: tuple[bool, ...]  # on or before ytd.as_of: already paid, not planned

    def __len__(self) -> int:
        return len(self.dates)

    @cached_property
    def future(self) -> list[int]:
        """Indexes of the rows still to be paid."""
        return [i for i, paid in enumerate(self.paid) if not paid]


def build_paychecks(scenario: Scenario, compensation_limit: int) -> Paychecks:
    pay = scenario.pay
    per_year = PERIODS_PER_YEAR[pay.frequency]
    rows = []  # (date, kind order, sequence, kind, gross, eligible before the cut)
    raises = sorted(scenario.raises, key=lambda r: r.effective)
    salary, applied = pay.salary, 0  # the salary in force: raises applied as their dates pass
    base = div_half_up(salary, per_year)
    for day in pay_dates(pay.frequency, scenario.tax_year, pay.first_pay_date, pay.holiday_shift):
        while applied < len(raises) and raises[applied].effective <= day:
            salary, applied = raises[applied].salary, applied + 1
            base = div_half_up(salary, per_year)
        rows.append((day, 0, len(rows), "regular", base, base))
    for bonus in scenario.bonuses:
        eligible = scenario.plan.bonus_eligible if bonus.eligible is None else bonus.eligible
        rows.append((bonus.date, 1, len(rows), "bonus", bonus.amount, bonus.amount if eligible else 0))
    for rsu in scenario.rsus:
        rows.append((rsu.date, 2, len(rows), "rsu", rsu.value, 0))
    rows.sort()
    dates, _, _, kinds, gross, wanted = zip(*rows) if rows else ((),) * 6

    ytd = scenario.ytd
    paid = tuple(ytd is not None and day <= ytd.as_of for day in dates)
    counted, first_future = 0, sum(paid)
    eligible = []
    for i, cents in enumerate(wanted):
        if i == first_future and ytd and ytd.eligible_pay is not None:
            counted = ytd.eligible_pay  # the paystub's figure replaces the calendar's estimate
        part = max(0, min(cents, compensation_limit - counted))
        counted += part
        eligible.append(part)
    return Paychecks(dates=dates, kinds=kinds, gross=gross, eligible=tuple(eligible), paid=paid)


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
