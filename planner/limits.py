"""IRS dollar limits per tax year, kept as data in data/limits.toml ("law as data"):
every number carries its source, and a year the IRS has not published (e.g. 2027)
must be supplied by the user, never estimated."""

import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from .errors import TOML_ERRORS, PlannerError, toml_problem
from .money import to_cents
from .scenario import MAX_CENTS, shown

DATA_FILE = Path(__file__).parent / "data" / "limits.toml"

KEYS = ("deferral", "catch_up", "catch_up_60_63", "annual_additions", "compensation",
        "roth_catch_up_threshold", "ss_wage_base", "medicare_additional_threshold", "hce_threshold")
REQUIRED = ("deferral", "catch_up", "annual_additions", "compensation")

LABELS = {
    "deferral": "402(g) elective deferral limit",
    "catch_up": "414(v) catch-up limit, age 50+",
    "catch_up_60_63": "414(v)(2)(E) catch-up limit, ages 60-63",
    "annual_additions": "415(c) annual additions limit",
    "compensation": "401(a)(17) compensation limit",
    "roth_catch_up_threshold": "414(v)(7) Roth catch-up threshold (prior-year FICA wages)",
    "ss_wage_base": "Social Security wage base",
    "medicare_additional_threshold": "Additional Medicare tax withholding threshold",
    "hce_threshold": "414(q) highly compensated employee threshold",
}

# The 0.9 % additional Medicare withholding threshold is fixed by statute, not indexed,
# so it is known for every year, including ones the user supplies.
_MEDICARE_DEFAULT = (200_000_00, "IRS Publication 15, additional Medicare tax withholding "
                                 "on wages over $200,000 (not indexed)")
# Why a key is absent from a built-in year; printed in place of a source.
_ABSENT = {
    "catch_up_60_63": "n/a: 414(v)(2)(E) starts in 2025",
    "roth_catch_up_threshold": "not in force: transition relief through 2025 (IRS Notice 2023-62)",
}

Entry = tuple[int, str]  # (cents, source text)


@dataclass(frozen=True)
class Limits:
    year: int
    deferral: int  # all money in integer cents
    catch_up: int
    catch_up_60_63: int | None  # None: no 60-63 catch-up that year
    annual_additions: int
    compensation: int
    roth_catch_up_threshold: int | None  # None: the Roth catch-up rule is not in force that year
    ss_wage_base: int | None
    medicare_additional_threshold: int
    hce_threshold: int | None
    sources: dict[str, str]  # key -> source text, "supplied by user" for overrides
    other_years_supplied: tuple[int, ...] = ()  # user limits given for other years only (not used)

    @cached_property
    def supplied_by_user(self) -> tuple[str, ...]:
        """The keys whose numbers the user gave, in KEYS order (once per Limits: a batch
        shares its year's)."""
        return tuple(key for key, source in self.sources.items() if source.startswith("supplied by user"))


def _entry(raw, field: str, user: bool) -> Entry:
    """A plain number of dollars or a {value, source, reference} table."""
    if isinstance(raw, dict):
        extra = sorted(set(raw) - {"value", "source", "reference"})
        if extra:
            raise PlannerError(f"{field}.{extra[0]}", "unknown field; a limit table has value, source, reference")
        if "value" not in raw:
            raise PlannerError(field, "a limit table needs a value")
        for part in ("source", "reference"):
            if not isinstance(raw.get(part, ""), str):
                raise PlannerError(f"{field}.{part}", "must be text")
        value, source, reference = raw["value"], raw.get("source", ""), raw.get("reference", "")
    else:
        value, source, reference = raw, "", ""
    cents = None if isinstance(value, bool) else to_cents(value)  # bool is an int in Python
    if cents is None or cents < 0:
        raise PlannerError(field, f"must be a non-negative number of dollars (whole cents), got {shown(value)}")
    if cents > MAX_CENTS:
        raise PlannerError(field, f"must be at most $1,000,000,000, not {shown(value)}")
    text = f"{source} ({reference})" if source and reference else source or reference
    if user:  # overrides are marked so output never passes them off as IRS figures
        text = f"supplied by user: {text}" if text else "supplied by user"
    return cents, text


def _table(table, field: str, user: bool) -> dict[str, Entry]:
    if not isinstance(table, dict):
        raise PlannerError(field, "must be a table of limits (key = dollars)")
    for key in table:
        if key not in KEYS:
            raise PlannerError(f"{field}.{key}", f"unknown limit; expected one of {', '.join(KEYS)}")
    return {key: _entry(raw, f"{field}.{key}", user) for key, raw in table.items()}


def _is_year(key) -> bool:
    return (isinstance(key, int) and not isinstance(key, bool)) or (isinstance(key, str) and key.isdigit())


def _normalize(override, origin: str) -> dict[int | None, dict[str, Entry]]:
    """A flat table (applies to any year, key None) or per-year tables keyed by year."""
    if not override:
        return {}
    if not isinstance(override, dict):
        raise PlannerError(origin, "must be a table of limits")
    years = [key for key in override if _is_year(key)]
    if not years:
        return {None: _table(override, origin, user=True)}
    if len(years) != len(override):
        raise PlannerError(origin, "mixes per-year tables with flat limit keys; use one form")
    return {int(y): _table(override[y], f"{origin}.{y}", user=True) for y in years}


