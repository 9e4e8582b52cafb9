"""The solver against the issue's acceptance values.

Scenario used throughout: 2025, biweekly from Fri 2025-01-10 (26 paychecks), match 50 %
up to 4 % of each paycheck's eligible pay, no true-up, every other plan key at its
default (whole-percent steps, 50 % caps, auto-stop of deferrals).

Hand arithmetic:
- $200,000 / 26 = 7,692.31 a paycheck; full match per paycheck = 0.5 x 4 % x 7,692.31
  = 153.8462 -> 153.85; 26 x 153.85 = 4,000.10. One 1 % step of one paycheck = 76.92.
  After-tax room = 70,000 - 23,500 - 4,000.10 = 42,499.90.
- $350,000 / 26 = 13,461.54 a paycheck; 26 x 13,461.54 = 350,000.04, so the 401(a)(17)
  cut leaves the last paycheck 13,461.50 eligible. Match per paycheck
  = 0.5 x 4 % x 13,461.54 = 269.2308 -> 269.23 (and 0.5 x 4 % x 13,461.50 = 269.23 too):
  26 x 269.23 = 6,999.98. One step = 134.62. After-tax room = 70,000 - 23,500 - 6,999.98
  = 39,500.02: the 7,500 catch-up is not an annual addition.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

import planner
from tests.helpers import CASES_DIR, assert_elections_agree, cents, run_cli, scenario

STEP_200K = 76_92  # 1 % of 7,692.31, in cents
STEP_350K = 134_62  # 1 % of 13,461.54


def plan_dict(data: dict) -> dict:
    return planner.plan(data).to_dict()


@pytest.fixture(scope="module")
def age35():
    return plan_dict(scenario(age=35, salary=200_000))


@pytest.fixture(scope="module")
def age51():
    return plan_dict(scenario(age=51, salary=350_000))


# ---------------------------------------------------------------- age 35, $200,000


def test_age35_deferral_and_full_match(age35):
    t = age35["totals"]
    assert len(age35["periods"]) == 26
    assert age35["periods"][0]["gross"] == 7692.31
    assert cents(t["deferral"]) == 23_500_00
    assert cents(t["match"]) == 26 * 153_85 == 4_000_10
    assert all(p["match"] == 153.85 for p in age35["periods"])


def test_age35_after_tax_fills_415c_within_one_step(age35):
    t = age35["totals"]
    room = 70_000_00 - 23_500_00 - 4_000_10
    assert room == 42_499_90
    assert room - STEP_200K <= cents(t["after_tax"]) <= room
    assert cents(t["annual_additions"]) <= 70_000_00
    assert cents(t["annual_additions"]) == cents(t["deferral"]) - cents(t["catch_up"]) + cents(t["after_tax"]) + cents(t["match"])
    assert t["excess"] == 0
    # and never over 415(c) at any point of the year
    assert max(cents(p["ytd_annual_additions"]) for p in age35["periods"]) <= 70_000_00


# ---------------------------------------------------------------- age 51, $350,000


def test_age51_catch_up_is_outside_415c(age51):
    t, limits = age51["totals"], age51["limits"]
    assert limits["catch_up"] == 7500
    assert cents(t["deferral"]) == 31_000_00
    assert cents(t["catch_up"]) == 7_500_00
    assert age51["periods"][-1]["eligible"] == 13461.50  # 401(a)(17) cut, by hand above
    assert cents(t["match"]) == 26 * 269_23 == 6_999_98
    room = 70_000_00 - 23_500_00 - cents(t["match"])
    assert room == 39_500_02  # ~39,500, not the 32,000 that subtracting the catch-up gives
    assert room - STEP_350K <= cents(t["after_tax"]) <= room
    assert cents(t["annual_additions"]) <= 70_000_00
    # into the plan in all: up to 70,000 + 7,500
    assert cents(t["deferral"]) + cents(t["after_tax"]) + cents(t["match"]) <= 77_500_00


# ---------------------------------------------------------------- the same through CLI flags


FLAGS = ["--year", "2025", "--frequency", "biweekly", "--first-pay-date", "2025-01-10", "--match", "50:4"]


@pytest.mark.parametrize("age, salary, match, room, step", [
    (35, 200_000, 4_000_10, 42_499_90, STEP_200K),
    (51, 350_000, 6_999_98, 39_500_02, STEP_350K),
])
def test_acceptance_through_cli_flags(age, salary, match, room, step):
    proc = run_cli("plan", *FLAGS, "--salary", salary, "--age", age, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    t = out["totals"]
    assert cents(t["deferral"]) == 23_500_00 + (7_500_00 if age >= 50 else 0)
    assert cents(t["match"]) == match
    assert room - step <= cents(t["after_tax"]) <= room
    assert cents(t["annual_additions"]) <= 70_000_00
    # the flags build the same scenario as the dict
    assert out == json.loads(json.dumps(plan_dict(scenario(age=age, salary=salary))))


# ---------------------------------------------------------------- elections


def test_c01_plan_uses_at_most_two_elections():
    out = planner.plan(CASES_DIR / "c01-frontload-match-kept-plan.toml").to_dict()
    assert 1 <= len(out["elections"]) <= 2, out["elections"]


@pytest.mark.parametrize("toml", ["c01-frontload-match-kept-plan", "c05-last-paycheck-match-planned",
                                  "c14-comp-limit-planned", "c03-bonus-planned"])
def test_elections_agree_with_periods_in_cases(toml):
    assert_elections_agree(planner.plan(CASES_DIR / f"{toml}.toml").to_dict())


def test_elections_agree_with_periods_acceptance(age35, age51):
    assert_elections_agree(age35)
    assert_elections_agree(age51)


# ---------------------------------------------------------------- front-load


@pytest.fixture(scope="module")
def front35():
    return plan_dict(scenario(age=35, salary=200_000, goal={"strategy": "front-load"}))


def test_front_load_keeps_match_and_deferral(age35, front35):
    assert cents(front35["totals"]["deferral"]) == 23_500_00
    assert front35["totals"]["match"] == age35["totals"]["match"]
    assert front35["periods"][0]["deferral_pct"] >= age35["periods"][0]["deferral_pct"]
    assert cents(front35["totals"]["annual_additions"]) <= 70_000_00


def test_front_load_actually_front_loads(age35, front35):
    """goal.strategy = "front-load" must put more deferral early than "even" when the caps
    allow it (here 50 % per paycheck against an even 12 %): the solver's own docstring says
    "as much as the caps allow early, the full-match minimum after"."""
    assert front35["periods"][0]["deferral_pct"] > age35["periods"][0]["deferral_pct"], (
        f"front-load gave the even plan: {front35['elections']}")
    # after the early paychecks, the full-match minimum (4 %) keeps every match
    assert all(p["match"] == 153.85 for p in front35["periods"])


# ---------------------------------------------------------------- goals


def test_dollar_goal_is_not_exceeded_and_reached_within_one_step():
    out = plan_dict(scenario(age=35, salary=200_000, goal={"deferral": 10_000}))
    got = cents(out["totals"]["deferral"])
    assert 10_000_00 - STEP_200K <= got <= 10_000_00
    assert cents(out["totals"]["match"]) == 4_000_10  # 10,000 is well above the 4 % the match needs


def test_unreachable_goal_takes_the_cap_and_warns():
    out = plan_dict(scenario(age=35, salary=40_000, plan={"max_deferral_pct": 50}))
    # 40,000 / 26 = 1,538.46; 50 % = 769.23 on each of 26 paychecks
    assert out["periods"][0]["gross"] == 1538.46
    assert all(p["deferral_pct"] == 50 and p["deferral"] == 769.23 for p in out["periods"])
    assert cents(out["totals"]["deferral"]) == 26 * 769_23 == 19_999_98
    assert any("deferral" in w.lower() and "50%" in w for w in out["warnings"]), out["warnings"]


def test_true_up_plan_keeps_the_full_annual_match():
    out = plan_dict(scenario(age=35, salary=200_000, plan={"match_true_up": True}))
    t = out["totals"]
    # year formula: 0.5 x min(23,500, 4 % x 200,000.06) = 4,000.00
    assert cents(t["deferral"]) == 23_500_00
    assert cents(t["match"]) >= 4_000_00
    assert cents(t["match"]) == sum(cents(p["match"]) for p in out["periods"]) + cents(t["true_up"])
    assert cents(t["annual_additions"]) <= 70_000_00


def test_true_up_front_load_keeps_the_full_annual_match():
    out = plan_dict(scenario(age=35, salary=200_000, plan={"match_true_up": True},
                             goal={"strategy": "front-load"}))
    assert cents(out["totals"]["deferral"]) == 23_500_00
    assert cents(out["totals"]["match"]) >= 4_000_00
    assert cents(out["totals"]["annual_additions"]) <= 70_000_00


def test_after_tax_goal_in_dollars_is_not_exceeded():
    out = plan_dict(scenario(age=35, salary=200_000, goal={"after_tax": 10_000}))
    assert 10_000_00 - STEP_200K <= cents(out["totals"]["after_tax"]) <= 10_000_00


def test_after_tax_zero_goal_gives_no_after_tax():
    out = plan_dict(scenario(age=35, salary=200_000, goal={"after_tax": 0}))
    assert out["totals"]["after_tax"] == 0
    assert all(p["after_tax_pct"] == 0 for p in out["periods"])


def test_plan_after_tax_cap_is_respected():
    out = plan_dict(scenario(age=35, salary=200_000, plan={"after_tax_annual_cap": 20_000}))
    assert 20_000_00 - STEP_200K <= cents(out["totals"]["after_tax"]) <= 20_000_00


def test_max_total_pct_binds_after_tax():
    out = plan_dict(scenario(age=35, salary=200_000, plan={"max_total_pct": 20}))
    for p in out["periods"]:
        assert p["deferral_pct"] + p["after_tax_pct"] <= 20


def test_plan_has_no_excess_and_no_dates_before_the_year(age35):
    assert age35["totals"]["excess"] == 0
    assert all(p["pay_date"] >= "2025-01-01" and p["pay_date"] <= "2025-12-31" for p in age35["periods"])
    assert dt.date.fromisoformat(age35["elections"][0]["from"]) == dt.date(2025, 1, 10)


def test_rsu_row_shows_the_pay_election_in_force():
    """With separate bonus elections, an RSU vest on the date of a bonus that is not a
    regular pay date must show the pay election in force (plan-json: "deferral_pct:
    election in force for this paycheck"), not the bonus's own election."""
    out = plan_dict(scenario(
        year=2023, age=25, frequency="monthly", salary=20_000, match=[],
        plan={"max_deferral_pct": 10, "max_after_tax_pct": 0, "max_total_pct": 40,
              "separate_bonus_election": True},
        goal={"deferral": 500},
        bonus=[{"date": dt.date(2023, 1, 1), "amount": 1000}, {"date": dt.date(2023, 4, 1), "amount": 1000}],
        rsu=[{"date": dt.date(2023, 4, 1), "value": 1000}]))
    assert_elections_agree(out)


def test_match_is_not_traded_for_cents_of_deferral():
    """Front-load, no auto-stop, catch-up not matched (found by a property search): the
    schedule with a few cents more deferral front-loaded the catch-up and lost $585 of
    match. Deferral within one step of the smallest paycheck is the grid's precision, so
    the match decides; the plan's own elections must lose no match."""
    data = scenario(age=55, frequency="semimonthly", salary=100_000,
                    match=[{"rate": 1.0, "up_to_pct": 3}],
                    plan={"match_catch_up": False, "pct_step": 0.1, "max_deferral_pct": 25,
                          "auto_stop_deferral": False},
                    goal={"after_tax": 0, "strategy": "front-load"},
                    **{"raise": [{"effective": dt.date(2025, 5, 1), "salary": 180_000}]})
    out = plan_dict(data)
    step = 4_17  # 0.1 % of the smallest paycheck, 100,000 / 24 = 4,166.67
    assert 31_000_00 - step < cents(out["totals"]["deferral"]) <= 31_000_00
    # the most there is: 3 % of the year's pay (4,600.00) less the last four paychecks, which at
    # the 25 % cap hold the unmatched catch-up (and 2.50 short on the one that crosses 402(g))
    assert cents(out["totals"]["match"]) == 3_702_50
    kept = dict(data, election=[{"from": dt.date.fromisoformat(e["from"]), "deferral_pct": e["deferral_pct"],
                                 "after_tax_pct": e["after_tax_pct"]} for e in out["elections"]])
    assert planner.check(kept).totals["match_lost"] == 0


def test_to_frame_is_one_row_per_paycheck(age35):
    p = planner.plan(scenario(age=35, salary=200_000))
    frame = p.to_frame()
    assert len(frame) == 26 and str(frame["pay_date"].dtype).startswith("datetime64")
    assert round(frame["deferral"].sum(), 2) == 23_500.00
    assert round(frame["match"].sum(), 2) == 4_000.10
    assert list(frame.columns[:4]) == ["pay_date", "kind", "gross", "eligible"]


def _lost_against_check(out: dict, data: dict) -> float:
    kept = dict(data, election=[{"from": dt.date.fromisoformat(e["from"]), "deferral_pct": e["deferral_pct"],
                                 "after_tax_pct": e["after_tax_pct"]} for e in out["elections"]])
    return planner.check(kept).totals["match_lost"]


@pytest.mark.parametrize("year, first_pay_date, salary, match, match_cents", [
    # 6 % of the 2026 401(a)(17) limit of $360,000 = 21,600.00; the paycheck that crosses the
    # limit has 4,615.30 of eligible pay and needs 276.92 of deferral for its match
    (2026, dt.date(2026, 1, 6), 420_000, [{"rate": 1.0, "up_to_pct": 6}], 21_599_98),
    # Amazon's formula at $1,000,000: 2 % of $350,000 = 7,000.00 (cents of per-paycheck rounding)
    (2025, dt.date(2025, 1, 10), 1_000_000, [{"rate": 0.5, "up_to_pct": 4}], 6_999_99),
])
def test_the_paycheck_the_auto_stop_cuts_keeps_its_match(year, first_pay_date, salary, match, match_cents):
    """Found by a new user's trial: where pay passes 401(a)(17), the last paycheck with eligible
    pay is short, and the auto-stop cut it below what its match needs; that pay date is now
    raised so the cut leaves it everything the room has left."""
    data = scenario(year, first_pay_date=first_pay_date, salary=salary, match=match, plan={"pct_step": 1})
    out = plan_dict(data)
    limit = {2025: 23_500_00, 2026: 24_500_00}[year]
    assert cents(out["totals"]["deferral"]) == limit
    assert cents(out["totals"]["match"]) == match_cents
    assert _lost_against_check(out, data) == 0


def test_unmatched_catch_up_without_auto_stop_goes_on_the_last_paychecks():
    """Found by a new user's trial: without an auto-stop the back-loaded catch-up overshot the
    room by a step and was discarded, so 12 weekly paychecks earned no match ($7,506.28).
    At the 50 % cap the $8,000 catch-up fills three and a half paychecks: 4 % of 53 weekly
    paychecks of 4,576.92 less the three that hold only catch-up is the most there is."""
    data = scenario(2026, age=55, frequency="weekly", salary=238_000,
                    match=[{"rate": 1, "up_to_pct": 3}, {"rate": 0.5, "up_to_pct": 5}],
                    plan={"match_catch_up": False, "pct_step": 1, "auto_stop_deferral": False})
    out = plan_dict(data)
    assert 32_500_00 - 45_77 < cents(out["totals"]["deferral"]) <= 32_500_00
    assert cents(out["totals"]["match"]) == 9_154_00
    assert sum(p["match"] == 0 for p in out["periods"]) == 3


def test_front_load_with_a_true_up_front_loads_the_deferral():
    """Found by a new user's trial: the even schedule's 10 cents of per-paycheck rounding
    (26 x 153.85 = 4,000.10 against the year's 4,000.00) outweighed the strategy, so a
    true-up plan never front-loaded its deferral."""
    out = plan_dict(scenario(age=40, plan={"match_true_up": True}, goal={"strategy": "front-load"}))
    first = out["elections"][0]
    assert (first["deferral_pct"], first["after_tax_pct"]) == (50, 50)  # the plan's caps
    assert cents(out["totals"]["deferral"]) == 23_500_00
    assert cents(out["totals"]["match"]) == 4_000_00  # 50 % of 4 % of $200,000: the true-up pays the rest
    assert out["periods"][-1]["deferral"] == 0


def test_a_plan_says_when_its_match_is_below_the_formulas_most():
    """Age 60 at Amazon: the last paycheck holds only catch-up, which is not matched: 2 % of
    11,538.46 is lost, and the plan says so (a person may defer less catch-up to keep it)."""
    def match_notes(data):
        return [w for w in plan_dict(data)["warnings"] if "below the most" in w]

    amazon_60 = scenario(age=60, salary=300_000, match=None, plan={"preset": "amazon"})
    del amazon_60["plan"]["match"]
    (note,) = match_notes(amazon_60)
    assert "$230.77" in note and "1 paycheck earns" in note and "catch-up" in note
    (note,) = match_notes(scenario(age=40, salary=300_000, goal={"deferral": 5000}))
    assert "26 paychecks" in note and "$12,000.04 of deferral" in note  # 4 % of every paycheck of 11,538.46
    assert match_notes(scenario(age=35, salary=200_000)) == []
    assert match_notes(scenario(age=35, salary=200_000, goal={"deferral": 5000},
                                plan={"match_true_up": True})) == []  # the true-up pays the year's formula


def test_with_a_true_up_check_calls_no_cents_of_rounding_lost():
    """Found by a new user's trial: a front-loaded true-up plan earns exactly the formula's
    2,440.00 (4 % of $61,000); `check` of its own elections called $0.08 lost, the cents
    per-paycheck rounding would add when spread evenly."""
    data = scenario(frequency="semimonthly", salary=61_000, match=[{"rate": 1, "up_to_pct": 4}],
                    plan={"match_true_up": True, "pct_step": 0.01, "max_total_pct": 65},
                    goal={"strategy": "front-load"})
    out = plan_dict(data)
    assert cents(out["totals"]["match"]) == 2_440_00
    assert _lost_against_check(out, data) == 0


@pytest.mark.parametrize("frequency, salary, age, plan, strategy, match_cents, step_cents", [
    # 11 paychecks carry eligible pay, the 11th cut short at 401(a)(17); the catch-up fills the
    # last ones at the 20 % cap instead of the front-loaded 402(g) money pushing it onto six
    ("semimonthly", 830_000, 64, {"pct_step": 1, "max_deferral_pct": 20, "max_after_tax_pct": 75,
                                  "max_total_pct": 65}, "front-load", 6_389_62, 345_83),
    ("weekly", 682_319.97, 55, {"pct_step": 0.01, "max_deferral_pct": 50, "max_after_tax_pct": 50,
                                "after_tax_annual_cap": 40_000}, "even", 6_823_18, 1_31),
])
def test_the_grid_precision_is_a_whole_regular_paycheck(frequency, salary, age, plan, strategy, match_cents,
                                                         step_cents):
    """Found by a new user's trial: the deferral precision was one step of the smallest paycheck,
    the short one the 401(a)(17) limit cuts, so cents of deferral outweighed thousands of
    match (3,277.09; 5,386.00). The issue's precision is one step of one regular paycheck."""
    data = scenario(frequency=frequency, salary=salary, age=age, goal={"strategy": strategy},
                    plan={"match_catch_up": False, "auto_stop_deferral": False, **plan})
    out = plan_dict(data)
    assert 31_000_00 - step_cents < cents(out["totals"]["deferral"]) <= 31_000_00
    assert cents(out["totals"]["match"]) == match_cents


def test_the_first_level_reaching_an_amount_is_the_one_walking_up_would_find():
    """_back_loaded's binary search gives the level a walk of one step at a time gives: the
    first on the grid from `level` whose amount reaches `room`, else the last up to `hi`;
    and _front_loaded's, walking down from `hi`, the first within `room` or at/below `lo`.
    (With a 0.0001 % step the walk was a million levels a pay date: minutes for one plan.)"""
    import random

    from planner.money import PCT_SCALE, pct_of
    from planner.solver import Schedule, _first_reaching, _first_within

    def pct_of_all(level, pay):
        return sum(pct_of(max(level, 0), cents) for cents in pay)

    rng = random.Random(3)
    for _ in range(300):
        pay = [rng.randrange(0, 2_000_000) for _ in range(rng.randint(1, 3))]
        schedule = Schedule([0] * len(pay), [False], pay, [True] * len(pay))
        step = rng.choice((1, 10, 100, PCT_SCALE // 2, PCT_SCALE))
        level = rng.randrange(0, 50 * PCT_SCALE)
        hi = level + rng.randrange(-5, 400) * step  # at most a few hundred levels to walk
        room = rng.choice((rng.randrange(0, pct_of_all(hi, pay) + 2),  # often exactly a level's amount
                           pct_of_all(level + rng.randrange(0, 400) * step, pay)))
        walked = level
        while walked + step <= hi and schedule.amount(0, walked) < room:
            walked += step
        assert _first_reaching(schedule, 0, level, hi, room, step) == walked
        lo = hi - rng.randrange(-5, 400) * step - rng.randrange(0, step)  # _front_loaded's walk down from hi
        walked = hi
        while walked > lo and schedule.amount(0, walked) > room:
            walked -= step
        assert _first_within(schedule, 0, hi, lo, room, step) == walked
