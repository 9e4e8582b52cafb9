"""The scenario: one person's tax year, read from the TOML contract
(../shared/spec/scenario-format.md) into plain frozen dataclasses.

Every check of the input happens here, so the core can trust what it gets: money in
integer cents, percents in PCT_SCALE units, rates in RATE_SCALE units. A bad value raises
PlannerError naming its dotted path, e.g. `pay.salary`.
"""

from __future__ import annotations

import datetime as dt
import marshal
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .calendar import FREQUENCIES, HOLIDAY_SHIFTS
from .errors import TOML_ERRORS, PlannerError, printable, toml_problem
from .money import PCT_SCALE, to_cents, to_pct_units, to_rate_units

MAX = "max"
MAX_CENTS = 100_000_000_000  # $1 billion: far above any pay, far below where cents stop being exact


@dataclass(frozen=True)
class Pay:
    frequency: str
    first_pay_date: dt.date | None
    salary: int  # cents a year, in force on Jan 1
    holiday_shift: str = "previous"
    prior_year_fica_wages: int = 0


@dataclass(frozen=True)
class Raise:
    effective: dt.date
    salary: int


@dataclass(frozen=True)
class Bonus:
    date: dt.date
    amount: int
    eligible: bool | None = None  # None: the plan's bonus_eligible


@dataclass(frozen=True)
class Rsu:
    date: dt.date
    value: int


@dataclass(frozen=True)
class MatchTier:
    """A band of the match: `rate` of the deferral that falls in the band.

    The band is either a percent of the paycheck's eligible pay (`up_to_pct`, computed
    per paycheck) or dollars of the year's deferrals (`up_to_dollars`, or
    `up_to_limit_pct` of the 402(g) limit: counted on the running total, so it needs no
    true-up to be exact)."""

    rate: int  # RATE_SCALE units
    up_to_pct: int | None = None  # PCT_SCALE units
    up_to_dollars: int | None = None  # cents
    up_to_limit_pct: int | None = None  # percent of the person's 402(g) limit, as dollars


@dataclass(frozen=True)
class PlanRules:
    match: tuple[MatchTier, ...] = ()
    match_greater_of: tuple[MatchTier, ...] = ()  # a second formula; the match is the greater
    match_limit_includes_catch_up: bool = False  # up_to_limit_pct counts the person's catch-up
    match_true_up: bool = False
    match_annual_cap: int = 0
    match_catch_up: bool = True
    pct_step: int = 1 * PCT_SCALE
    max_deferral_pct: int = 50 * PCT_SCALE
    max_after_tax_pct: int = 50 * PCT_SCALE
    max_total_pct: int = 100 * PCT_SCALE
    auto_stop_deferral: bool = True
    auto_stop_after_tax: bool = False
    after_tax_annual_cap: int = 0
    bonus_eligible: bool = True
    super_catch_up: bool = True
    spillover_to_after_tax: bool = False
    separate_bonus_election: bool = False
    election_lag: int = 0
    preset: str | None = None


@dataclass(frozen=True)
class Election:
    start: dt.date  # `from` in the file
    deferral_pct: int
    after_tax_pct: int
    bonus_deferral_pct: int | None = None  # with plan.separate_bonus_election; None: as above
    bonus_after_tax_pct: int | None = None


@dataclass(frozen=True)
class Taxes:
    income_tax_rate: int  # RATE_SCALE units
    supplemental_rate: int
    state_tax_rate: int = 0
    other_deductions: int = 0  # cents per regular paycheck


@dataclass(frozen=True)
class Goal:
    deferral: int | str = MAX  # cents or "max"
    deferral_type: str = "pretax"
    after_tax: int | str = MAX
    strategy: str = "even"
    min_net_pay: int = 0  # cents; no regular paycheck's estimated net pay below this
    use_rsu_proceeds: bool = False  # cash from RSU shares sold at vest may cover the floor


@dataclass(frozen=True)
class Ytd:
    as_of: dt.date
    deferral: int = 0
    after_tax: int = 0
    match: int = 0
    eligible_pay: int | None = None  # None: estimated from the calendar's paychecks so far
    other_employer_deferral: int = 0
    gross_pay: int | None = None  # None: the calendar's gross of the paychecks so far


