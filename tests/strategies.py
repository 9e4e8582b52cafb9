"""Hypothesis strategies shared by the property-based tests: random scenarios in the TOML shape."""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PCT_STEPS = [1, 0.5, 0.1, 0.01]


def property_settings(examples: int) -> settings:
    """A bounded number of examples (PLANNER_PROPERTY_EXAMPLES overrides it), the same ones
    on every run, so that CI is repeatable; PLANNER_PROPERTY_RANDOM=1 explores new ones."""
    return settings(max_examples=int(os.environ.get("PLANNER_PROPERTY_EXAMPLES", examples)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow],
                    derandomize=not os.environ.get("PLANNER_PROPERTY_RANDOM"))


def day_in(year: int):
    return st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31))


def money(low: int, high: int):
    """Dollars with cents, low..high."""
    return st.integers(low * 100, high * 100).map(lambda c: c / 100 if c % 100 else c // 100)


@st.composite
def match_tiers(draw):
    bounds = sorted(draw(st.sets(st.sampled_from([1, 2, 3, 4, 5, 6, 8, 10, 50]), min_size=0, max_size=2)))
    return [{"rate": draw(st.sampled_from([0.25, 0.5, 0.75, 1, 0.333333])), "up_to_pct": b} for b in bounds]


@st.composite
def scenarios(draw, with_elections: bool = False, separate_bonus: bool = True):
    """A random year of one person: pay, raises, bonuses, RSUs, plan rules and goal."""
    year = draw(st.integers(2023, 2026))
    frequency = draw(st.sampled_from(["weekly", "biweekly", "semimonthly", "monthly"]))
    pay = {"frequency": frequency, "salary": draw(money(20_000, 900_000))}
    if frequency in ("weekly", "biweekly") and draw(st.booleans()):
        pay["first_pay_date"] = draw(st.dates(dt.date(year, 1, 1), dt.date(year, 1, 14)))
    if draw(st.booleans()):
        pay["prior_year_fica_wages"] = draw(st.sampled_from([0, 100_000, 150_000, 150_000.01, 400_000]))
    step = draw(st.sampled_from(PCT_STEPS))
    plan = {
        "match": draw(match_tiers()),
        "match_true_up": draw(st.booleans()),
        "match_annual_cap": draw(st.sampled_from([0, 0, 1_000, 5_000, 12_345.67])),
        "match_catch_up": draw(st.booleans()),
        "pct_step": step,
        "max_deferral_pct": draw(st.sampled_from([10, 25, 50, 75, 90, 100])),
        "max_after_tax_pct": draw(st.sampled_from([0, 10, 30, 50, 100])),
        "max_total_pct": draw(st.sampled_from([40, 65, 100])),
        "auto_stop_deferral": draw(st.booleans()),
        "auto_stop_after_tax": draw(st.booleans()),
        "after_tax_annual_cap": draw(st.sampled_from([0, 0, 10_000, 34_400.50])),
        "bonus_eligible": draw(st.booleans()),
        "super_catch_up": draw(st.booleans()),
        "spillover_to_after_tax": draw(st.booleans()),
        "separate_bonus_election": separate_bonus and draw(st.booleans()),
    }
    goal = {
        "deferral": draw(st.one_of(st.just("max"), money(500, 40_000))),
        "after_tax": draw(st.one_of(st.just("max"), st.just(0), money(500, 60_000))),
        "strategy": draw(st.sampled_from(["even", "front-load"])),
        "deferral_type": draw(st.sampled_from(["pretax", "roth"])),
    }
    data = {
        "tax_year": year,
        "age": draw(st.integers(25, 70)),
        "pay": pay,
        "plan": plan,
        "goal": goal,
        "raise": [{"effective": d, "salary": s}
                  for d, s in draw(st.lists(st.tuples(day_in(year), money(20_000, 900_000)), max_size=2,
                                            unique_by=lambda t: t[0]))],
        "bonus": [{"date": d, "amount": a, **({} if e is None else {"eligible": e})}
                  for d, a, e in draw(st.lists(st.tuples(day_in(year), money(1_000, 200_000),
                                                         st.sampled_from([None, True, False])), max_size=2))],
        "rsu": [{"date": d, "value": v}
                for d, v in draw(st.lists(st.tuples(day_in(year), money(1_000, 300_000)), max_size=2))],
    }
    if with_elections:
        starts = sorted(draw(st.sets(day_in(year), min_size=1, max_size=3)))
        pct = st.integers(0, 10_000).map(lambda u: u / 100 if u % 100 else u // 100)  # 0-100 %, 0.01 steps
        data["election"] = [{"from": d, "deferral_pct": draw(pct), "after_tax_pct": draw(pct)} for d in starts]
    return data
