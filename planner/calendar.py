"""Regular pay dates for a tax year, shifted off weekends and Federal Reserve holidays.

Plain `datetime` only: pandas would cost the CLI's cold start far more than this needs.
The pay DATE decides the year (spec "Pay dates"), so candidates just outside the year
are generated too and kept only when their shifted date lands inside it.
"""

from datetime import date, timedelta
from functools import lru_cache

FREQUENCIES = ("weekly", "biweekly", "semimonthly", "monthly")
PERIODS_PER_YEAR = {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}
HOLIDAY_SHIFTS = ("previous", "next", "none")

_DAY = timedelta(days=1)
# Wider than any run of closed days (at most 3: Sat, Sun, Mon holiday), so every
# candidate whose shifted date can fall inside the year is generated.
_EDGE = timedelta(days=7)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (Mon=0) of the month; n=-1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = _month_end(year, month)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - _DAY


@lru_cache(maxsize=None)
def fed_holidays(year: int) -> frozenset[date]:
    """Weekdays in `year` the Federal Reserve is closed for a holiday."""
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2022:  # Juneteenth became a Fed holiday in 2022
        fixed.append(date(year, 6, 19))
    days = {
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
    }
    for d in fixed:
        if d.weekday() == 6:  # Sunday -> observed Monday (same year: none is on Dec 31)
            days.add(d + _DAY)
        elif d.weekday() < 5:  # Saturday is not observed: the Fed opens the Friday before
            days.add(d)
    return frozenset(days)


def is_business_day(d: date) -> bool:
    return d.weekday() < 5 and d not in fed_holidays(d.year)


def shift(d: date, holiday_shift: str) -> date:
    """Move a pay date that falls on a closed day to the business day before or after."""
    if holiday_shift == "none":
        return d
    if holiday_shift not in HOLIDAY_SHIFTS:
        raise ValueError(f"unknown holiday_shift {holiday_shift!r}")
    step = -_DAY if holiday_shift == "previous" else _DAY
    while not is_business_day(d):
        d += step
    return d


def _candidates(frequency: str, year: int, first_pay_date: date | None) -> list[date]:
    """Unshifted pay dates from a week before the year to a week after it."""
    lo, hi = date(year, 1, 1) - _EDGE, date(year, 12, 31) + _EDGE
    if frequency in ("weekly", "biweekly"):
        step = 7 if frequency == "weekly" else 14
        if first_pay_date is None:  # default anchor: the first Friday of January
            first_pay_date = _nth_weekday(year, 1, 4, 1)
        # The cycle runs both ways from the anchor: start at its first date >= lo.
        d = first_pay_date + timedelta(days=-((first_pay_date - lo).days // step) * step)
        out = []
        while d <= hi:
            out.append(d)
            d += timedelta(days=step)
        return out
    if frequency not in ("semimonthly", "monthly"):
        raise ValueError(f"unknown frequency {frequency!r}")
    out = []
    for y, m in [(year - 1, 12)] + [(year, m) for m in range(1, 13)] + [(year + 1, 1)]:
        if frequency == "semimonthly":
            out.append(date(y, m, 15))
        out.append(_month_end(y, m))
    return [d for d in out if lo <= d <= hi]


def pay_dates(
    frequency: str,
    year: int,
    first_pay_date: date | None = None,
    holiday_shift: str = "previous",
) -> list[date]:
    """The year's regular pay dates, shifted, sorted; only those paid inside `year`."""
    return list(_pay_dates(frequency, year, first_pay_date, holiday_shift))


@lru_cache(maxsize=4096)  # a batch's people share a few calendars
def _pay_dates(frequency: str, year: int, first_pay_date: date | None, holiday_shift: str) -> tuple[date, ...]:
    if holiday_shift not in HOLIDAY_SHIFTS:
        raise ValueError(f"unknown holiday_shift {holiday_shift!r}")
    shifted = (shift(d, holiday_shift) for d in _candidates(frequency, year, first_pay_date))
    # Candidates are >= 7 days apart and shifts move <= 3 days one way: order is kept.
    return tuple(d for d in shifted if d.year == year)