@dataclass(frozen=True)
class Scenario:
    tax_year: int
    pay: Pay
    name: str = ""
    age: int | None = None  # on Dec 31 of tax_year
    raises: tuple[Raise, ...] = ()
    bonuses: tuple[Bonus, ...] = ()
    rsus: tuple[Rsu, ...] = ()
    plan: PlanRules = PlanRules()
    elections: tuple[Election, ...] = ()
    taxes: Taxes | None = None
    goal: Goal = Goal()
    ytd: Ytd | None = None
    limits: dict = field(default_factory=dict)  # user-supplied limits for the year
    source: dict = field(default_factory=dict, compare=False)  # the table as read


# ---------------------------------------------------------------- reading


def read_toml(path: str | Path) -> dict:
    """The TOML file as a dict, or a PlannerError naming the file."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark from Windows editors is fine
        return tomllib.loads(text)
    except FileNotFoundError:
        raise PlannerError(str(path), "no such file") from None
    except IsADirectoryError:
        raise PlannerError(str(path), "is a folder, not a scenario file") from None
    except UnicodeDecodeError:
        raise PlannerError(str(path), "is not a text file (UTF-8)") from None
    except OSError as exc:
        raise PlannerError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    except TOML_ERRORS as exc:
        raise PlannerError(str(path), f"not valid TOML: {toml_problem(exc)}") from None


def shown(value) -> str:
    """A value as the user wrote it in TOML, for a one-line error message: long text cut,
    control characters escaped, a huge number in short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        text = value if len(value) <= SHOWN_TEXT else value[:SHOWN_TEXT] + "..."
        return '"' + printable(text) + '"'
    if isinstance(value, int) and value.bit_length() > 1000:  # past a float's range
        return f"a number of about {int(value.bit_length() * 0.30103)} digits"
    if isinstance(value, (int, float)) and abs(value) >= 1e15:  # 1e300, not its 301 digits
        return f"{value:.6g}"
    return repr(value) if not isinstance(value, (dict, list)) else ("a table" if isinstance(value, dict) else "a list")


SHOWN_TEXT = 60  # characters of a bad value an error message repeats


def load_scenario(path: str | Path, overrides: dict | None = None) -> Scenario:
    """Read a scenario file; `overrides` maps dotted keys ("pay.salary") to values."""
    data = read_toml(path)
    for key, value in (overrides or {}).items():
        set_path(data, key, value)
    return scenario_from_dict(data)


def match_shorthand(text: str, field: str = "plan.match") -> list[dict]:
    """'50:4' is 50 % of deferrals up to 4 % of pay; tiers are separated by commas ('100:3,50:5').
    The TOML form ('[{rate=0.5, up_to_pct=4}]') is read as TOML (checked with the scenario)."""
    if text.strip().startswith("["):
        try:
            return tomllib.loads("v = " + text)["v"]
        except TOML_ERRORS as exc:
            raise PlannerError(field, f"not a valid TOML list of tiers: {toml_problem(exc)}") from None
    tiers = []
    for part in text.split(","):
        rate, sep, up_to = part.strip().partition(":")
        try:
            if not sep:
                raise ValueError
            pct, up_to_pct = float(rate), float(up_to)
        except ValueError:
            raise PlannerError(field, "expected tiers like [{rate=0.5, up_to_pct=4}] or RATE%:UP_TO_PCT "
                                      f"like 50:4, not {shown(text)}") from None
        if 0 < pct < 1:  # 0.5 here would be a 0.5 % match: surely meant as 50
            raise PlannerError(field, f"RATE is a percent (50 for 50 %), not {pct:g}")
        if not 0 <= pct <= 100:
            raise PlannerError(field, f"RATE is a percent from 0 to 100, not {pct:g}")
        # 14.3 % is the rate 0.143 (14.3 / 100 in floats is 0.14300000000000002, finer than a rate is)
        exact = Decimal(rate.strip()).scaleb(-2)
        if exact != round(exact, 6):
            raise PlannerError(field, f"RATE is a percent with at most 4 decimals, not {rate.strip()}")
        tiers.append({"rate": float(exact), "up_to_pct": up_to_pct})
    return tiers


def set_path(data: dict, dotted: str, value) -> None:
    """data["a"]["b"] = value for "a.b", creating tables on the way."""
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