def check_limits(override, origin: str = "--limits") -> None:
    """A PlannerError naming the first bad key or number of a user's limits, if any."""
    _normalize(override, origin)


@lru_cache(maxsize=1)
def _builtin() -> dict[int, dict[str, Entry]]:
    with DATA_FILE.open("rb") as f:
        data = tomllib.load(f)
    return {int(y): _table(table, f"{DATA_FILE.name}.{y}", user=False) for y, table in data.items()}


def built_in_years() -> list[int]:
    return sorted(_builtin())


def limits_for(year: int, override: dict | None = None, origin: str = "--limits") -> Limits:
    """Built-in limits for `year` overlaid with the user's `override`."""
    if not override:
        return _built_in_limits(year, origin)  # a batch asks for the same year again and again
    return _limits_for(year, override, origin)


@lru_cache(maxsize=64)
def _built_in_limits(year: int, origin: str) -> Limits:
    return _limits_for(year, None, origin)


def _limits_for(year: int, override: dict | None, origin: str) -> Limits:
    builtin = _builtin().get(year)
    supplied = _normalize(override, origin)
    user = supplied.get(year, supplied.get(None, {}))
    if builtin is None:
        missing = [key for key in REQUIRED if key not in user]
        if supplied and not user:  # limits were given, only not for this year
            raise PlannerError(origin, f"the limits supplied (--limits FILE or [limits]) are for "
                                       f"{', '.join(str(y) for y in sorted(supplied))}, not for {year}")
        if missing:
            years = built_in_years()
            raise PlannerError("tax_year", (
                f"no IRS limits are built in for {year} (built in: {years[0]}-{years[-1]}); supply them "
                f"with --limits FILE (a TOML file with keys {', '.join(REQUIRED)}, and optionally "
                "catch_up_60_63, roth_catch_up_threshold, ss_wage_base, hce_threshold; for a batch, "
                f"under a [{year}] table), a [limits] table in the scenario, or limits= in Python"
                + (f"; missing: {', '.join(missing)}" if user else "")))
    values = {"medicare_additional_threshold": _MEDICARE_DEFAULT, **(builtin or {}), **user}
    absent = _ABSENT if builtin else {}
    sources = {key: values[key][1] if key in values else absent.get(key, "not supplied, so not applied")
               for key in KEYS}
    elsewhere = tuple(sorted(y for y in supplied if y is not None)) if supplied and not user else ()
    return Limits(year=year, sources=sources, other_years_supplied=elsewhere,
                  **{key: values[key][0] if key in values else None for key in KEYS})


def read_limits_file(path, origin: str = "--limits") -> dict:
    """Read and check a user limits file (flat, per-year, or value/source tables);
    the result is usable as limits_for's `override`."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise PlannerError(origin, f"cannot read limits file {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise PlannerError(origin, f"limits file {path} is not valid TOML: not UTF-8 text") from None
    except TOML_ERRORS as e:
        raise PlannerError(origin, f"limits file {path} is not valid TOML: {toml_problem(e)}") from None
    if not data:
        raise PlannerError(origin, f"limits file {path} has no limits (keys such as {', '.join(REQUIRED)})")
    try:
        _normalize(data, origin)  # report bad keys/values now, naming the file
    except PlannerError as e:
        raise PlannerError(e.field, f"{e.message} (in {path})") from None
    return data


def combined_limits(year: int, supplied: dict | None, own: dict | None) -> dict | None:
    """The user's limits for a scenario of `year`: its own [limits] over those supplied with
    it (--limits FILE, limits=, a batch's per-year file), key by key; either may be flat or
    a table per year. None when neither gives any."""
    if not (supplied and own):
        return own or supplied or None
    given, mine = _year_table(supplied, year), _year_table(own, year)
    if given is None or mine is None or not (given or mine):
        return {**supplied, **own}  # a table that mixes forms, or none for this year: limits_for says so
    return {**given, **mine}


def _year_table(limits: dict, year: int) -> dict | None:
    """The flat table of `limits` that applies to `year` ({} if none does); None when
    `limits` mixes year tables with flat keys."""
    years = [key for key in limits if _is_year(key)]
    if not years:
        return limits
    if len(years) != len(limits):
        return None
    return next((limits[key] for key in years if int(key) == year), {})


def supplied_years(override: dict | None) -> list[int]:
    """The years a user's limits name (none for a flat table, which fits any year)."""
    return sorted(int(key) for key in override or {} if _is_year(key))


def format_dollars(cents: int) -> str:
    """2_350_000 -> "$23,500"; cents shown only when present."""
    whole, rest = divmod(cents, 100)
    return f"${whole:,}" + (f".{rest:02d}" if rest else "")


def limits_rows(limits: Limits) -> list[tuple[str, str, str]]:
    """(label, dollars, source) rows for `planner limits [YEAR]`."""
    return [(LABELS[key], "n/a" if getattr(limits, key) is None else format_dollars(getattr(limits, key)),
             limits.sources[key]) for key in KEYS]
