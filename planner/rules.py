"""The year's rules for one person in one plan: the limits that apply to them, derived
once from the scenario, the IRS limits and the paychecks (R1-R7 of the domain rules)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from .limits import Limits
from .money import PCT_SCALE
from .paychecks import Paychecks
from .scenario import MatchTier, PlanRules, Scenario


@dataclass(frozen=True)
class YearRules:
    plan: PlanRules
    match: tuple[MatchTier, ...]  # the plan's tiers with up_to_limit_pct resolved to dollars
    match_greater_of: tuple[MatchTier, ...]
    deferral_limit: int  # 402(g), cents
    catch_up_limit: int  # catch-up this person may add (0 when under 50)
    other_employer_deferral: int  # counts toward 402(g), not toward this plan's auto-stop
    annual_additions_limit: int  # lesser of 415(c) and the year's gross pay
    additions_limited_by_pay: bool  # the year's gross pay is the lesser
    after_tax_cap: int  # 0 = none
    roth_catch_up: bool  # all catch-up must be Roth (414(v)(7))
    roth_deferrals: bool  # goal.deferral_type == "roth"
    # what was already paid this year in this plan (a re-plan's [ytd])
    ytd_deferral: int = 0
    ytd_after_tax: int = 0
    ytd_match: int = 0
    ytd_eligible: int = 0
    ytd_gross: int = 0  # gross pay already paid this year (the calendar's, or ytd.gross_pay)

    @property
    def deferral_room(self) -> int:
        """Deferrals this plan may still take this year without an excess (402(g) + catch-up)."""
        return max(0, self.deferral_limit + self.catch_up_limit - self.other_employer_deferral - self.ytd_deferral)


def catch_up_for(age: int | None, limits: Limits, super_catch_up: bool) -> int:
    """Catch-up by age on Dec 31 (R6): 50+, or the higher 60-63 amount where the plan offers it."""
    if age is None or age < 50:
        return 0
    if 60 <= age <= 63 and super_catch_up and limits.catch_up_60_63 is not None:
        return limits.catch_up_60_63
    return limits.catch_up


def resolve_tiers(tiers: tuple[MatchTier, ...], deferral_limit: int) -> tuple[MatchTier, ...]:
    """Bands named as a percent of the deferral limit become dollars for this person's year."""
    return tuple(
        replace(t, up_to_dollars=deferral_limit * t.up_to_limit_pct // (100 * PCT_SCALE), up_to_limit_pct=None)
        if t.up_to_limit_pct is not None else t
        for t in tiers
    )


def year_rules(scenario: Scenario, limits: Limits, paychecks: Paychecks) -> YearRules:
    ytd, k = scenario.ytd, paychecks.first_future
    past_gross = ytd.gross_pay if ytd and ytd.gross_pay is not None else sum(paychecks.gross[:k])
    year_gross = past_gross + sum(paychecks.gross[k:])
    threshold = limits.roth_catch_up_threshold
    plan = scenario.plan
    return _year_rules(
        plan,
        catch_up_for(scenario.age, limits, plan.super_catch_up),
        deferral_limit=limits.deferral,
        other_employer_deferral=ytd.other_employer_deferral if ytd else 0,
        annual_additions_limit=min(limits.annual_additions, year_gross),
        additions_limited_by_pay=year_gross < limits.annual_additions,
        # the limits data has no threshold for years the rule is not in force (to 2025)
        roth_catch_up=threshold is not None and scenario.pay.prior_year_fica_wages > threshold,
        roth_deferrals=scenario.goal.deferral_type == "roth",
        ytd_deferral=ytd.deferral if ytd else 0,
        ytd_after_tax=ytd.after_tax if ytd else 0,
        ytd_match=ytd.match if ytd else 0,
        ytd_gross=past_gross,
        ytd_eligible=sum(paychecks.eligible[:k]) if ytd is None or ytd.eligible_pay is None else ytd.eligible_pay,
    )


@lru_cache(maxsize=4096)  # a batch's people share a few: the same plan, limits and age band, pay over 415(c)
def _year_rules(plan: PlanRules, catch_up: int, **fields) -> YearRules:
    """The YearRules of these values (`fields` are YearRules' own), its match tiers resolved."""
    match_limit = fields["deferral_limit"] + (catch_up if plan.match_limit_includes_catch_up else 0)
    return YearRules(plan=plan, match=resolve_tiers(plan.match, match_limit),
                     match_greater_of=resolve_tiers(plan.match_greater_of, match_limit), catch_up_limit=catch_up,
                     after_tax_cap=plan.after_tax_annual_cap, **fields)
