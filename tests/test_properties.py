"""Properties of every plan and every check, on random scenarios (hypothesis).

A plan never crosses a limit or a plan cap, elections sit on the plan's percent grid,
every paycheck's dollars follow from its percents by the payroll rule, the match follows
the formula, the elections listed reproduce the periods, and totals are the periods'
sums. A check reports as excess exactly what is above the limits.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import given

import planner
from tests.helpers import assert_elections_agree, cents, match_cents, pct_amount
from tests.strategies import property_settings, scenarios

# 60 examples keeps the suite fast; PLANNER_PROPERTY_EXAMPLES=2000 for a deeper search.
SETTINGS = property_settings(60)



def is_multiple(pct, step) -> bool:
    return (Fraction(str(pct)) / Fraction(str(step))).denominator == 1


def check_rows(out: dict, data: dict) -> None:
    """Per-paycheck dollars: the payroll rule, the match formula and the running caps."""
    plan = data["plan"]
    tiers, cap = plan["match"], cents(plan["match_annual_cap"])
    matched = 0
    for p in out["periods"]:
        eligible = p["eligible"]
        d_wanted, a_wanted = pct_amount(p["deferral_pct"], eligible), pct_amount(p["after_tax_pct"], eligible)
        deferral, after_tax = cents(p["deferral"]), cents(p["after_tax"])
        where = f"{p['pay_date']} {p['kind']}: {p}"
        if p["capped"]:
            assert deferral <= d_wanted, where
            spill = d_wanted - deferral if plan["spillover_to_after_tax"] else 0
            assert after_tax <= a_wanted + spill, where
        else:
            assert deferral == d_wanted, where
            assert after_tax == a_wanted, where
        assert cents(p["pretax"]) + cents(p["roth"]) == deferral, where
        assert 0 <= cents(p["catch_up"]) <= deferral, where
        if p["kind"] == "rsu":
            assert eligible == 0 and deferral == 0 and after_tax == 0 and p["match"] == 0, where
        base = deferral - (0 if plan["match_catch_up"] else cents(p["catch_up"]))
        match = match_cents(tiers, base, cents(eligible)) if tiers else 0
        if cap:
            match = min(match, max(cap - matched, 0))
        assert cents(p["match"]) == match, where
        matched += match


def check_totals(out: dict, data: dict) -> None:
    """Totals are the periods' sums (no [ytd]); the true-up follows the year formula."""
    periods, t, plan = out["periods"], out["totals"], data["plan"]

    def total(key):
        return sum(cents(p[key]) for p in periods)

    for key in ("deferral", "pretax", "roth", "catch_up", "after_tax"):
        assert cents(t[key]) == total(key), key
    true_up = cents(t["true_up"])
    assert cents(t["match"]) == total("match") + true_up
    if plan["match_true_up"] and plan["match"]:
        base = sum(cents(p["deferral"]) - (0 if plan["match_catch_up"] else cents(p["catch_up"])) for p in periods)
        due = match_cents(plan["match"], base, sum(cents(p["eligible"]) for p in periods))
        if plan["match_annual_cap"]:
            due = min(due, cents(plan["match_annual_cap"]))
        assert true_up == max(due - total("match"), 0)
    else:
        assert true_up == 0
    excess_deferral = cents(t["excess_deferral"])
    assert cents(t["annual_additions"]) == (cents(t["deferral"]) - cents(t["catch_up"]) - excess_deferral
                                           + cents(t["after_tax"]) + cents(t["match"]))


# ---------------------------------------------------------------- plan


@SETTINGS
@given(scenarios())
def test_plan_properties(data):
    out = planner.plan(data).to_dict()
    limits, t, plan, goal = out["limits"], out["totals"], data["plan"], data["goal"]

    # limits
    assert cents(t["deferral"]) <= cents(limits["deferral"]) + cents(limits["catch_up"])
    assert cents(t["annual_additions"]) <= cents(limits["annual_additions_applied"])
    if plan["after_tax_annual_cap"]:
        assert cents(t["after_tax"]) <= cents(plan["after_tax_annual_cap"])
    assert t["excess"] == 0 and t["excess_deferral"] == 0 and t["excess_annual_additions"] == 0
    # goals in dollars are ceilings
    if goal["deferral"] != "max":
        assert cents(t["deferral"]) <= cents(goal["deferral"])
    if goal["after_tax"] != "max":
        assert cents(t["after_tax"]) <= cents(goal["after_tax"])

    # the plan's percent grid and per-paycheck caps
    step = plan["pct_step"]
    for p in out["periods"]:
        d, a = p["deferral_pct"], p["after_tax_pct"]
        assert 0 <= d <= plan["max_deferral_pct"], p
        assert 0 <= a <= plan["max_after_tax_pct"], p
        assert Fraction(str(d)) + Fraction(str(a)) <= plan["max_total_pct"], p
        assert is_multiple(d, step) and is_multiple(a, step), (step, p)

    check_rows(out, data)
    check_totals(out, data)
    assert_elections_agree(out)


@SETTINGS
@given(scenarios(separate_bonus=False))
def test_a_plan_loses_no_match_that_its_deferral_could_earn(data):
    """`planner check` on the plan's own elections finds no match lost: no other placement of
    the same deferral dollars earns more (beyond per-paycheck rounding, half a cent a
    paycheck, which a true-up's year formula can tip either way)."""
    p = planner.plan(data)
    if not p.elections:
        return
    kept = dict(data, election=[{"from": dt.date.fromisoformat(e["from"]), "deferral_pct": e["deferral_pct"],
                                 "after_tax_pct": e["after_tax_pct"]} for e in p.elections])
    checked = planner.check(kept)
    assert checked.totals["match"] == p.totals["match"]
    assert cents(checked.totals["match_lost"]) <= len(p.periods) // 2, (checked.totals, p.elections)


# ---------------------------------------------------------------- check


@SETTINGS
@given(scenarios(with_elections=True))
def test_check_reports_the_excess_above_the_limits(data):
    data["plan"]["separate_bonus_election"] = False  # the elections given carry no bonus percents
    out = planner.check(data).to_dict()
    limits, t = out["limits"], out["totals"]
    over_402g = max(cents(t["deferral"]) - cents(limits["deferral"]) - cents(limits["catch_up"]), 0)
    over_415c = max(cents(t["annual_additions"]) - cents(limits["annual_additions_applied"]), 0)
    assert cents(t["excess_deferral"]) == over_402g
    assert cents(t["excess_annual_additions"]) == over_415c
    assert cents(t["excess"]) == over_402g + over_415c
    assert cents(t["match_lost"]) >= 0
    if data["plan"]["auto_stop_deferral"] or data["plan"]["spillover_to_after_tax"]:
        assert over_402g == 0  # payroll's auto-stop keeps one plan under 402(g) + catch-up
    check_rows(out, data)
    check_totals(out, data)
    # the periods follow the elections as given
    for p in out["periods"]:
        in_force = [e for e in data["election"] if e["from"].isoformat() <= p["pay_date"]]
        want = (in_force[-1]["deferral_pct"], in_force[-1]["after_tax_pct"]) if in_force else (0, 0)
        assert (p["deferral_pct"], p["after_tax_pct"]) == want, p