class _Table:
    """One TOML table being read: tracks its dotted path and rejects unknown keys."""

    __slots__ = ("data", "path")

    def __init__(self, data, path: str, allowed: set[str]):
        if not isinstance(data, dict):
            raise PlannerError(path, "must be a table")
        if not data.keys() <= allowed:
            unknown = sorted(set(data) - allowed)
            where = f"{path}.{unknown[0]}" if path else unknown[0]
            raise PlannerError(where, f"unknown key (allowed: {', '.join(sorted(allowed))})")
        self.data, self.path = data, path

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, default=None):
        return self.data.get(key, default)

    def money(self, key: str, default: int | None = None, *, required=False) -> int:
        if key not in self.data:
            if required:
                raise PlannerError(self.name(key), "is required")
            return default
        value = self.data[key]
        if type(value) is int and 0 <= value <= MAX_CENTS // 100:  # whole dollars, as most are
            return value * 100
        if type(value) is int and -MAX_CENTS <= value <= MAX_CENTS:  # exact without Decimal
            cents = value * 100
        else:
            cents = None if isinstance(value, bool) or not isinstance(value, int | float) else to_cents(value)
        if cents is None:
            raise PlannerError(self.name(key), f"must be an amount in dollars and cents, not {shown(value)}")
        if cents < 0:
            raise PlannerError(self.name(key), f"must not be negative, not {shown(value)}")
        if cents > MAX_CENTS:
            raise PlannerError(self.name(key), f"must be at most $1,000,000,000, not {shown(value)}")
        return cents

    def number(self, key: str, convert, default, what: str, low=0, high=None):
        if key not in self.data:
            return default
        value = self.data[key]
        units = None if isinstance(value, bool) or not isinstance(value, int | float) else convert(value)
        if units is None or units < low or (high is not None and units > high):
            raise PlannerError(self.name(key), f"must be {what}, not {shown(value)}")
        return units

    def pct(self, key: str, default: int | None = None, *, required=False) -> int:
        if required and key not in self.data:
            raise PlannerError(self.name(key), "is required")
        return self.number(key, to_pct_units, default, "a percent from 0 to 100 with at most 4 decimals", 0,
                           100 * PCT_SCALE)

    def rate(self, key: str, default: int | None = None) -> int:
        return self.number(key, to_rate_units, default, "a rate from 0 to 1 (0.25 = 25 %) with at most 6 decimals",
                           0, 10**6)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise PlannerError(self.name(key), f"must be true or false, not {shown(value)}")
        return value

    def choice(self, key: str, options, default):
        value = self.data.get(key, default)
        if type(value) is str and value in options:  # as written most often
            return value
        if isinstance(value, str) and value.strip().lower() in options:  # "Biweekly" from a spreadsheet too
            return value.strip().lower()
        raise PlannerError(self.name(key), f"must be one of {', '.join(options)}, not {shown(value)}")

    def date(self, key: str, year: int | None = None, *, required=True) -> dt.date | None:
        if key not in self.data:
            if required:
                raise PlannerError(self.name(key), "is required")
            return None
        value = self.data[key]
        # a plain date passes at the first test (a failed isinstance costs more: a batch reads millions)
        if type(value) is not dt.date and (isinstance(value, dt.datetime) or not isinstance(value, dt.date)):
            raise PlannerError(self.name(key), f"must be a date like 2025-03-14, not {shown(value)}")
        if year is not None and value.year != year:
            raise PlannerError(self.name(key), f"{value} is outside the tax year {year}")
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.data.get(key, default)
        if type(value) is int and low <= value <= high:  # as most are, quickly (see date)
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise PlannerError(self.name(key), f"must be a whole number from {low} to {high}, not {shown(value)}")
        return value

    def max_or_money(self, key: str) -> int | str:
        value = self.data.get(key, MAX)
        if isinstance(value, str) and value.strip().lower() == MAX:  # "Max" from a spreadsheet too
            return MAX
        return self.money(key)

    def tables(self, key: str) -> list[dict]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise PlannerError(self.name(key), "must be an array of tables ([[...]])")
        return value


TOP_KEYS = {"name", "tax_year", "birth_date", "age", "pay", "raise", "bonus", "rsu", "plan",
            "election", "taxes", "goal", "ytd", "limits"}
# the keys of each table ([[array]] tables: of each entry); unknown keys are errors
FIELDS = {
    "pay": {"frequency", "first_pay_date", "salary", "holiday_shift", "prior_year_fica_wages"},
    "raise": {"effective", "salary"},
    "bonus": {"date", "amount", "eligible"},
    "rsu": {"date", "value"},
    "election": {"from", "deferral_pct", "after_tax_pct", "bonus_deferral_pct", "bonus_after_tax_pct"},
    "taxes": {"income_tax_rate", "supplemental_rate", "state_tax_rate", "other_deductions"},
    "goal": {"deferral", "deferral_type", "after_tax", "strategy", "min_net_pay", "use_rsu_proceeds"},
    "ytd": {"as_of", "deferral", "after_tax", "match", "eligible_pay", "other_employer_deferral", "gross_pay"},
}
ARRAYS = {"raise", "bonus", "rsu", "election"}


