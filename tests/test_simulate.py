"""Payroll semantics, paycheck by paycheck, against hand-computed values.

Every scenario is run through `planner.check` with [[election]] entries, so what is tested
is payroll as the spec describes it (../shared/spec/scenario-format.md, "Meaning"), not
the solver. Each test's docstring carries the arithmetic.
"""

from __future__ import annotations

import datetime as dt

import pytest

import planner
from planner.errors import PlannerError
from tests.helpers import cents, scenario

JAN1_2025 = dt.date(2025, 1, 1)
JAN1_2026 = dt.date(2026, 1, 1)


def check(**kwargs) -> dict:
    return planner.check(scenario(**kwargs)).to_dict()


def column(out: dict, key: str) -> list[int]:
    return [cents(p[key]) for p in out["periods"]]


# ---------------------------------------------------------------- 402(g) auto-stop


def test_auto_stop_cuts_the_paycheck_that_reaches_402g_and_the_match_stops():
    """rules.md §5 example 10: $200,000 biweekly (7,692.31), 20 %, match 50 % up to 4 %.
    20 % = 1,538.46 on checks 1-15 (23,076.90), 423.10 on check 16, then 0.
    Match 0.5 x min(deferral, 307.69) = 153.85 on checks 1-16, then 0: 2,461.60."""
    out = check(age=35, salary=200_000, elections=[(JAN1_2025, 20)])
    deferral, match = column(out, "deferral"), column(out, "match")
    assert len(deferral) == 26
    assert deferral == [1538_46] * 15 + [423_10] + [0] * 10
    assert match == [153_85] * 16 + [0] * 10
    assert [p["capped"] for p in out["periods"]] == [False] * 15 + [True] * 11
    t = out["totals"]
    assert cents(t["deferral"]) == 23_500_00
    assert cents(t["match"]) == 2_461_60
    assert t["excess"] == 0
    # the same dollars spread evenly would earn 26 x 153.85 = 4,000.10
    assert cents(t["match_lost"]) == 4_000_10 - 2_461_60
    assert any("match" in w.lower() for w in out["warnings"])


def test_no_auto_stop_defers_past_402g_and_reports_the_excess():
    """Without auto-stop 26 x 1,538.46 = 40,000.00 is deferred: 16,500 over 23,500."""
    out = check(age=35, salary=200_000, elections=[(JAN1_2025, 20)], plan={"auto_stop_deferral": False})
    assert column(out, "deferral") == [1538_46] * 26
    t = out["totals"]
    assert cents(t["deferral"]) == 26 * 1538_46
    assert cents(t["excess_deferral"]) == 26 * 1538_46 - 23_500_00
    assert cents(t["excess"]) == cents(t["excess_deferral"]) + cents(t["excess_annual_additions"])
    assert any("april 15, 2026" in w.lower() for w in out["warnings"])


def test_true_up_restores_the_match_lost_to_auto_stop():
    """Same as above with a true-up: year match = 0.5 x min(23,500, 4 % x 200,000.06)
    = 4,000.0012 -> 4,000.00; paid per paycheck 2,461.60, so the true-up is 1,538.40."""
    out = check(age=35, salary=200_000, elections=[(JAN1_2025, 20)], plan={"match_true_up": True})
    t = out["totals"]
    assert cents(t["true_up"]) == 1_538_40
    assert cents(t["match"]) == 4_000_00
    assert sum(column(out, "match")) == 2_461_60
    assert cents(t["annual_additions"]) == 23_500_00 + 4_000_00  # the true-up is an annual addition


# ---------------------------------------------------------------- catch-up


def test_catch_up_is_the_deferral_above_402g():
    """Age 51, 20 % of 7,692.31: after 15 checks 23,076.90; check 16 takes it to 24,615.36
    (1,115.36 catch-up); checks 17-20 are all catch-up (30,769.20); check 21 is cut to 230.80
    at 31,000. Catch-up 1,115.36 + 4 x 1,538.46 + 230.80 = 7,500.
    Match (catch-up matched): 153.85 on checks 1-20, 0.5 x 230.80 = 115.40 on check 21."""
    out = check(age=51, salary=200_000, elections=[(JAN1_2025, 20)])
    assert column(out, "deferral") == [1538_46] * 20 + [230_80] + [0] * 5
    assert column(out, "catch_up") == [0] * 15 + [1115_36] + [1538_46] * 4 + [230_80] + [0] * 5
    t = out["totals"]
    assert cents(t["deferral"]) == 31_000_00
    assert cents(t["catch_up"]) == 7_500_00
    assert column(out, "match") == [153_85] * 20 + [115_40] + [0] * 5
    assert cents(t["match"]) == 20 * 153_85 + 115_40
    # catch-up is not an annual addition
    assert cents(t["annual_additions"]) == 23_500_00 + cents(t["match"])


