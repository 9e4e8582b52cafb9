from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.calendar import (
    FREQUENCIES,
    HOLIDAY_SHIFTS,
    PERIODS_PER_YEAR,
    fed_holidays,
    is_business_day,
    pay_dates,
    shift,
)

D = date


def test_constants():
    assert FREQUENCIES == ("weekly", "biweekly", "semimonthly", "monthly")
    assert PERIODS_PER_YEAR == {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}
    assert HOLIDAY_SHIFTS == ("previous", "next", "none")


# --- holidays -----------------------------------------------------------------------


def _pandas_fed_holidays(start_year, end_year):
    """Independent oracle: the same rules written with pandas.tseries.holiday."""
    from pandas import DateOffset
    from pandas.tseries.holiday import (
        MO,
        TH,
        AbstractHolidayCalendar,
        Holiday,
        sunday_to_monday,
    )

    class Fed(AbstractHolidayCalendar):
        rules = [
            Holiday("New Year", month=1, day=1, observance=sunday_to_monday),
            Holiday("MLK", month=1, day=1, offset=DateOffset(weekday=MO(3))),
            Holiday("Washington", month=2, day=1, offset=DateOffset(weekday=MO(3))),
            Holiday("Memorial", month=5, day=31, offset=DateOffset(weekday=MO(-1))),
            Holiday(
                "Juneteenth", month=6, day=19, start_date="2022-01-01", observance=sunday_to_monday
            ),
            Holiday("Independence", month=7, day=4, observance=sunday_to_monday),
            Holiday("Labor", month=9, day=1, offset=DateOffset(weekday=MO(1))),
            Holiday("Columbus", month=10, day=1, offset=DateOffset(weekday=MO(2))),
            Holiday("Veterans", month=11, day=11, observance=sunday_to_monday),
            Holiday("Thanksgiving", month=11, day=1, offset=DateOffset(weekday=TH(4))),
            Holiday("Christmas", month=12, day=25, observance=sunday_to_monday),
        ]

    days = Fed().holidays(f"{start_year}-01-01", f"{end_year}-12-31")
    # A Saturday holiday is not a closure day: the Fed stays open the Friday before.
    return {ts.date() for ts in days if ts.weekday() != 5}


def test_fed_holidays_match_pandas_oracle_2020_2035():
    ours = set().union(*(fed_holidays(y) for y in range(2020, 2036)))
    assert ours == _pandas_fed_holidays(2020, 2035)
    for y in range(2020, 2036):
        assert all(d.year == y and d.weekday() < 5 for d in fed_holidays(y))
        assert len(fed_holidays(y)) <= (11 if y >= 2022 else 10)


def test_fed_holidays_2026_exact():
    assert fed_holidays(2026) == {
        D(2026, 1, 1),
        D(2026, 1, 19),
        D(2026, 2, 16),
        D(2026, 5, 25),
        D(2026, 6, 19),
        D(2026, 9, 7),
        D(2026, 10, 12),
        D(2026, 11, 11),
        D(2026, 11, 26),
        D(2026, 12, 25),
    }  # Jul 4 2026 is a Saturday: not observed


def test_sunday_observed_monday_and_juneteenth_start():
    assert D(2023, 1, 2) in fed_holidays(2023)  # Jan 1 2023 Sunday
    assert D(2022, 6, 20) in fed_holidays(2022)  # Jun 19 2022 Sunday
    assert D(2022, 12, 26) in fed_holidays(2022)  # Dec 25 2022 Sunday
    assert D(2021, 6, 18) not in fed_holidays(2021)  # Juneteenth only from 2022
    assert D(2021, 12, 31) not in fed_holidays(2021)  # Jan 1 2022 Sat: not observed
    assert D(2022, 1, 1) not in fed_holidays(2022)


def test_is_business_day():
    assert is_business_day(D(2026, 7, 3))  # Fri before a Saturday Jul 4: open
    assert not is_business_day(D(2026, 7, 4))  # Saturday
    assert not is_business_day(D(2026, 7, 5))  # Sunday
    assert not is_business_day(D(2025, 1, 1))
    assert not is_business_day(D(2023, 1, 2))  # observed New Year
    assert is_business_day(D(2025, 1, 2))