def known_field(dotted: str) -> bool:
    """Whether a dotted name (`pay.salary`, `bonus.0.date`) is a field of the format."""
    from .limits import KEYS as LIMIT_KEYS

    top, *rest = dotted.split(".")
    if top not in TOP_KEYS:
        return False
    if not rest:
        return True
    if top in ARRAYS or (top == "limits" and len(rest) == 2):  # bonus.0.date; limits.2027.deferral
        keys = LIMIT_KEYS if top == "limits" else FIELDS[top]
        return len(rest) == 2 and rest[0].isdigit() and rest[1] in keys
    keys = PLAN_KEYS if top == "plan" else LIMIT_KEYS if top == "limits" else FIELDS.get(top, set())
    return len(rest) == 1 and rest[0] in keys


def scenario_from_dict(data: dict) -> Scenario:
    """Check and convert a scenario table (as TOML reads it) into a Scenario."""
    top = _Table(data, "", TOP_KEYS)
    year = top.integer("tax_year", None, 1900, 2200) if top.has("tax_year") else None
    if year is None:
        raise PlannerError("tax_year", "is required")
    name = top.get("name", "")
    if not isinstance(name, str):
        raise PlannerError("name", "must be a string")

    age = None
    if top.has("age") and top.has("birth_date"):
        raise PlannerError("age", "give either age or birth_date, not both")
    if top.has("age"):
        age = top.integer("age", 0, 0, 130)
    elif top.has("birth_date"):
        born = top.date("birth_date")
        age = year - born.year
        if not 0 <= age <= 130:
            raise PlannerError("birth_date", f"{born} gives an age of {age} in {year}")

    goal = _goal(top.get("goal", {}))
    if (goal.min_net_pay or goal.use_rsu_proceeds) and not top.has("taxes"):
        field = "goal.min_net_pay" if goal.min_net_pay else "goal.use_rsu_proceeds"
        raise PlannerError(field, "needs a [taxes] table to estimate net pay")
    return Scenario(
        tax_year=year,
        name=name,
        age=age,
        pay=_pay(top.get("pay"), year),
        raises=_raises(top, year),
        bonuses=_entries(top, "bonus", _bonus, year),
        rsus=_entries(top, "rsu", _rsu, year),
        plan=(plan := _plan(top.get("plan", {}))),
        elections=_elections(top.tables("election"), year, plan.separate_bonus_election),
        taxes=_taxes(top.get("taxes")) if top.has("taxes") else None,
        goal=goal,
        ytd=_ytd(top.get("ytd"), year) if top.has("ytd") else None,
        limits=_limits(top.get("limits", {})),
        source=data,
    )


def _pay(data, year: int) -> Pay:
    if data is None:
        raise PlannerError("pay", "is required (at least frequency and salary)")
    t = _Table(data, "pay", FIELDS["pay"])
    if not t.has("frequency"):
        raise PlannerError("pay.frequency", f"is required ({', '.join(FREQUENCIES)})")
    first = t.date("first_pay_date", required=False)
    if first is not None and abs(first.year - year) > 1:
        raise PlannerError("pay.first_pay_date", f"{first} is too far from the tax year {year}")
    return Pay(
        frequency=t.choice("frequency", FREQUENCIES, None),
        first_pay_date=first,
        salary=t.money("salary", required=True),
        holiday_shift=t.choice("holiday_shift", HOLIDAY_SHIFTS, "previous"),
        prior_year_fica_wages=t.money("prior_year_fica_wages", 0),
    )


def _entries(top: _Table, key: str, read, year: int) -> tuple:
    """The entries of the [[key]] array, each read by read(table, its path, year)."""
    tables = top.tables(key)
    return tuple([read(t, f"{key}[{i}]", year) for i, t in enumerate(tables)]) if tables else ()


def _raises(top: _Table, year: int) -> tuple[Raise, ...]:
    raises = _entries(top, "raise", _raise, year)
    dates = [r.effective for r in raises]
    if len(dates) != len(set(dates)):
        raise PlannerError("raise", "two raises have the same effective date")
    return raises


