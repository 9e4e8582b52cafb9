"""The employer match formula (R11-R12): tiers are bands of deferral, each matched at its rate.

A band is a percent of the paycheck's eligible pay (`up_to_pct`, per paycheck), or dollars
of the year's running deferrals (`up_to_dollars`; `up_to_limit_pct` is resolved to dollars
in rules.py). The same function gives a paycheck's match (its deferral and pay, the
deferrals before it) and the year's match for a true-up (the year's totals, none before).
A plan may name a second formula in dollars (`match_greater_of`): the match is the greater.
"""

from __future__ import annotations

from functools import lru_cache

from .money import PCT_SCALE, RATE_SCALE, div_half_up
from .scenario import MatchTier

_PCT_DEN = 100 * PCT_SCALE  # cents x pct units -> cents


def _dollar_curve(tiers: tuple[MatchTier, ...], deferred: int) -> int:
    """Match on `deferred` dollars of the year, in cents x RATE_SCALE (unrounded)."""
    exact, low = 0, 0
    for tier in tiers:
        exact += tier.rate * min(max(deferred - low, 0), tier.up_to_dollars - low)
        low = tier.up_to_dollars
    return exact


def match_on(tiers: tuple[MatchTier, ...], deferral: int, eligible: int, deferred_before: int = 0,
             greater_of: tuple[MatchTier, ...] = ()) -> int:
    """Match in cents on `deferral` cents made from `eligible` cents of pay, rounded half-up."""
    if any(t.up_to_pct is not None for t in tiers):
        exact, low = 0, 0  # in cents x _PCT_DEN x RATE_SCALE, so nothing rounds before the end
        for tier in tiers:
            band = (tier.up_to_pct - low) * eligible
            exact += tier.rate * min(max(deferral * _PCT_DEN - low * eligible, 0), band)
            low = tier.up_to_pct
        return div_half_up(exact, _PCT_DEN * RATE_SCALE)

    def curve(deferred: int) -> int:
        return max(_dollar_curve(tiers, deferred), _dollar_curve(greater_of, deferred))

    # round the running match, so the year's total is exactly the formula on the year's deferral
    return div_half_up(curve(deferred_before + deferral), RATE_SCALE) - div_half_up(curve(deferred_before), RATE_SCALE)


@lru_cache(maxsize=4096)  # asked again for the paychecks of one year: pay amounts repeat
def most_on(tiers: tuple[MatchTier, ...], eligible: int) -> int:
    """The most a paycheck's pay-band match can be: its deferral fills every band."""
    return match_on(tiers, eligible, eligible)


def full_match_pct(tiers: tuple[MatchTier, ...]) -> int:
    """The deferral percent of a paycheck above which the pay-percent bands give no more match."""
    return max((t.up_to_pct for t in tiers if t.up_to_pct is not None), default=0)


@lru_cache(maxsize=16)
def paycheck_match(tiers: tuple[MatchTier, ...], greater_of: tuple[MatchTier, ...] = ()):
    """`match_on` for one plan's formula as a function of (deferral, eligible, deferred
    before), remembering amounts already computed: the solver runs payroll over dozens of
    candidate schedules that share most paychecks."""
    if any(t.up_to_pct is not None for t in tiers):  # pay bands: the year so far does not matter
        on_pay = _remembered(lambda key: match_on(tiers, *key))
        return lambda deferral, eligible, _before: on_pay((deferral, eligible))
    # dollar bands: the rounded match on the year's first N cents of deferral
    running = _remembered(lambda deferred: div_half_up(
        max(_dollar_curve(tiers, deferred), _dollar_curve(greater_of, deferred)), RATE_SCALE))
    return lambda deferral, _eligible, before: running(before + deferral) - running(before)


def _remembered(compute, size: int = 4096):
    """`compute` with a memory of its answers, emptied past `size` entries (a batch plans
    many people with the same formula)."""
    memo: dict = {}

    def answer(key):
        found = memo.get(key)
        if found is None:
            if len(memo) > size:
                memo.clear()
            found = memo[key] = compute(key)
        return found

    return answer