def test_shift():
    assert shift(D(2027, 1, 1), "previous") == D(2026, 12, 31)
    assert shift(D(2027, 1, 1), "next") == D(2027, 1, 4)
    assert shift(D(2027, 1, 1), "none") == D(2027, 1, 1)
    assert shift(D(2025, 3, 15), "previous") == D(2025, 3, 14)
    assert shift(D(2025, 3, 15), "next") == D(2025, 3, 17)
    # Sat, Sun, observed-Monday New Year: three closed days in a row
    assert shift(D(2022, 12, 31), "next") == D(2023, 1, 3)
    assert shift(D(2023, 1, 2), "previous") == D(2022, 12, 30)
    assert shift(D(2025, 6, 11), "previous") == D(2025, 6, 11)
    with pytest.raises(ValueError):
        shift(D(2025, 3, 15), "nearest")


# --- pay dates: worked example 12 and friends -------------------------------------------


def test_biweekly_anchor_jan2_no_shift():
    y26 = pay_dates("biweekly", 2026, D(2026, 1, 2), "none")
    assert len(y26) == 26 and y26[0] == D(2026, 1, 2) and y26[-1] == D(2026, 12, 18)
    y27 = pay_dates("biweekly", 2027, D(2026, 1, 2), "none")
    assert len(y27) == 27 and y27[0] == D(2027, 1, 1) and y27[-1] == D(2027, 12, 31)


def test_biweekly_anchor_jan2_previous_27_in_2026():
    y26 = pay_dates("biweekly", 2026, D(2026, 1, 2), "previous")
    assert len(y26) == 27
    assert y26[0] == D(2026, 1, 2) and y26[-2] == D(2026, 12, 18)
    assert y26[-1] == D(2026, 12, 31)  # Fri 2027-01-01 paid Thu
    y27 = pay_dates("biweekly", 2027, D(2026, 1, 2), "previous")
    assert len(y27) == 26 and y27[0] == D(2027, 1, 15) and y27[-1] == D(2027, 12, 31)


def test_biweekly_anchor_jan2_next():
    # With "next" the Jan 1 2027 paycheck stays in 2027 (Mon Jan 4).
    assert len(pay_dates("biweekly", 2026, D(2026, 1, 2), "next")) == 26
    y27 = pay_dates("biweekly", 2027, D(2026, 1, 2), "next")
    assert len(y27) == 27 and y27[0] == D(2027, 1, 4)


def test_anchor_works_in_both_directions():
    # An anchor years away, before or after, gives the same cycle.
    ref = pay_dates("biweekly", 2026, D(2026, 1, 2))
    assert pay_dates("biweekly", 2026, D(2026, 1, 2) - timedelta(days=14 * 200)) == ref
    assert pay_dates("biweekly", 2026, D(2026, 1, 2) + timedelta(days=14 * 150)) == ref
    assert pay_dates("biweekly", 2026, D(2019, 1, 11)) == ref  # 2019-01-11 is in phase
    assert pay_dates("biweekly", 2026, D(2019, 1, 4)) != ref  # the other phase


@pytest.mark.parametrize("year", range(2023, 2031))
def test_biweekly_other_phase_always_26(year):
    for hs in HOLIDAY_SHIFTS:
        assert len(pay_dates("biweekly", year, D(2026, 1, 9), hs)) == 26


@pytest.mark.parametrize(
    "year,n", [(2023, 52), (2024, 52), (2025, 52), (2026, 52), (2027, 53), (2028, 52), (2029, 52), (2030, 52)]
)
def test_weekly_fridays_no_shift(year, n):
    assert len(pay_dates("weekly", year, D(2026, 1, 2), "none")) == n


def test_weekly_fridays_previous_moves_53rd_into_2026():
    # Fri Jan 1 2027 is paid Thu Dec 31 2026 under "previous".
    counts = {y: len(pay_dates("weekly", y, D(2026, 1, 2), "previous")) for y in range(2023, 2031)}
    assert counts == {2023: 52, 2024: 52, 2025: 52, 2026: 53, 2027: 52, 2028: 52, 2029: 52, 2030: 52}


def test_weekly_wednesday_2025_previous():
    got = pay_dates("weekly", 2025, D(2025, 1, 8), "previous")
    assert len(got) == 52
    assert got[0] == D(2025, 1, 8)  # Jan 1 2025 is a holiday -> Dec 31 2024
    assert got[-1] == D(2025, 12, 31)
    assert D(2025, 12, 24) in got and D(2025, 12, 25) not in got  # Christmas Thu: Wed stays