@pytest.mark.parametrize("match_catch_up, expected", [
    (True, [150_00] * 13 + [0] * 11),
    (False, [150_00] * 10 + [0] * 14),
])
def test_match_catch_up_false_leaves_catch_up_unmatched(match_catch_up, expected):
    """Age 51, $120,000 semimonthly = 5,000; 50 % = 2,500; match 50 % up to 6 % (300 -> 150).
    Checks 1-9: 22,500; check 10: 1,000 under 402(g) + 1,500 catch-up; checks 11-12 all
    catch-up; check 13 cut to 1,000 (31,000). Unmatched catch-up: check 10 matches on 1,000
    -> 150; checks 11-13 get 0."""
    out = check(age=51, frequency="semimonthly", salary=120_000, elections=[(JAN1_2025, 50)],
                match=[{"rate": 0.5, "up_to_pct": 6}], plan={"match_catch_up": match_catch_up})
    assert column(out, "deferral") == [2500_00] * 12 + [1000_00] + [0] * 11
    assert column(out, "catch_up") == [0] * 9 + [1500_00, 2500_00, 2500_00, 1000_00] + [0] * 11
    assert column(out, "match") == expected
    assert cents(out["totals"]["match"]) == sum(expected)


# ---------------------------------------------------------------- match


def test_match_tiers_100_up_to_3_plus_50_of_the_next_2():
    """$120,000 semimonthly = 5,000 a check; match 100 % up to 3 % + 50 % of the next 2 %.
    2 %: 100 -> 100; 4 %: 200 -> 150 + 0.5 x 50 = 175; 10 %: 500 -> 150 + 0.5 x 100 = 200."""
    out = check(frequency="semimonthly", salary=120_000,
                match=[{"rate": 1, "up_to_pct": 3}, {"rate": 0.5, "up_to_pct": 5}],
                elections=[(JAN1_2025, 2), (dt.date(2025, 4, 1), 4), (dt.date(2025, 7, 1), 10)])
    assert column(out, "eligible") == [5000_00] * 24
    assert column(out, "deferral") == [100_00] * 6 + [200_00] * 6 + [500_00] * 12
    assert column(out, "match") == [100_00] * 6 + [175_00] * 6 + [200_00] * 12
    assert cents(out["totals"]["match"]) == 600_00 + 1050_00 + 2400_00


def test_match_rounds_half_up_per_paycheck():
    """3.5 % of 5,000 = 175 -> 150 + 0.5 x 25 = 162.50; 0.1 % of 7,692.31 = 7.69231 -> 7.69,
    matched 100 % up to 3 % -> 7.69. A 50 % match on 7.69 = 3.845 -> 3.85 (half-up)."""
    out = check(frequency="semimonthly", salary=120_000, elections=[(JAN1_2025, 3.5)],
                match=[{"rate": 1, "up_to_pct": 3}, {"rate": 0.5, "up_to_pct": 5}])
    assert set(column(out, "match")) == {162_50}
    out = check(salary=200_000, elections=[(JAN1_2025, 0.1)], match=[{"rate": 0.5, "up_to_pct": 4}])
    assert set(column(out, "deferral")) == {7_69}
    assert set(column(out, "match")) == {3_85}


def test_match_annual_cap_stops_the_match_mid_paycheck():
    """Match 100 % up to 6 %, cap 2,000; 6 % of 5,000 = 300 a check: 6 checks = 1,800,
    the 7th is cut to 200, then 0. Deferral goes on all year."""
    out = check(frequency="semimonthly", salary=120_000, elections=[(JAN1_2025, 6)],
                match=[{"rate": 1, "up_to_pct": 6}], plan={"match_annual_cap": 2000})
    assert column(out, "match") == [300_00] * 6 + [200_00] + [0] * 17
    assert column(out, "deferral") == [300_00] * 24
    assert cents(out["totals"]["match"]) == 2_000_00


# ---------------------------------------------------------------- after-tax auto-stop


AFTER_TAX = dict(frequency="semimonthly", salary=240_000, match=[{"rate": 1, "up_to_pct": 5}],
                 elections=[(JAN1_2025, 5, 50)])


