"""Find percentage elections that reach the goals without crossing a limit.

Priorities (the issue's order): (1) deferral up to the goal, (2) all the match that
deferral can earn, (3) after-tax up to the goal or the room left, then (4) as few
election changes as possible.

The method is "propose, then let payroll judge": a handful of candidate schedules is
built on the percent grid (a level for every pay date), each is run through `simulate`,
exactly as payroll would run it, and the best valid one wins. Candidates are a base
schedule (one even level, or front-loaded: as much as the caps allow early, the full-match
minimum after) plus one more step on a run of leading or trailing paychecks, which lands
within one step of one paycheck of any target, or exactly on it when an auto-stop cuts
the last paycheck. Deferral is solved first, then after-tax in the room it leaves.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from itertools import compress
from typing import NamedTuple, Sequence

from .cashflow import Cash
from .match import full_match_pct, most_on
from .money import dollars, pct_of, pct_value
from .rules import YearRules
from .scenario import MAX, Goal
from .simulate import Simulation, simulate

MAX_TIED = 8  # equally good deferral schedules carried into the after-tax stage


class _Option(NamedTuple):
    """An after-tax schedule on top of one of the tied deferral schedules."""

    after_tax: int  # predicted elected after-tax, cents
    target: int
    d_levels: list[int]
    d_sim: Simulation
    a_levels: list[int]
    a_hi: list[int]
    a_plan_hi: list[int]


class _built_when_read:
    """A lazy attribute: built by the decorated method on first read, then a plain instance
    attribute. (functools.cached_property writes to __dict__, which in CPython makes every
    later attribute read of the instance slower; setattr keeps them fast.)"""

    def __init__(self, build):
        self.build, self.name = build, build.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.build(instance)
        setattr(instance, self.name, value)
        return value


class Schedule:
    """Election groups: the rows of one pay date share one election, except bonuses of a
    plan that takes a separate bonus election, which form groups of their own.

    What the columnar solver reads (group_of_row, regular, len) is built up front; the
    rest when the scalar solver first asks for it."""

    def __init__(self, group_of_row: Sequence[int], bonus_only: Sequence[bool], eligible: list[int],
                 full: Sequence[bool]):
        """`group_of_row` numbers each row's group in order of first appearance;
        `bonus_only` marks the groups outside the pay election's sequence (a separate bonus
        election); `full` marks the regular rows whose base pay is all eligible (not cut at
        401(a)(17)). The sequences may be tuples shared by everyone of one pay calendar:
        they are only read."""
        self.group_of_row, self.bonus_only, self.eligible = group_of_row, bonus_only, eligible
        self.regular = [False] * len(bonus_only)  # a whole regular paycheck
        for g in compress(group_of_row, full):
            self.regular[g] = True
        self._amounts: dict[tuple[int, int], int] = {}

    @_built_when_read
    def rows_by_group(self) -> list[list[int]]:
        rows: list[list[int]] = [[] for _ in self.bonus_only]
        for row, g in enumerate(self.group_of_row):
            rows[g].append(row)
        return rows

    @_built_when_read
    def pay(self) -> list[list[int]]:
        """Eligible cents of each group's rows."""
        return [[self.eligible[row] for row in rows] for rows in self.rows_by_group]

    @_built_when_read
    def live(self) -> list[bool]:
        return [sum(p) > 0 for p in self.pay]

    @_built_when_read
    def all_live(self) -> bool:
        return all(self.live)

    @_built_when_read
    def sequence(self) -> list[int]:
        """Pay dates with eligible pay whose election is one of the pay election's sequence."""
        return [g for g, (live, bonus) in enumerate(zip(self.live, self.bonus_only)) if live and not bonus]

    @_built_when_read
    def whole_sequence(self) -> bool:
        return len(self.sequence) == len(self)

    def __len__(self) -> int:
        return len(self.bonus_only)

    def amount(self, g: int, level: int) -> int:
        key = (g, level)
        found = self._amounts.get(key)
        if found is None:
            found = self._amounts[key] = sum(pct_of(level, cents) for cents in self.pay[g])
        return found

    def total(self, levels: list[int]) -> int:
        return sum(map(self.amount, range(len(levels)), levels))

    def rows(self, levels: list[int]) -> list[int]:
        return list(map(levels.__getitem__, self.group_of_row))

    def rows_of(self, g: int) -> list[int]:
        return self.rows_by_group[g]

    def paid(self, g: int) -> bool:
        return self.live[g]

    def step_of_largest_paycheck(self, step: int) -> int:
        """One step of the largest pay date: a shortfall below it is the grid's, not a constraint's."""
        return max((self.amount(g, step) for g in range(len(self)) if self.live[g]), default=0)

    def step_of_smallest_paycheck(self, step: int) -> int:
        """One step of the smallest regular paycheck (a whole one: not a small bonus, nor the
        one the 401(a)(17) limit cuts short): the precision the grid allows."""
        regular = [self.amount(g, step) for g in range(len(self)) if self.live[g] and self.regular[g]]
        return min(regular or [self.amount(g, step) for g in range(len(self)) if self.live[g]], default=0)

    def carry_over(self, levels: list[int], keep=frozenset()) -> list[int]:
        """Groups without eligible pay keep the pay election before them (no change needed);
        groups in `keep` (pinned by an election lag) keep their own."""
        out = list(levels)
        if self.all_live:  # nothing to carry (the usual year: no date without eligible pay)
            return out
        previous = out[self.sequence[0]] if self.sequence else 0
        in_sequence = set(self.sequence)
        for g in range(len(out)):
            if g in in_sequence or g in keep:
                previous = out[g]
            elif not self.live[g]:
                out[g] = previous
        return out


