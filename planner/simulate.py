"""Payroll, paycheck by paycheck: what given percentage elections put into the plan.

This is what payroll does, auto-stops included, and nothing more: it never looks ahead.
The solver calls it to test candidate elections and `check` to show what elections in
force will do; limits crossed here are reported, never prevented.
"""

from __future__ import annotations

from dataclasses import dataclass

from .match import match_on, paycheck_match
from .money import PCT_SCALE
from .rules import YearRules


_PCT_DEN = 100 * PCT_SCALE  # percent units x cents -> cents
ROW_FIELDS = ("deferral", "pretax", "roth", "catch_up", "excess_deferral", "after_tax", "spillover", "match",
              "capped", "additions")


@dataclass
class Simulation:
    """Per-row lists (cents) for the simulated rows, and the year's totals. Read-only by
    convention: not frozen, since a frozen dataclass takes four times as long to build."""

    deferral: list[int]
    pretax: list[int]
    roth: list[int]
    catch_up: list[int]
    excess_deferral: list[int]  # part of the deferral above 402(g) + catch-up
    after_tax: list[int]
    spillover: list[int]  # part of after_tax that is deferral carried past 402(g)
    match: list[int]
    capped: list[bool]
    additions: list[int]  # each row's annual additions: deferral less catch-up and excess, after-tax, match
    true_up: int
    totals: dict[str, int]  # the whole year, [ytd] included

    @property
    def annual_additions(self) -> int:
        return self.totals["annual_additions"]

    @classmethod
    def lazy(cls, rows, true_up: int, totals: dict[str, int]) -> Simulation:
        """A Simulation whose row lists are built by `rows(field)` when first read (the
        columnar solver's: a batch's summary reads little more than the totals)."""
        sim = cls.__new__(cls)
        sim.true_up, sim.totals, sim._rows = true_up, totals, rows
        return sim

    def __getattr__(self, name):  # called only for a missing attribute: a lazy row list not read yet
        if name not in ROW_FIELDS:
            raise AttributeError(name)
        values = self._rows(name)
        setattr(self, name, values)
        return values


def _band(value: int, low: int, high: int) -> int:
    return min(max(value - low, 0), high - low)


