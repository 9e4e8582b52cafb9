"""Exact money arithmetic: dollars are held as integer cents, percents as integer
hundredths of a basis point, so every rounding is the plan's half-up rounding and
nothing depends on binary floating point."""

from decimal import Decimal, InvalidOperation
from functools import lru_cache

PCT_SCALE = 10_000  # units per percent: 9.8 % -> 98_000; the finest step is 0.0001 %
RATE_SCALE = 1_000_000  # units per 1.0 of a match rate


def div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up (away from zero at .5) to an integer."""
    if numerator < 0:
        return -div_half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def _decimal(value, scale: int) -> int | None:
    try:
        scaled = Decimal(str(value)) * scale
    except InvalidOperation:
        return None
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def to_cents(value) -> int | None:
    """Dollars (int, float or str) to cents; None when it is not a whole number of cents."""
    return _decimal(value, 100)


def to_pct_units(value) -> int | None:
    """Percent (4 means 4 %) to PCT_SCALE units; None when finer than 0.0001 %."""
    return _decimal(value, PCT_SCALE)


def to_rate_units(value) -> int | None:
    """A rate (0.5 = 50 %) to RATE_SCALE units; None when finer than one millionth."""
    return _decimal(value, RATE_SCALE)


def pct_of(pct_units: int, cents: int) -> int:
    """percent x amount, rounded half-up to the cent."""
    return div_half_up(pct_units * cents, 100 * PCT_SCALE)


def dollars(cents: int) -> float:
    """Cents to a float of dollars for output (exact to the cent when printed): int / int is
    correctly rounded, so it is already the float nearest the exact amount, the one that
    round(..., 2) would give."""
    return cents / 100


def dollars_of(cents: dict, keys) -> dict:
    """{key: dollars(cents[key])} for each of `keys`, dollars() inlined (a batch makes millions)."""
    return {key: cents[key] / 100 for key in keys}


@lru_cache(maxsize=4096, typed=True)  # a batch's elections repeat a few percents
def pct_value(pct_units: int) -> float | int:
    """PCT_SCALE units to a plain number for output: 9 rather than 9.0, 9.8 stays 9.8."""
    whole, rest = divmod(pct_units, PCT_SCALE)
    return whole if rest == 0 else round(pct_units / PCT_SCALE, 4)