def _raise(data, path: str, year: int) -> Raise:
    t = _Table(data, path, FIELDS["raise"])
    return Raise(t.date("effective", year), t.money("salary", required=True))


def _bonus(data, path: str, year: int) -> Bonus:
    t = _Table(data, path, FIELDS["bonus"])
    eligible = t.boolean("eligible", True) if t.has("eligible") else None
    return Bonus(t.date("date", year), t.money("amount", required=True), eligible)


def _rsu(data, path: str, year: int) -> Rsu:
    t = _Table(data, path, FIELDS["rsu"])
    return Rsu(t.date("date", year), t.money("value", required=True))


def _match_tiers(value, path: str) -> tuple[MatchTier, ...]:
    if not isinstance(value, list):
        raise PlannerError(path, "must be a list of tiers like [{ rate = 0.5, up_to_pct = 4 }]")
    tiers = []
    for i, item in enumerate(value):
        bands = ("up_to_pct", "up_to_dollars", "up_to_limit_pct")
        t = _Table(item, f"{path}[{i}]", {"rate", *bands})
        if not t.has("rate"):
            raise PlannerError(t.name("rate"), "is required")
        if sum(t.has(b) for b in bands) != 1:
            raise PlannerError(t.name("up_to_pct"), f"give exactly one of {', '.join(bands)}")
        tiers.append(MatchTier(t.rate("rate"), t.pct("up_to_pct"), t.money("up_to_dollars"),
                               t.pct("up_to_limit_pct")))
    if tiers and any(t.up_to_pct is None for t in tiers) and any(t.up_to_pct is not None for t in tiers):
        raise PlannerError(path, "tiers are either all up_to_pct (per paycheck) or all in dollars of the year")
    for kind in ("up_to_pct", "up_to_dollars", "up_to_limit_pct"):
        bounds = [getattr(tier, kind) for tier in tiers if getattr(tier, kind) is not None]
        if bounds != sorted(set(bounds)):
            raise PlannerError(path, f"tiers must have increasing {kind}")
    return tuple(tiers)


PLAN_KEYS = {"preset", "match", "match_greater_of", "match_limit_includes_catch_up", "match_true_up", "match_annual_cap", "match_catch_up", "pct_step",
             "max_deferral_pct", "max_after_tax_pct", "max_total_pct", "auto_stop_deferral",
             "auto_stop_after_tax", "after_tax_annual_cap", "bonus_eligible", "super_catch_up",
             "spillover_to_after_tax", "separate_bonus_election", "election_lag"}


def _remembered(read):
    """`read(table)` remembered by the table's value: a batch's people share a few [plan]
    and [goal] tables, and what is read of them cannot change (frozen)."""
    memo: dict = {}

    def remembered(data):
        key = _frozen(data)
        found = memo.get(key)
        if found is None:
            found = read(data)
            if len(memo) > 1024:
                memo.clear()
            memo[key] = found
        return found

    return remembered


@_remembered
def _plan(data) -> PlanRules:
    """The [plan] table's rules, its preset's filled in."""
    from .presets import apply_preset  # presets are data files; only read when named

    return _read_plan(apply_preset(data))


def _frozen(value):
    """A hashable copy of a TOML value that tells 1, 1.0 and True apart: its marshal bytes,
    quick to make (version 2 writes no back-references, so the bytes are the value's
    alone), or where marshal writes no such value (dates, subclasses) a tree of them."""
    try:
        return marshal.dumps(value, 2)
    except ValueError:
        return _tree(value)


def _tree(value):
    if isinstance(value, dict):
        return ("table", tuple(sorted([(str(k), _tree(v)) for k, v in value.items()])))
    if isinstance(value, list):
        return ("array", tuple([_tree(v) for v in value]))
    return (type(value).__name__, value)