def simulate(rules: YearRules, eligible: list[int], deferral_pct: list[int], after_tax_pct: list[int]) -> Simulation:
    """Run payroll over the rows still to be paid; percents are PCT_SCALE units per row."""
    plan = rules.plan
    g402, cu_limit = rules.deferral_limit, rules.catch_up_limit
    stop_at = g402 + cu_limit  # this plan's auto-stop: it does not know other employers
    stop_deferral = plan.auto_stop_deferral or plan.spillover_to_after_tax
    spillover, match_catch_up, cap = plan.spillover_to_after_tax, plan.match_catch_up, plan.match_annual_cap
    stop_after_tax, additions_limit, after_tax_cap = plan.auto_stop_after_tax, rules.annual_additions_limit, rules.after_tax_cap
    roth_all, roth_catch_up = rules.roth_deferrals, rules.roth_catch_up
    match_of = paycheck_match(rules.match, rules.match_greater_of)

    plan_deferred = rules.ytd_deferral  # this plan, this year
    person_deferred = rules.ytd_deferral + rules.other_employer_deferral  # 402(g) is per person
    matched = rules.ytd_match
    after_taxed = rules.ytd_after_tax
    other = rules.other_employer_deferral  # deferred first, so the parts above 402(g) here are this plan's
    ytd_catch_up = _band(person_deferred, g402, stop_at) - _band(other, g402, stop_at)
    ytd_excess = max(person_deferred - stop_at, 0) - max(other - stop_at, 0)
    # deferral the match counts so far (dollar bands and the true-up): this plan's, less unmatched catch-up
    matchable = rules.ytd_deferral - (0 if match_catch_up else ytd_catch_up)
    additions = ytd_additions = rules.ytd_deferral - ytd_catch_up - ytd_excess + rules.ytd_after_tax + rules.ytd_match

    n = len(eligible)
    out_deferral, out_roth, out_catch_up, out_excess = [0] * n, [0] * n, [0] * n, [0] * n
    out_after_tax, out_spill, out_match, out_capped, out_additions = [0] * n, [0] * n, [0] * n, [False] * n, [0] * n
    for k in range(n):
        pay = eligible[k]
        wanted = (deferral_pct[k] * pay * 2 + _PCT_DEN) // (2 * _PCT_DEN)  # pct_of, inlined: the hot loop
        deferral = min(wanted, max(stop_at - plan_deferred, 0)) if stop_deferral else wanted
        spill = wanted - deferral if spillover else 0

        before, person_deferred = person_deferred, person_deferred + deferral
        if person_deferred > g402:  # the common case skips the bands
            catch_up = _band(person_deferred, g402, stop_at) - _band(before, g402, stop_at)
            excess = max(person_deferred - stop_at, 0) - max(before - stop_at, 0)
        else:
            catch_up = excess = 0
        plan_deferred += deferral

        base = deferral if match_catch_up else deferral - catch_up
        match = match_of(base, pay, matchable)
        matchable += base
        if cap:
            match = min(match, max(cap - matched, 0))
        matched += match

        row_additions = deferral - catch_up - excess + match
        additions += row_additions
        wanted_after_tax = (after_tax_pct[k] * pay * 2 + _PCT_DEN) // (2 * _PCT_DEN) + spill
        after_tax = wanted_after_tax
        if stop_after_tax:  # payroll sees only the year so far, this paycheck included
            after_tax = min(after_tax, max(additions_limit - additions, 0))
            if after_tax_cap:
                after_tax = min(after_tax, max(after_tax_cap - after_taxed, 0))
        after_taxed += after_tax
        additions += after_tax

        out_additions[k] = row_additions + after_tax
        out_deferral[k] = deferral
        out_roth[k] = deferral if roth_all else (catch_up if roth_catch_up else 0)
        out_catch_up[k] = catch_up
        out_excess[k] = excess
        out_after_tax[k] = after_tax
        out_spill[k] = min(spill, after_tax)
        out_match[k] = match
        out_capped[k] = deferral < wanted or after_tax < wanted_after_tax
    out = {"deferral": out_deferral, "pretax": [d - r for d, r in zip(out_deferral, out_roth)], "roth": out_roth,
           "catch_up": out_catch_up, "excess_deferral": out_excess, "after_tax": out_after_tax,
           "spillover": out_spill, "match": out_match, "capped": out_capped, "additions": out_additions}

    true_up = 0
    if plan.match_true_up:
        year_pay = rules.ytd_eligible + sum(eligible)
        due = match_on(rules.match, matchable, year_pay, 0, rules.match_greater_of)
        if plan.match_annual_cap:
            due = min(due, plan.match_annual_cap)
        true_up = max(due - matched, 0)
        additions += true_up

    deferral_total = plan_deferred
    catch_up_total = ytd_catch_up + sum(out["catch_up"])
    ytd_roth = rules.ytd_deferral if rules.roth_deferrals else (ytd_catch_up if rules.roth_catch_up else 0)
    roth_total = ytd_roth + sum(out["roth"])
    excess_deferral = ytd_excess + sum(out["excess_deferral"])
    totals = {
        "deferral": deferral_total,
        "pretax": deferral_total - roth_total,
        "roth": roth_total,
        "catch_up": catch_up_total,
        "after_tax": after_taxed,
        "match": matched + true_up,
        "true_up": true_up,
        "annual_additions": additions,
        "ytd_annual_additions": ytd_additions,
        "excess_deferral": excess_deferral,
        "excess_annual_additions": max(additions - rules.annual_additions_limit, 0),
        "excess_after_tax_cap": max(after_taxed - rules.after_tax_cap, 0) if rules.after_tax_cap else 0,
    }
    totals["excess"] = totals["excess_deferral"] + totals["excess_annual_additions"]
    return Simulation(true_up=true_up, totals=totals, **out)