@dataclass  # not frozen: a frozen dataclass takes several times as long to build
class Solution:
    deferral_pct: list[int]  # per row still to be paid, PCT_SCALE units
    after_tax_pct: list[int]
    simulation: Simulation
    warnings: list[str]


def solve(rules: YearRules, goal: Goal, schedule: Schedule, eligible: list[int],
          fixed: dict[int, tuple[int, int]] | None = None, cash: Cash | None = None) -> Solution:
    """`fixed` maps groups whose elections cannot change any more (an election lag) to
    their (deferral, after-tax) levels; `cash` holds the take-home floor, if any."""
    solver = _Solver(rules, goal, schedule, eligible, fixed or {}, cash)
    chosen, sim = solver.choose(solver.after_tax_options(solver.deferral_schedules()))
    return Solution(schedule.rows(chosen.d_levels), schedule.rows(chosen.a_levels), sim, solver.warnings(chosen, sim))


class _Solver:
    """One plan's search: the bounds of every pay date, and the judge of candidates."""

    def __init__(self, rules: YearRules, goal: Goal, schedule: Schedule, eligible: list[int],
                 fixed: dict[int, tuple[int, int]], cash: Cash | None):
        self.rules, self.goal, self.schedule, self.eligible, self.fixed = rules, goal, schedule, eligible, fixed
        # with [taxes] net pay is known, and no paycheck can pay out more than it has: the
        # floor is goal.min_net_pay, or $0 when none is set
        self.cash = cash
        self.step = rules.plan.pct_step
        self.front = goal.strategy == "front-load"
        n = len(schedule)
        self.d_lo, self.a_lo = self.pinned([0] * n, 0), self.pinned([0] * n, 1)
        # what the year holds without new money ([ytd], lagged elections): no plan can undo it
        self.baseline = self.run(self.d_lo, self.a_lo)
        self.baseline_short = self.below_floor(self.baseline)
        self.roth = rules.roth_deferrals or (rules.roth_catch_up and rules.catch_up_limit > 0)  # saves no tax

    def pinned(self, levels: list[int], which: int) -> list[int]:
        return [self.fixed[g][which] if g in self.fixed else level for g, level in enumerate(levels)]

    def run(self, d_levels: list[int], a_levels: list[int]) -> Simulation:
        return simulate(self.rules, self.eligible, self.schedule.rows(d_levels), self.schedule.rows(a_levels))

    def below_floor(self, sim: Simulation) -> int:
        if self.cash is None:
            return 0
        net = [self.cash.net(r, *c) for r, c in enumerate(zip(sim.pretax, sim.roth, sim.after_tax))]
        return self.cash.covered(net)[0]

    def valid(self, sim: Simulation) -> bool:
        """Crosses no limit, goal or floor that the year without new money does not already cross."""
        t, b, goal = sim.totals, self.baseline.totals, self.goal
        return (
            t["excess_deferral"] <= b["excess_deferral"]
            and t["excess_annual_additions"] <= b["excess_annual_additions"]
            and t["excess_after_tax_cap"] <= b["excess_after_tax_cap"]
            and (goal.deferral == MAX or t["deferral"] <= max(goal.deferral, b["deferral"]))
            and (goal.after_tax == MAX or t["after_tax"] <= max(goal.after_tax, b["after_tax"]))
            and self.below_floor(sim) <= self.baseline_short
        )

    def preference(self, amounts: list[int], changes: int) -> tuple:
        """Among equals: the earliest money (per pay date) for front-load, then the fewest changes."""
        return (tuple(amounts), -changes) if self.front else (-changes,)

    def group_amounts(self, rows: list[int]) -> list[int]:
        return [sum(rows[r] for r in self.schedule.rows_of(g)) for g in range(len(self.schedule))]

    def floor_capped(self, hi: list[int], other: list[int], stream: str) -> list[int]:
        if self.cash is None:
            return hi
        return _floor_caps(self.schedule, self.cash, self.eligible, hi, other, stream, self.roth, self.step,
                           self.fixed)

    # ---- (1) and (2): deferral, then the match it earns
    def deferral_schedules(self) -> list[tuple[list[int], Simulation]]:
        """The best deferral schedules, all equally good on (deferral, match)."""
        rules, goal, plan, step, schedule = self.rules, self.goal, self.rules.plan, self.step, self.schedule
        target = rules.deferral_room if goal.deferral == MAX else max(goal.deferral - rules.ytd_deferral, 0)
        self.d_target = target = min(target, rules.deferral_room)
        self.d_plan_hi = self.pinned([round_down(min(plan.max_deferral_pct, plan.max_total_pct), step)]
                                     * len(schedule), 0)
        self.d_hi = self.floor_capped(self.d_plan_hi, self.a_lo, "deferral")
        scored = self.deferrals_near(target)
        if not scored and target > 0:
            # nothing near the room fits: with pay this low, 415(c)'s "100 % of pay" binds
            # first (deferral + match <= pay); find the largest target that fits
            low, high, grain = 0, target, max(schedule.step_of_smallest_paycheck(step), 1)
            while high - low > grain:
                mid = (low + high) // 2
                found = self.deferrals_near(mid)
                low, high, scored = (mid, high, found) if found else (low, mid, scored)
        top = max((key for key, _, _ in scored), default=None)
        # equally good deferrals: the after-tax stage picks the one whose change dates suit it
        tied = sorted(((lv, sim) for key, lv, sim in scored if key == top), reverse=True,
                      key=lambda ls: (self.preference(self.group_amounts(ls[1].deferral), _changes(schedule, ls[0])),
                                      ls[1].totals["match"]))
        return tied[:MAX_TIED] or [(self.d_lo, self.baseline)]

    def deferrals_near(self, target: int) -> list[tuple[tuple[int, int], list[int], Simulation]]:
        """Valid deferral schedules near `target`, scored by (deferral within the grid's precision, match, deferral)."""
        goal, plan, step, schedule, rules, hi = self.goal, self.rules.plan, self.step, self.schedule, self.rules, self.d_hi
        match_min = 0 if plan.match_true_up else round_up(full_match_pct(rules.match), step)
        stops = plan.auto_stop_deferral or plan.spillover_to_after_tax
        stop_room = rules.deferral_limit + rules.catch_up_limit - rules.ytd_deferral
        exact = stops and stop_room == target  # payroll cuts the last paycheck exactly at the target
        bases = _bases(schedule, self.d_lo, hi, target, step, goal.strategy, match_min)
        unmatched_catch_up = min(rules.catch_up_limit, target)
        if unmatched_catch_up and not plan.match_catch_up and not plan.match_true_up:
            # catch-up is the last money deferred; put it on the last paychecks so every
            # earlier paycheck still carries matched deferral
            bases += [_back_loaded(schedule, base, hi, target, step, exact)
                      for base in _bases(schedule, self.d_lo, hi, target - unmatched_catch_up, step, goal.strategy,
                                         match_min)]
        # what payroll will defer is known without simulating: the elected total, cut at the
        # auto-stop; so simulate only the candidates that would defer the most, then the next
        by_deferral: dict[int, list[list[int]]] = {}
        below: list[tuple[list[int], int]] = []  # short of an exact target: (levels, elected total)
        for levels, total in _candidates(schedule, hi, step, bases, self.fixed.keys()):
            if total <= target:
                by_deferral.setdefault(total, []).append(levels)
                if exact and total < target:
                    below.append((levels, total))
            elif exact:
                by_deferral.setdefault(target, []).append(levels)
        # deferral within one step of the smallest regular paycheck of the best is the grid's precision,
        # not a goal missed: among those, more match wins (priority 2) before cents of deferral;
        # an auto-stop that cuts exactly at the target leaves no such slack
        slack = 0 if exact else max(schedule.step_of_smallest_paycheck(step) - 1, 0)
        scored = self.score(by_deferral, slack)
        # the paycheck the auto-stop cuts keeps only what is left of the room, which may be
        # less than its match needs (a short last paycheck at the 401(a)(17) limit): then try
        # the schedules short of the target with their last pay date raised until the cut
        # falls there, leaving it all the room has left
        last = next((g for g in reversed(schedule.sequence) if g not in self.fixed), None)
        if below and match_min and last is not None and self.cut_short(scored, last):
            topped = []
            for levels, total in below:
                if target - total + schedule.amount(last, levels[last]) >= schedule.amount(last, match_min):
                    level = _lowest_reaching(schedule, last, levels[last], hi[last], target - total, step)
                    if level is not None:
                        topped.append(schedule.carry_over(levels[:last] + [level] + levels[last + 1:],
                                                          self.fixed.keys()))
            scored += self.score({target: topped}, slack)
        if not scored:
            return []
        enough = max(d for d, _, _, _ in scored) - slack
        # with a true-up the year's match is the formula on the year: what per-paycheck
        # rounding adds above it (half a cent a paycheck) must not outweigh the strategy
        m_enough = max(m for _, m, _, _ in scored) - (len(schedule) if plan.match_true_up else 0)
        return [((min(d, enough), min(m, m_enough), d), levels, sim) for d, m, levels, sim in scored]

    def score(self, by_deferral: dict[int, list[list[int]]], slack: int) -> list[tuple]:
        """(deferral, match, levels, simulation) of the valid schedules, most deferral first,
        down to `slack` below the most that is valid."""
        scored, best = [], None
        for deferral in sorted(by_deferral, reverse=True):
            if best is not None and deferral < best - slack:
                break
            for levels in by_deferral[deferral]:
                sim = self.run(levels, self.a_lo)
                if self.valid(sim):
                    best = deferral if best is None else best
                    scored.append((sim.totals["deferral"], sim.totals["match"], levels, sim))
        return scored

    def cut_short(self, scored: list[tuple], g: int) -> bool:
        """Whether the best of `scored` pays pay date g less than its full match."""
        if not scored:
            return False
        sim = max(scored, key=lambda s: (s[0], s[1]))[3]
        rows = self.schedule.rows_of(g)
        most = sum(most_on(self.rules.match, self.eligible[r]) for r in rows)
        return sum(sim.match[r] for r in rows) + len(rows) < most

    # ---- (3): after-tax in the room each deferral leaves
    def after_tax_options(self, deferrals: list[tuple[list[int], Simulation]]) -> list[_Option]:
        rules, goal, plan, step, schedule = self.rules, self.goal, self.rules.plan, self.step, self.schedule
        options = []
        for d_levels, d_sim in deferrals:
            t = d_sim.totals
            room = rules.annual_additions_limit - t["annual_additions"]
            if rules.after_tax_cap:
                room = min(room, rules.after_tax_cap - t["after_tax"])
            if goal.after_tax != MAX:
                room = min(room, goal.after_tax - t["after_tax"])
            # payroll's after-tax auto-stop cuts at 415(c) or the plan's cap, never at a dollar goal
            payroll_cuts_at_target = plan.auto_stop_after_tax and (
                goal.after_tax == MAX or goal.after_tax - t["after_tax"] > room)
            target = max(room, 0) + schedule.total(self.a_lo)  # candidates' totals hold the pinned after-tax
            plan_hi = self.pinned([min(round_down(plan.max_after_tax_pct, step),
                                       round_down(plan.max_total_pct - d, step)) for d in d_levels], 1)
            hi = self.floor_capped(plan_hi, d_levels, "after_tax")
            bases = _bases(schedule, self.a_lo, hi, target, step, goal.strategy, 0)
            for a_levels, total in _candidates(schedule, hi, step, bases, self.fixed.keys()):
                # payroll would cut what is over; the pinned schedule stays possible whatever it holds
                if total <= target or payroll_cuts_at_target or a_levels == self.a_lo:
                    options.append(_Option(min(total, target), target, d_levels, d_sim, a_levels,
                                           hi, plan_hi))
        return options

    # ---- (4): the fewest changes among options close enough to the best
    def choose(self, options: list[_Option]) -> tuple[_Option, Simulation]:
        best = max(o.after_tax for o in options)
        # within one step of one paycheck of the room, fewer changes beat a few more dollars
        close = 0 if self.rules.plan.auto_stop_after_tax else max(
            self.schedule.step_of_smallest_paycheck(self.step) - 1, 0)
        enough = min(best, max(o.target for o in options) - close)
        # close enough: by preference; short of it: by amount first (a later one may be invalid)
        def amounts(o: _Option) -> list[int]:  # deferral as payroll takes it, after-tax as elected
            return [d + self.schedule.amount(g, a) for g, (d, a) in
                    enumerate(zip(self.group_amounts(o.d_sim.deferral), o.a_levels))] if self.front else []

        def changes(o: _Option) -> int:
            return _changes(self.schedule, list(zip(o.d_levels, o.a_levels)))

        # the order is (amount up to enough, preference, amount), all descending; the
        # preference is only worked out for the options of an amount that is tried
        tiers: dict[int, list[_Option]] = {}
        for o in options:
            tiers.setdefault(min(o.after_tax, enough), []).append(o)
        for tier in sorted(tiers, reverse=True):
            group = sorted(tiers[tier], key=lambda o: (self.preference(amounts(o), changes(o)), o.after_tax),
                           reverse=True)
            for option in group:
                sim = self.run(option.d_levels, option.a_levels)
                if self.valid(sim):
                    return option, sim
        # nothing new fits (a re-plan already over a limit): keep what is pinned
        option = group[-1]._replace(a_levels=self.a_lo)
        return option, option.d_sim

    def warnings(self, chosen: _Option, sim: Simulation) -> list[str]:
        rules, schedule = self.rules, self.schedule
        d_unused = self.d_target - (sim.totals["deferral"] - rules.ytd_deferral)
        a_unused = chosen.target - (sim.totals["after_tax"] - chosen.d_sim.totals["after_tax"]
                                    + schedule.total(self.a_lo))
        paid = [g for g in range(len(schedule)) if schedule.paid(g) and g not in self.fixed]
        return shortfalls(rules, self.cash, d_unused, binding(chosen.d_levels, self.d_hi, self.d_plan_hi, paid),
                           a_unused, binding(chosen.a_levels, chosen.a_hi, chosen.a_plan_hi, paid),
                           max(chosen.d_levels, default=0), schedule.step_of_largest_paycheck(self.step),
                           rules.annual_additions_limit - sim.totals["annual_additions"])