def _read_plan(data) -> PlanRules:
    t = _Table(data, "plan", PLAN_KEYS)
    d = PlanRules()
    step = t.pct("pct_step", d.pct_step)
    if step == 0:
        raise PlannerError("plan.pct_step", "must be more than 0")
    rules = PlanRules(
        match=_match_tiers(t.get("match", []), "plan.match"),
        match_greater_of=_match_tiers(t.get("match_greater_of", []), "plan.match_greater_of"),
        match_limit_includes_catch_up=t.boolean("match_limit_includes_catch_up", False),
        match_true_up=t.boolean("match_true_up", d.match_true_up),
        match_annual_cap=t.money("match_annual_cap", 0),
        match_catch_up=t.boolean("match_catch_up", d.match_catch_up),
        pct_step=step,
        max_deferral_pct=t.pct("max_deferral_pct", d.max_deferral_pct),
        max_after_tax_pct=t.pct("max_after_tax_pct", d.max_after_tax_pct),
        max_total_pct=t.pct("max_total_pct", d.max_total_pct),
        auto_stop_deferral=t.boolean("auto_stop_deferral", d.auto_stop_deferral),
        auto_stop_after_tax=t.boolean("auto_stop_after_tax", d.auto_stop_after_tax),
        after_tax_annual_cap=t.money("after_tax_annual_cap", 0),
        bonus_eligible=t.boolean("bonus_eligible", d.bonus_eligible),
        super_catch_up=t.boolean("super_catch_up", d.super_catch_up),
        spillover_to_after_tax=t.boolean("spillover_to_after_tax", d.spillover_to_after_tax),
        separate_bonus_election=t.boolean("separate_bonus_election", d.separate_bonus_election),
        election_lag=t.integer("election_lag", 0, 0, 12),
        preset=t.get("preset"),
    )
    if rules.match_greater_of and any(t.up_to_pct is not None for t in rules.match + rules.match_greater_of):
        raise PlannerError("plan.match_greater_of", "both formulas must be in dollars of the year (up_to_dollars "
                           "or up_to_limit_pct), so the greater of the two is known at each paycheck")
    return rules


def _elections(tables: list, year: int, separate_bonus: bool) -> tuple[Election, ...]:
    if not tables:  # (most plans: elections are for a re-plan or a check)
        return ()
    elections = []
    for i, data in enumerate(tables):
        t = _Table(data, f"election[{i}]", FIELDS["election"])
        if not set(data) - {"from"}:  # a bare date is a slip, not an election of 0 % / 0 %
            raise PlannerError(f"election[{i}]", "needs deferral_pct and/or after_tax_pct (percent of pay)")
        elections.append(Election(t.date("from", year), t.pct("deferral_pct", 0), t.pct("after_tax_pct", 0),
                                  t.pct("bonus_deferral_pct"), t.pct("bonus_after_tax_pct")))
        for key in ("bonus_deferral_pct", "bonus_after_tax_pct"):
            if key in data and not separate_bonus:  # it would be silently ignored
                raise PlannerError(f"election[{i}].{key}", "needs plan.separate_bonus_election = true (without "
                                   "it a bonus takes the paycheck's deferral_pct and after_tax_pct)")
    starts = [e.start for e in elections]
    if starts != sorted(set(starts)):
        raise PlannerError("election", "entries must have increasing `from` dates")
    return tuple(elections)


def _taxes(data) -> Taxes:
    t = _Table(data, "taxes", FIELDS["taxes"])
    income = t.rate("income_tax_rate", 0)
    if income + t.rate("state_tax_rate", 0) > 10**6 or t.rate("supplemental_rate", 220_000) + t.rate("state_tax_rate", 0) > 10**6:
        raise PlannerError("taxes", "income and state tax rates add up to more than 100 %")
    return Taxes(
        income_tax_rate=income,
        supplemental_rate=t.rate("supplemental_rate", 220_000),
        state_tax_rate=t.rate("state_tax_rate", 0),
        other_deductions=t.money("other_deductions", 0),
    )


@_remembered
def _goal(data) -> Goal:
    t = _Table(data, "goal", FIELDS["goal"])
    return Goal(
        deferral=t.max_or_money("deferral"),
        deferral_type=t.choice("deferral_type", ("pretax", "roth"), "pretax"),
        after_tax=t.max_or_money("after_tax"),
        strategy=t.choice("strategy", ("even", "front-load"), "even"),
        min_net_pay=t.money("min_net_pay", 0),
        use_rsu_proceeds=t.boolean("use_rsu_proceeds", False),
    )


def _ytd(data, year: int) -> Ytd:
    t = _Table(data, "ytd", FIELDS["ytd"])
    return Ytd(
        as_of=t.date("as_of", year),
        deferral=t.money("deferral", 0),
        after_tax=t.money("after_tax", 0),
        match=t.money("match", 0),
        eligible_pay=t.money("eligible_pay", None),
        other_employer_deferral=t.money("other_employer_deferral", 0),
        gross_pay=t.money("gross_pay", None),
    )


def _limits(data) -> dict:
    if not isinstance(data, dict):
        raise PlannerError("limits", "must be a table of limits for the tax year")
    return data