def test_biweekly_2025_from_jan10():
    got = pay_dates("biweekly", 2025, D(2025, 1, 10))
    assert len(got) == 26 and got[0] == D(2025, 1, 10) and got[-1] == D(2025, 12, 26)


def test_default_anchor_is_first_friday_of_january():
    assert pay_dates("biweekly", 2025) == pay_dates("biweekly", 2025, D(2025, 1, 3))
    # First Friday of 2027 is Jan 1 (holiday): paid Thu Dec 31 2026, so 2027 starts Jan 8.
    assert pay_dates("weekly", 2027)[0] == D(2027, 1, 8)
    assert len(pay_dates("weekly", 2027, None, "none")) == 53


def test_semimonthly_2025():
    got = pay_dates("semimonthly", 2025)
    assert len(got) == 24
    assert got[:6] == [
        D(2025, 1, 15),
        D(2025, 1, 31),
        D(2025, 2, 14),  # Sat Feb 15 -> Fri
        D(2025, 2, 28),
        D(2025, 3, 14),  # Sat Mar 15 -> Fri
        D(2025, 3, 31),
    ]
    assert got[-1] == D(2025, 12, 31)
    assert pay_dates("semimonthly", 2025, holiday_shift="none")[4] == D(2025, 3, 15)


def test_monthly_2025():
    got = pay_dates("monthly", 2025)
    assert len(got) == 12
    assert got[4] == D(2025, 5, 30)  # Sat May 31 -> Fri
    assert got[7] == D(2025, 8, 29)  # Sun Aug 31 -> Fri
    assert pay_dates("monthly", 2025, holiday_shift="next")[4] == D(2025, 6, 2)  # into June


@pytest.mark.parametrize("year", range(2020, 2036))
def test_semimonthly_monthly_counts_previous_and_none(year):
    for hs in ("previous", "none"):
        assert len(pay_dates("semimonthly", year, holiday_shift=hs)) == 24
        assert len(pay_dates("monthly", year, holiday_shift=hs)) == 12


def test_next_can_move_a_december_paycheck_into_january():
    # Sat Dec 31 2022 -> (Sun, observed New Year Mon Jan 2) -> Tue Jan 3 2023:
    # the pay date decides the year, so 2022 has one fewer, 2024 (gets Sun Dec 31 2023) one more.
    m23 = pay_dates("monthly", 2023, holiday_shift="next")
    assert len(m23) == 12 and m23[0] == D(2023, 1, 3) and m23[-1] == D(2023, 11, 30)
    assert len(pay_dates("monthly", 2022, holiday_shift="next")) == 11
    assert len(pay_dates("semimonthly", 2022, holiday_shift="next")) == 23
    assert pay_dates("semimonthly", 2024, holiday_shift="next")[0] == D(2024, 1, 2)
    assert len(pay_dates("semimonthly", 2024, holiday_shift="next")) == 25


def test_invalid_arguments():
    with pytest.raises(ValueError):
        pay_dates("daily", 2025)
    with pytest.raises(ValueError):
        pay_dates("monthly", 2025, holiday_shift="nearest")


def test_module_does_not_import_pandas():
    import subprocess
    import sys

    code = "import sys, planner.calendar; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- property -----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    frequency=st.sampled_from(FREQUENCIES),
    year=st.integers(2000, 2060),
    anchor=st.dates(D(1990, 1, 1), D(2070, 12, 31)) | st.none(),
    holiday_shift=st.sampled_from(HOLIDAY_SHIFTS),
)
def test_pay_dates_properties(frequency, year, anchor, holiday_shift):
    got = pay_dates(frequency, year, anchor, holiday_shift)
    assert all(d.year == year for d in got)
    assert all(a < b for a, b in zip(got, got[1:]))
    if holiday_shift != "none":
        assert all(is_business_day(d) for d in got)
    n = PERIODS_PER_YEAR[frequency]
    if frequency in ("weekly", "biweekly"):
        assert len(got) in (n, n + 1)
        step = 7 if frequency == "weekly" else 14
        if holiday_shift == "none":
            assert all((b - a) == timedelta(days=step) for a, b in zip(got, got[1:]))
    elif holiday_shift == "next":
        # A Sat/Sun Dec 31 is paid in January: one year can lose it, the next gain one.
        assert n - 1 <= len(got) <= n + 1
    else:
        assert len(got) == n
