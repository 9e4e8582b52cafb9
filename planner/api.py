"""The library's front door: `plan` finds elections, `check` simulates the ones in force.

Each is one pipeline over plain data: scenario -> limits -> paychecks -> year rules ->
solver or simulation -> Plan. The CLI calls exactly these.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from pathlib import Path
from typing import NamedTuple

from .cashflow import Cash, cash_rules
from .errors import PlannerError
from .limits import Limits, combined_limits, limits_for
from .paychecks import Calendar, Paychecks, build_paychecks, lagged_rows
from .report import build_plan
from .result import Plan
from .rules import YearRules, year_rules
from .scenario import Election, Scenario, load_scenario, scenario_from_dict
from .simulate import simulate
from .solver import Schedule, Solution, solve


def as_scenario(scenario: Scenario | dict | str | Path) -> Scenario:
    """A Scenario from a Scenario, a dict in the TOML shape, or a path to a TOML file."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return scenario_from_dict(scenario)
    if isinstance(scenario, (str, Path)) and "\n" not in str(scenario):
        return load_scenario(scenario)
    raise PlannerError("scenario", "expected a path to a TOML file, a dict in the TOML shape or a Scenario "
                                   "(for TOML text, pass tomllib.loads(text))")


def _prepare(scenario, limits: dict | None):
    scenario = as_scenario(scenario)
    if isinstance(limits, (str, Path)):
        from .limits import read_limits_file

        limits = read_limits_file(limits, origin="limits")
    elif limits is not None and not isinstance(limits, dict):
        raise PlannerError("limits", "expected a dict of limits or the path to a limits TOML file")
    override = combined_limits(scenario.tax_year, limits, scenario.limits)
    year_limits = limits_for(scenario.tax_year, override, origin="limits")
    paychecks = build_paychecks(scenario, year_limits.compensation)
    rules = year_rules(scenario, year_limits, paychecks)
    return scenario, year_limits, paychecks, rules, cash_rules(scenario, year_limits, paychecks)


def schedule_of(scenario: Scenario, paychecks: Paychecks) -> Schedule:
    """Election groups of the rows still to be paid: one per pay date (bonuses apart when
    the plan takes a separate bonus election)."""
    k = paychecks.first_future
    group_of_row, bonus_only, regular = _groups(paychecks.calendar, scenario.plan.separate_bonus_election)
    eligible, gross = paychecks.eligible[k:], paychecks.gross[k:]
    # a regular row is full when all its pay is eligible (as all rows are, short of 401(a)(17))
    full = regular if eligible == gross else [r and e == g for r, e, g in zip(regular, eligible, gross)]
    return Schedule(group_of_row, bonus_only, list(eligible), full)


@functools.lru_cache(maxsize=4096)
def _groups(calendar: Calendar, separate: bool) -> tuple[tuple[int, ...], tuple[bool, ...], tuple[bool, ...]]:
    """(group of each row still to be paid, which groups are bonuses only, which rows are
    regular paychecks): the calendar's alone, so worked out once for all who share it."""
    k = calendar.first_future
    dates, kinds = calendar.dates[k:], calendar.kinds[k:]
    keys = [(day, kind == "bonus") for day, kind in zip(dates, kinds)] if separate else dates
    index: dict = {}
    group_of_row = tuple([index.setdefault(key, len(index)) for key in keys])
    bonus_only = tuple([key[1] for key in index]) if separate else (False,) * len(index)
    return group_of_row, bonus_only, tuple([kind == "regular" for kind in kinds])


def lagged(scenario: Scenario, paychecks: Paychecks, schedule: Schedule) -> dict[int, tuple[int, int]]:
    """Election groups a re-plan cannot change any more: the first `election_lag` pay dates
    after `as_of` still get the elections in force."""
    lag = scenario.plan.election_lag
    if not (scenario.ytd and lag):
        return {}
    if not scenario.elections:
        raise PlannerError("election", f"plan.election_lag = {lag} in a re-plan needs the elections in force "
                                       "as [[election]] entries")
    deferral, after_tax = elections_in_force(scenario, paychecks)
    return {schedule.group_of_row[k]: (deferral[k], after_tax[k]) for k in lagged_rows(paychecks, lag)}


class Planning(NamedTuple):
    """One plan's inputs, checked and laid out: what the solver takes and what the report
    needs (a named tuple: made once per person, quicker than a frozen dataclass)."""

    scenario: Scenario
    limits: Limits
    paychecks: Paychecks
    rules: YearRules
    cash: Cash | None
    schedule: Schedule
    eligible: list[int]
    fixed: dict[int, tuple[int, int]]

    @property
    def problem(self) -> tuple:
        """solver.solve's arguments."""
        return self.rules, self.scenario.goal, self.schedule, self.eligible, self.fixed, self.cash

    def plan(self, solution: Solution, periods: bool = True) -> Plan:
        return build_plan("plan", self.scenario, self.limits, self.rules, self.paychecks, solution.deferral_pct,
                          solution.after_tax_pct, solution.simulation, solution.warnings, cash=self.cash,
                          periods=periods)