def test_after_tax_auto_stop_counts_the_paychecks_own_match():
    """10,000 a check: deferral 5 % = 500, match 500, after-tax 50 % = 5,000 -> 6,000 a check.
    11 checks: 66,000. Check 12: 66,000 + 500 + 500 = 67,000 before after-tax, so after-tax is
    cut to 3,000 (3,500 if its own match were ignored); check 13 on: 0. Deferral and match go on
    (payroll's after-tax stop cannot stop them): 12,000 + 12,000 + 58,000 = 82,000, 12,000 over."""
    out = check(**AFTER_TAX, plan={"auto_stop_after_tax": True})
    assert column(out, "after_tax") == [5000_00] * 11 + [3000_00] + [0] * 12
    assert [p["capped"] for p in out["periods"]][10:13] == [False, True, True]
    t = out["totals"]
    assert cents(t["after_tax"]) == 58_000_00
    assert cents(t["annual_additions"]) == 82_000_00
    assert cents(t["excess_annual_additions"]) == 12_000_00
    assert cents(t["excess"]) == 12_000_00


def test_after_tax_auto_stop_at_the_plans_after_tax_cap():
    """after_tax_annual_cap 12,000 with the after-tax auto-stop: 5,000, 5,000, 2,000, then 0."""
    out = check(**AFTER_TAX, plan={"auto_stop_after_tax": True, "after_tax_annual_cap": 12_000})
    assert column(out, "after_tax") == [5000_00, 5000_00, 2000_00] + [0] * 21
    assert out["limits"]["after_tax_cap"] == 12_000


def test_without_after_tax_auto_stop_payroll_overshoots():
    out = check(**AFTER_TAX)
    assert column(out, "after_tax") == [5000_00] * 24
    t = out["totals"]
    assert cents(t["annual_additions"]) == 12_000_00 + 12_000_00 + 120_000_00
    assert cents(t["excess_annual_additions"]) == cents(t["annual_additions"]) - 70_000_00


# ---------------------------------------------------------------- 401(a)(17)


def test_compensation_limit_cuts_eligible_pay():
    """$720,000 semimonthly = 30,000 a check; 401(a)(17) 2025 = 350,000: 11 checks = 330,000,
    check 12 counts 20,000, the rest 0. 5 %: 1,500 x 11 + 1,000 = 17,500.
    Match 50 % up to 4 %: 600 x 11 + 0.5 x min(1,000, 800) = 400 -> 7,000."""
    out = check(frequency="semimonthly", salary=720_000, elections=[(JAN1_2025, 5)])
    assert column(out, "gross") == [30_000_00] * 24
    assert column(out, "eligible") == [30_000_00] * 11 + [20_000_00] + [0] * 12
    assert column(out, "deferral") == [1500_00] * 11 + [1000_00] + [0] * 12
    assert column(out, "match") == [600_00] * 11 + [400_00] + [0] * 12
    assert cents(out["totals"]["match"]) == 7_000_00
    assert out["limits"]["annual_additions_applied"] == 70_000


# ---------------------------------------------------------------- Roth catch-up, Roth deferrals


def roth_catch_up_case(prior_wages, year=2026):
    """Age 52, $240,000 semimonthly = 10,000; 50 % = 5,000. 2026: 402(g) 24,500 + 8,000.
    Checks 1-4: 20,000; check 5: 25,000 (500 catch-up); check 6: 30,000 (5,000);
    check 7 cut to 2,500 (32,500, all catch-up)."""
    return check(year=year, age=52, frequency="semimonthly", salary=240_000, match=[],
                 pay={"prior_year_fica_wages": prior_wages},
                 elections=[(dt.date(year, 1, 1), 50)])


def test_roth_catch_up_over_the_2026_threshold():
    out = roth_catch_up_case(150_000.01)
    assert out["limits"]["roth_catch_up_required"] is True
    assert column(out, "deferral") == [5000_00] * 6 + [2500_00] + [0] * 17
    assert column(out, "catch_up") == [0] * 4 + [500_00, 5000_00, 2500_00] + [0] * 17
    assert column(out, "roth") == column(out, "catch_up")
    assert column(out, "pretax") == [d - r for d, r in zip(column(out, "deferral"), column(out, "roth"))]
    t = out["totals"]
    assert (cents(t["pretax"]), cents(t["roth"]), cents(t["catch_up"])) == (24_500_00, 8_000_00, 8_000_00)
    assert any("roth" in w.lower() for w in out["warnings"])


