"""The employer match formula (R11-R12): tiers are bands of deferral, each matched at its rate.

A band is a percent of eligible pay (`up_to_pct`) or dollars of the year's running deferrals
(`up_to_dollars`). The same function gives a paycheck's match (its deferral and pay, the
deferrals before it) and the year's match for a true-up (the year's totals, nothing before).
"""

from __future__ import annotations

from .money import PCT_SCALE, RATE_SCALE, div_half_up
from .scenario import MatchTier

_PCT_DEN = 100 * PCT_SCALE  # cents x pct units -> cents


def match_on(tiers: tuple[MatchTier, ...], deferral: int, eligible: int, deferred_before: int = 0) -> int:
    """Match in cents on `deferral` cents made from `eligible` cents of pay, rounded half-up."""
    exact = 0  # in cents x _PCT_DEN x RATE_SCALE, so nothing rounds before the end
    pct_low = dollar_low = 0
    for tier in tiers:
        if tier.up_to_pct is not None:
            band = (tier.up_to_pct - pct_low) * eligible
            part = min(max(deferral * _PCT_DEN - pct_low * eligible, 0), band)
            pct_low = tier.up_to_pct
        else:
            band = tier.up_to_dollars - dollar_low
            start = deferred_before - dollar_low
            part = (min(max(start + deferral, 0), band) - min(max(start, 0), band)) * _PCT_DEN
            dollar_low = tier.up_to_dollars
        exact += tier.rate * part
    return div_half_up(exact, _PCT_DEN * RATE_SCALE)


def full_match_pct(tiers: tuple[MatchTier, ...]) -> int:
    """The deferral percent of a paycheck above which the pay-percent bands give no more match."""
    return max((t.up_to_pct for t in tiers if t.up_to_pct is not None), default=0)