def planning(scenario: Scenario | dict | str | Path, limits: dict | str | Path | None = None) -> Planning:
    """Read and check a scenario for planning; a PlannerError names what is wrong."""
    scenario, year_limits, paychecks, rules, cash = _prepare(scenario, limits)
    schedule = schedule_of(scenario, paychecks)
    return Planning(scenario, year_limits, paychecks, rules, cash, schedule, schedule.eligible,
                    lagged(scenario, paychecks, schedule))


def plan(scenario: Scenario | dict | str | Path, limits: dict | str | Path | None = None) -> Plan:
    """Find the elections that reach the scenario's goal without exceeding any limit."""
    prepared = planning(scenario, limits)
    return prepared.plan(solve(*prepared.problem))


def plan_all(scenarios: list, limits: dict | str | Path | None = None, periods: bool = True) -> list[Plan | Exception]:
    """`plan` for many scenarios at once, each Plan exactly what `plan` gives it alone; a
    scenario that cannot be planned gives its exception in its place (none is raised).
    The people `columnar.solve_many` takes are solved together as arrays; the rest alone.
    `periods=False` leaves out each plan's per-paycheck table (a summary is all a batch needs)."""
    with collector_paused():
        return _plan_all(scenarios, limits, periods)


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector kept out of a batch: plans make many small objects and no
    cycles, and its passes over everything alive cost about a sixth of a batch's time.
    Nested pauses leave it to the outermost to resume it."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _plan_all(scenarios: list, limits, periods: bool) -> list[Plan | Exception]:
    prepared: list[Planning | Exception] = []
    for scenario in scenarios:
        try:
            prepared.append(planning(scenario, limits))
        except Exception as e:  # noqa: BLE001 - one person's error is theirs, never the batch's
            prepared.append(e)
    from .columnar import solve_many  # numpy: only for many people, `import planner` stays quick

    ready = [p for p in prepared if isinstance(p, Planning)]
    try:
        solutions = iter(solve_many([p.problem for p in ready]))
    except Exception:  # noqa: BLE001 - never expected; each person is then solved alone
        solutions = iter([None] * len(ready))
    out: list[Plan | Exception] = []
    for p in prepared:
        if isinstance(p, Exception):
            out.append(p)
            continue
        try:
            solution = next(solutions)
            out.append(p.plan(solution or solve(*p.problem), periods))
        except Exception as e:  # noqa: BLE001
            out.append(e)
    return out


def elections_in_force(scenario: Scenario, paychecks: Paychecks) -> tuple[list[int], list[int]]:
    """Per row still to be paid: the [[election]] percents in force on its date (0 before any)."""
    deferral, after_tax = [], []
    for i in paychecks.future:
        current = [e for e in scenario.elections if e.start <= paychecks.dates[i]]
        e = current[-1] if current else Election(paychecks.dates[i], 0, 0)
        bonus = paychecks.kinds[i] == "bonus" and scenario.plan.separate_bonus_election
        d = e.bonus_deferral_pct if bonus and e.bonus_deferral_pct is not None else e.deferral_pct
        a = e.bonus_after_tax_pct if bonus and e.bonus_after_tax_pct is not None else e.after_tax_pct
        deferral.append(d)
        after_tax.append(a)
    return deferral, after_tax


def check(scenario: Scenario | dict | str | Path, limits: dict | str | Path | None = None) -> Plan:
    """Simulate the scenario's [[election]] entries as given: no solving."""
    scenario, year_limits, paychecks, rules, cash = _prepare(scenario, limits)
    if not scenario.elections:
        raise PlannerError("election", "check simulates the elections in force: give them as [[election]] "
                                       "entries (from, deferral_pct, after_tax_pct)")
    eligible = [paychecks.eligible[i] for i in paychecks.future]
    deferral, after_tax = elections_in_force(scenario, paychecks)
    simulation = simulate(rules, eligible, deferral, after_tax)
    # the match the same deferral dollars earn when placed to keep it: the solver's placement
    same_dollars = solve(rules, _goal_of(scenario, simulation), schedule_of(scenario, paychecks), eligible)
    match_lost = max(same_dollars.simulation.totals["match"] - simulation.totals["match"], 0)
    if scenario.plan.match_true_up and match_lost <= len(eligible):
        match_lost = 0  # the true-up pays the year's formula: cents of per-paycheck rounding are no loss
    return build_plan("check", scenario, year_limits, rules, paychecks, deferral, after_tax,
                      simulation, [], match_lost=match_lost, cash=cash)


def _goal_of(scenario: Scenario, simulation):
    from dataclasses import replace

    kept = simulation.totals["deferral"] - simulation.totals["excess_deferral"]
    return replace(scenario.goal, deferral=kept, after_tax=0, strategy="even")