def test_roth_catch_up_exactly_at_the_threshold_is_not_required():
    """The statute says "exceed": 150,000.00 is not over 150,000."""
    out = roth_catch_up_case(150_000)
    assert out["limits"]["roth_catch_up_required"] is False
    assert set(column(out, "roth")) == {0}
    assert cents(out["totals"]["pretax"]) == 32_500_00


def test_roth_catch_up_not_in_force_in_2025():
    """Transition relief through 2025: no threshold, whatever the prior-year wages."""
    out = check(age=52, frequency="semimonthly", salary=240_000, match=[],
                pay={"prior_year_fica_wages": 400_000}, elections=[(JAN1_2025, 50)])
    assert out["limits"]["roth_catch_up_required"] is False
    assert cents(out["totals"]["catch_up"]) == 7_500_00
    assert cents(out["totals"]["roth"]) == 0


def test_deferral_type_roth_makes_every_deferral_roth():
    out = check(age=35, salary=200_000, elections=[(JAN1_2025, 10)], goal={"deferral_type": "roth"})
    assert column(out, "roth") == column(out, "deferral") == [769_23] * 26
    assert set(column(out, "pretax")) == {0}
    assert cents(out["totals"]["roth"]) == 26 * 769_23
    assert cents(out["totals"]["pretax"]) == 0
    # Roth deferrals are still deferrals: matched and counted in 402(g) and 415(c)
    assert set(column(out, "match")) == {153_85}


# ---------------------------------------------------------------- pay dates and rows


def test_27_paycheck_biweekly_2026():
    """Cycle on Fri 2026-01-02: the Fri 2027-01-01 paycheck (a holiday) is paid Thu 2026-12-31,
    so 2026 has 27 paychecks, each 200,000 / 26 = 7,692.31 (the standard count)."""
    out = check(year=2026, salary=200_000, first_pay_date=dt.date(2026, 1, 2),
                elections=[(JAN1_2026, 10)])
    periods = out["periods"]
    assert len(periods) == 27
    assert periods[0]["pay_date"] == "2026-01-02"
    assert periods[-1]["pay_date"] == "2026-12-31"
    assert column(out, "gross") == [7692_31] * 27
    assert column(out, "deferral") == [769_23] * 27
    assert cents(out["totals"]["deferral"]) == 27 * 769_23
    assert out["limits"]["annual_additions_applied"] == 72_000


def test_bonus_and_rsu_on_a_pay_date_are_rows_after_the_regular_one():
    """Bonus and RSU on Fri 2025-01-24, a regular pay date: rows regular, bonus, RSU.
    10 %: 769.23 on the regular row, 1,000 on the 10,000 eligible bonus, 0 on the RSU."""
    out = check(salary=200_000, elections=[(JAN1_2025, 10)],
                bonus=[{"date": dt.date(2025, 1, 24), "amount": 10_000, "eligible": True}],
                rsu=[{"date": dt.date(2025, 1, 24), "value": 50_000}])
    rows = [(p["pay_date"], p["kind"]) for p in out["periods"][:5]]
    assert rows == [("2025-01-10", "regular"), ("2025-01-24", "regular"), ("2025-01-24", "bonus"),
                    ("2025-01-24", "rsu"), ("2025-02-07", "regular")]
    assert len(out["periods"]) == 28
    bonus, rsu = out["periods"][2], out["periods"][3]
    assert (bonus["gross"], bonus["eligible"], bonus["deferral"]) == (10_000, 10_000, 1_000)
    assert (rsu["gross"], rsu["eligible"], rsu["deferral"], rsu["match"]) == (50_000, 0, 0, 0)
    assert bonus["match"] == 200  # 0.5 x 4 % x 10,000


@pytest.mark.parametrize("bonus, plan", [({"eligible": False}, {}), ({}, {"bonus_eligible": False})])
def test_ineligible_bonus_is_gross_but_not_eligible(bonus, plan):
    out = check(salary=200_000, elections=[(JAN1_2025, 10)], plan=plan,
                bonus=[{"date": dt.date(2025, 3, 3), "amount": 10_000, **bonus}])
    row = next(p for p in out["periods"] if p["kind"] == "bonus")
    assert (row["gross"], row["eligible"], row["deferral"], row["match"]) == (10_000, 0, 0, 0)