def round_down(pct: int, step: int) -> int:
    return max(pct, 0) // step * step


def round_up(pct: int, step: int) -> int:
    return -(-pct // step) * step


def _changes(schedule: Schedule, levels: list) -> int:
    """Election changes after the first: level switches between pay dates with eligible pay."""
    live = levels if schedule.whole_sequence else [levels[g] for g in schedule.sequence]
    return sum(map(operator.ne, live, live[1:]))


def _bases(schedule: Schedule, lo: list[int], hi: list[int], target: int, step: int, strategy: str,
           floor: int) -> list:
    """Base schedules within `target`: one even level, and for front-load, caps first with
    `floor` (the least that keeps the full match) after."""
    bases = [_even(schedule, lo, hi, target, step)]
    if strategy == "front-load":
        front = _front_loaded(schedule, [min(max(floor, l), h) for l, h in zip(lo, hi)], hi, target, step)
        if front is not None:
            bases.insert(0, front)
    return bases


def _candidates(schedule: Schedule, hi: list[int], step: int, bases: list, keep=frozenset()):
    """(levels, elected total) for each base, then with one step more on a run of leading or
    trailing pay dates, of every length."""
    n = len(schedule)
    seen = set()
    for base in bases:
        base = schedule.carry_over(base, keep)
        base_total = schedule.total(base)
        upgradable = [g for g in range(n) if schedule.paid(g) and g not in keep and base[g] + step <= hi[g]]
        for order in (upgradable, upgradable[::-1]):
            levels, total = list(base), base_total
            for k in range(len(order) + 1):
                if k:
                    g = order[k - 1]
                    total += schedule.amount(g, base[g] + step) - schedule.amount(g, base[g])
                    levels[g] += step
                candidate = schedule.carry_over(levels, keep)  # pay dates without pay change nothing
                if tuple(candidate) not in seen:
                    seen.add(tuple(candidate))
                    yield candidate, total


def _even(schedule: Schedule, lo: list[int], hi: list[int], target: int, step: int) -> list[int]:
    """The highest single level (clipped to each date's bounds) whose total stays within target."""

    def levels(k: int) -> list[int]:
        return [min(max(k * step, low), high) for low, high in zip(lo, hi)]

    low, high = 0, max(hi, default=0) // step
    while low < high:
        mid = (low + high + 1) // 2
        if schedule.total(levels(mid)) <= target:
            low = mid
        else:
            high = mid - 1
    return levels(low)


def _front_loaded(schedule: Schedule, lo: list[int], hi: list[int], target: int, step: int):
    """Each date at its cap in date order while the target allows, then `lo` (the least that
    keeps the full match); None when even `lo` everywhere is over the target."""
    levels = list(lo)
    total = schedule.total(levels)
    if total > target:
        return None
    for g in range(len(levels)):
        room = target - total + schedule.amount(g, lo[g])
        level = _first_within(schedule, g, hi[g], lo[g], room, step)
        total += schedule.amount(g, level) - schedule.amount(g, lo[g])
        levels[g] = level
        if level < hi[g]:
            break
    return levels


def _lowest_reaching(schedule: Schedule, g: int, level: int, hi: int, more: int, step: int) -> int | None:
    """The lowest level above `level`, up to `hi`, that adds at least `more` to pay date g; None if none does."""
    base = schedule.amount(g, level)
    if schedule.amount(g, hi) - base < more:
        return None
    low, high = level // step, hi // step  # amount(low) falls short, amount(high) reaches
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if schedule.amount(g, mid * step) - base >= more else (mid, high)
    return high * step


def _back_loaded(schedule: Schedule, base: list[int], hi: list[int], target: int, step: int,
                 cut: bool) -> list[int]:
    """`base`, with the last pay dates raised to their cap, latest first, until the target is
    met: passed by up to a step where payroll `cut`s at the target, else never passed."""
    levels = list(base)
    total = schedule.total(levels)
    for g in reversed(range(len(levels))):
        if total >= target:
            break
        room = target - total + schedule.amount(g, levels[g])
        level = _first_reaching(schedule, g, levels[g], hi[g], room, step)
        if not cut and level > levels[g] and schedule.amount(g, level) > room:
            level -= step
        total += schedule.amount(g, level) - schedule.amount(g, levels[g])
        levels[g] = level
    return levels


def _first_reaching(schedule: Schedule, g: int, level: int, hi: int, room: int, step: int) -> int:
    """The first of level, level + step, ... (up to hi) whose amount on pay date g reaches
    `room`, else the last of them."""
    k = _first_step(max((hi - level) // step, 0), lambda k: schedule.amount(g, level + k * step) >= room)
    return level + k * step


def _first_within(schedule: Schedule, g: int, level: int, lo: int, room: int, step: int) -> int:
    """The first of level, level - step, ... whose amount on pay date g is within `room`,
    or else the first at or below lo."""
    k = _first_step(max(-(-(level - lo) // step), 0), lambda k: schedule.amount(g, level - k * step) <= room)
    return level - k * step


def _first_step(count: int, reached) -> int:
    """The first k of 0..count with reached(k), which stays true once true (amounts move
    with the level one way), else count: a binary search, where a walk of one step at a
    time would take a million steps at a 0.0001 % step."""
    low, high = 0, count
    while low < high:
        mid = (low + high) // 2
        low, high = (low, mid) if reached(mid) else (mid + 1, high)
    return low


def binding(levels: list[int], hi: list[int], plan_hi: list[int], paid: list[int]) -> str | None:
    """What stops more money: "floor" or "plan" when every paycheck is at its cap, else None."""
    if not paid or any(levels[g] < hi[g] for g in paid):
        return None
    return "floor" if any(hi[g] < plan_hi[g] for g in paid) else "plan"


def shortfalls(rules, cash, d_unused, d_binds, a_unused, a_binds, top_deferral, close, additions_left) -> list[str]:
    """Plain sentences for goals the plan cannot reach, naming the constraint that binds."""
    plan = rules.plan
    out = []
    floor = "" if cash is None else (f"the ${dollars(cash.floor):,.2f} take-home floor (goal.min_net_pay)" if cash.floor
                                     else "net pay, which cannot go below $0 (the paycheck would not cover it)")
    if d_unused > 0 and d_binds:
        cap = floor if d_binds == "floor" else (
            f"the plan's maximum of {pct_value(min(plan.max_deferral_pct, plan.max_total_pct))}% per paycheck")
        out.append(f"Deferral goal not reached: {cap} binds; ${dollars(d_unused):,.2f} of deferral room is left unused.")
    if rules.deferral_room == 0 and rules.other_employer_deferral and not rules.ytd_deferral:
        out.append("No deferral room is left: deferrals at an earlier employer used the 402(g) limit, "
                   "so this plan can earn no match.")
    if d_unused > close and not d_binds and rules.deferral_room:
        limit = "limit of the year's pay" if rules.additions_limited_by_pay else "annual-additions limit"
        why = (f"the 415(c) {limit} (${dollars(rules.annual_additions_limit):,.2f}) binds"
               if additions_left <= close else "the paychecks left have too little eligible pay")
        out.append(f"Deferral goal not reached: {why}; ${dollars(d_unused):,.2f} of deferral room is left unused.")
    if a_unused > close and not a_binds:
        out.append(f"After-tax goal not reached: the paychecks left have too little eligible pay; "
                   f"${dollars(a_unused):,.2f} of room is left unused.")
    if a_unused > 0 and a_binds:
        if a_binds == "floor":
            cap = floor
        else:
            total_binds = plan.max_after_tax_pct > plan.max_total_pct - top_deferral
            which, pct = ("total", plan.max_total_pct) if total_binds else ("after-tax", plan.max_after_tax_pct)
            cap = f"the plan's maximum {which} contribution of {pct_value(pct)}% per paycheck"
        out.append(f"After-tax goal not reached: {cap} binds; ${dollars(a_unused):,.2f} of room is left unused.")
    return out


def _floor_caps(schedule: Schedule, cash: Cash, eligible: list[int], hi: list[int], other: list[int],
                stream: str, roth: bool, step: int, fixed: dict) -> list[int]:
    """Per pay date, the highest level of `stream` ("deferral" or "after_tax"), given the
    other stream's levels, that keeps every regular paycheck at or above the take-home
    floor and every paycheck at or above $0; RSU proceeds, where the goal allows, cover the
    floor (never $0) on the earliest paychecks after the vest (a front-loader's use of them)."""
    caps, pool = [], 0
    for g in range(len(schedule)):
        rows = schedule.rows_of(g)

        def short(level: int) -> tuple[int, int]:
            """(below $0, below the floor) of the pay date's rows at `level`."""
            d_level, a_level = (level, other[g]) if stream == "deferral" else (other[g], level)
            hard = soft = 0
            for r in rows:
                d = pct_of(d_level, eligible[r])
                below_zero, below_floor = cash.shortfall(
                    r, cash.net(r, 0 if roth else d, d if roth else 0, pct_of(a_level, eligible[r])))
                hard, soft = hard + below_zero, soft + below_floor
            return hard, soft

        cap = hi[g]
        if g not in fixed:
            allowed = pool if cash.use_proceeds else 0
            low, high = 0, hi[g] // step  # the highest grid level whose shortfall the cash covers
            while low < high:
                mid = (low + high + 1) // 2
                hard, soft = short(mid * step)
                low, high = (mid, high) if not hard and soft <= allowed else (low, mid - 1)
            cap = low * step
        pool += sum(cash.proceeds(r) for r in rows) - (short(cap)[1] if cash.use_proceeds else 0)
        caps.append(cap)
    return caps