@pytest.mark.parametrize("rsu, limit", [([], 30_000), ([{"date": dt.date(2025, 6, 2), "value": 10_000}], 40_000)])
def test_rsu_counts_in_gross_for_the_415c_pay_limit(rsu, limit):
    """$30,000 semimonthly = 1,250; 50 % deferral + 50 % after-tax = 1,250 a check; match
    0.5 x 4 % x 1,250 = 25. Additions 15,000 + 15,000 + 600 = 30,600. The 415(c) limit is
    the lesser of 70,000 and the year's gross: 30,000 without the RSU (600 over), 40,000 with
    a 10,000 RSU vest (nothing over). RSU value is never eligible pay."""
    out = check(frequency="semimonthly", salary=30_000, rsu=rsu, elections=[(JAN1_2025, 50, 50)])
    assert out["limits"]["annual_additions_applied"] == limit
    t = out["totals"]
    assert cents(t["annual_additions"]) == 30_600_00
    assert cents(t["excess_annual_additions"]) == max(30_600_00 - limit * 100, 0)
    assert all(p["eligible"] == 0 and p["deferral"] == 0 for p in out["periods"] if p["kind"] == "rsu")


def test_deferral_at_another_employer_is_an_excess_here():
    """rules.md §5 example 15: 10,000 deferred at an earlier employer, 15,000 here
    (12.5 % of 5,000 x 24): 1,500 over 23,500, to be refunded by April 15, 2026.
    Payroll's auto-stop cannot see the other employer, so it does not stop it."""
    out = check(age=40, frequency="semimonthly", salary=120_000, elections=[(JAN1_2025, 12.5)],
                ytd={"as_of": JAN1_2025, "other_employer_deferral": 10_000})
    t = out["totals"]
    assert cents(t["deferral"]) == 15_000_00
    assert cents(t["excess_deferral"]) == 1_500_00
    assert any("april 15, 2026" in w.lower() for w in out["warnings"])


def test_no_election_before_the_first_from_date():
    """Paychecks dated before the first [[election]] defer nothing."""
    out = check(salary=200_000, elections=[(dt.date(2025, 2, 1), 10)])
    assert column(out, "deferral")[:3] == [0, 0, 769_23]  # Jan 10, Jan 24: none; Feb 7: 10 %
    assert [p["deferral_pct"] for p in out["periods"][:2]] == [0, 0]
    assert out["periods"][2]["pay_date"] == "2025-02-07"
    assert out["periods"][2]["deferral_pct"] == 10


def test_separate_bonus_election_in_check_mode():
    """With plan.separate_bonus_election, [[election]] may give bonus_deferral_pct and
    bonus_after_tax_pct: the bonus row takes them, regular rows keep theirs. Semimonthly
    $240,000 (10,000 a paycheck), bonus 50,000 on Fri 2025-03-14 (also a pay date, Mar 15
    being a Saturday): regular 10 % / 5 %, bonus 2 % / 30 % -> bonus deferral 1,000.00 and
    after-tax 15,000.00; the regular row that day 1,000.00 and 500.00."""
    data = scenario(frequency="semimonthly", salary=240_000, match=[],
                    plan={"separate_bonus_election": True},
                    elections=[{"from": dt.date(2025, 1, 1), "deferral_pct": 10, "after_tax_pct": 5,
                                "bonus_deferral_pct": 2, "bonus_after_tax_pct": 30}],
                    bonus=[{"date": dt.date(2025, 3, 14), "amount": 50_000}])
    periods = planner.check(data).to_dict()["periods"]
    same_day = [p for p in periods if p["pay_date"] == "2025-03-14"]
    assert [(p["kind"], p["deferral"], p["after_tax"]) for p in same_day] == [
        ("regular", 1000.0, 500.0), ("bonus", 1000.0, 15000.0)]
    # without a separate bonus election, bonus percents would be ignored: an error names them
    data["plan"]["separate_bonus_election"] = False
    with pytest.raises(PlannerError) as e:
        planner.check(data)
    assert (e.value.field, e.value.message) == ("election[0].bonus_deferral_pct", "needs plan.separate_bonus_election "
                                                "= true (without it a bonus takes the paycheck's deferral_pct and "
                                                "after_tax_pct)")
    del data["election"][0]["bonus_deferral_pct"]
    with pytest.raises(PlannerError) as e:
        planner.check(data)
    assert e.value.field == "election[0].bonus_after_tax_pct"
    del data["election"][0]["bonus_after_tax_pct"]
    # and the bonus row takes the pay election
    bonus = [p for p in planner.check(data).to_dict()["periods"] if p["kind"] == "bonus"][0]
    assert (bonus["deferral"], bonus["after_tax"]) == (5000.0, 2500.0)
