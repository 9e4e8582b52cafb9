"""The solver for many people at once: for the scenarios a batch mostly holds, `solve_many`
gives exactly the Solution `solver.solve` gives each person, computed as numpy arrays of
people x candidates x paychecks instead of a loop over one person's candidate schedules.

It is the same method, step for step (read solver.py first): the same base schedules on
the percent grid, the same candidates (one step more on a run of leading or trailing pay
dates), the same scores, the same tie order (generation order, kept by stable sorts), the
same choice of after-tax option. What makes it cheap:
- Payroll without [taxes], [ytd] or a lag is closed-form: deferral is the running sum of
  the elected amounts cut at the auto-stop, catch-up and excess are bands of that running
  sum, the match is per row (bands of pay) or a curve of the running sum (bands of dollars).
- A candidate is its base with one step more on a run of pay dates, so what the scoring
  needs of it (totals, payroll's sums, election changes) are sums over its run: prefix sums
  of the base, read at the run's ends, never a candidate's own levels (`run_payroll`,
  `run_changes`); levels are built only for the few schedules carried on.
- After-tax never feeds back into deferral or match there, so an after-tax option is
  valid exactly when the solver keeps it (within the room, or cut by payroll's auto-stop),
  and the first option in the solver's order is its choice, with no simulation at all.
- The searches for a level (the even base, a back-loaded pay date's) start from bounds: an
  amount is within half a cent a row of level x pay, so few levels are tried.
- The chosen schedules' payroll is the same closed form, for the whole chunk at once: each
  person's Simulation is read off those arrays (tests compare it with `simulate`'s).
The short last paycheck the auto-stop cuts below its match is topped up as the solver
does. People outside all this (see `fits`), or where a rare path of the solver would run
(nothing valid near the target), get None: the caller plans them with `solver.solve`.
"""

from __future__ import annotations

import itertools
from functools import lru_cache, partial

import numpy as np

from .match import full_match_pct
from .money import PCT_SCALE, RATE_SCALE
from .scenario import MAX
from .simulate import ROW_FIELDS, Simulation
from .solver import MAX_TIED, Solution, round_down, round_up, shortfalls

PCT_DEN = 100 * PCT_SCALE  # percent units x cents -> cents
CHUNK = 1024  # people solved together: large enough to amortise numpy's per-call cost
INT64_SAFE = 2 ** 62
EVERYONE = slice(None)  # the chunk's people, in order


def fits(rules, goal, fixed, cash) -> bool:
    """Whether `solve_many` can plan this person's kind of year (it may still give None:
    a pay date with two bonuses, no pay at all, or pay too large for exact int64 sums)."""
    return _fits_person(rules, goal, fixed, cash) and _fits_plan(rules.plan, rules.match, rules.match_greater_of)


def _fits_person(rules, goal, fixed, cash) -> bool:
    return not (cash is not None or fixed or goal.strategy != "even" or rules.after_tax_cap or rules.ytd_deferral
                or rules.ytd_after_tax or rules.ytd_match or rules.other_employer_deferral)


def _fits_plan(plan, tiers, greater_of) -> bool:
    return not (plan.match_true_up or plan.spillover_to_after_tax or plan.match_annual_cap
                or plan.separate_bonus_election) and _largest_pay(tiers, greater_of) > 0


@lru_cache(maxsize=256)
def _largest_pay(tiers, greater_of) -> int:
    """The largest paycheck (cents) whose sums stay exact in int64 (they reach rate x band x
    pay); 0 for a formula that mixes bands of pay and of dollars (the scalar solver's)."""
    pay_bands = [t.up_to_pct is not None for t in tiers + greater_of]
    if any(pay_bands) and (not all(pay_bands) or greater_of):
        return 0
    weight, low = 0, 0
    for t in tiers:
        if t.up_to_pct is not None:
            weight += t.rate * (t.up_to_pct - low)
            low = t.up_to_pct
    dollars = [t.up_to_dollars for t in tiers + greater_of if t.up_to_pct is None]
    rates = [t.rate for t in tiers + greater_of]
    if max(dollars + [0]) * max(rates + [0]) * 4 >= INT64_SAFE:
        return 0
    return min((INT64_SAFE - PCT_DEN * RATE_SCALE) // (2 * max(weight, 1)), INT64_SAFE // (200 * PCT_SCALE)) - 1


@lru_cache(maxsize=16)
def _hash_weights(dates: int):
    """Random weights of pay dates for `repeats`' hash (any do: equal hashes are checked)."""
    weights = np.random.default_rng(7).integers(1, 2 ** 61, dates, dtype=np.int64)
    weights.flags.writeable = False  # shared by every chunk
    return weights


def solve_many(problems: list[tuple]) -> list[Solution | None]:
    """`problems` are solve()'s arguments (rules, goal, schedule, eligible, fixed, cash) per
    person; the answer is each person's Solution, or None where solver.solve must plan them."""
    out: list[Solution | None] = [None] * len(problems)
    # grouped by the plan and formula objects first: hashing their dataclasses costs more
    # than the rest of the grouping, and people mostly share them
    by_object: dict = {}
    for i, (rules, goal, _schedule, _eligible, fixed, cash) in enumerate(problems):
        if _fits_person(rules, goal, fixed, cash):
            by_object.setdefault((id(rules.plan), id(rules.match), id(rules.match_greater_of)), []).append(i)
    by_plan: dict = {}
    for people in by_object.values():
        rules = problems[people[0]][0]
        if _fits_plan(rules.plan, rules.match, rules.match_greater_of):
            by_plan.setdefault((rules.plan, rules.match, rules.match_greater_of), []).extend(people)
    for people in by_plan.values():
        people.sort()  # in input order, as they came
        for start in range(0, len(people), CHUNK):
            chunk = people[start:start + CHUNK]
            for i, solution in zip(chunk, _Chunk([problems[i] for i in chunk]).solve()):
                out[i] = solution
    return out


def _pct(level, pay):
    """pct_of on arrays: percent units x cents, half-up to the cent."""
    return (level * pay * 2 + PCT_DEN) // (2 * PCT_DEN)


# numpy's diff and take_along_axis are several times slower on short rows than the same
# work on the flat array, and so is picking rows by an index array than `take`: these do it so

def _steps(running):
    """np.diff(running, axis=-1, prepend=0) of a 2-D array."""
    flat = np.ascontiguousarray(running).reshape(-1)
    out = np.empty_like(flat)
    out[0] = flat[0]
    np.subtract(flat[1:], flat[:-1], out=out[1:])
    out = out.reshape(running.shape)
    out[:, 0] = running[:, 0]
    return out


def _rows(values, *index):
    """values[index] for index arrays over its first axes (`take` of the rows they pick)."""
    if len(index) == 2:  # (person, k) of a (P, K, ...) array
        values, index = values.reshape(-1, *values.shape[2:]), (index[0] * values.shape[1] + index[1],)
    return values.take(index[0], axis=0)


def _flat(index, width: int):
    """An index (N, M) into rows of `width` as one into the flat array (N x width,), for take."""
    return (index + width * np.arange(len(index))[:, None]).reshape(-1)


def _along(values, index):
    """np.take_along_axis(values, index, axis=-1) of a 2-D array (index (N, M))."""
    return values.reshape(-1).take(_flat(index, values.shape[1])).reshape(index.shape)


def _prefix(values, width: int):
    """Sums of the first 0..width of each row of `values` (..., width), as (rows, width + 1)."""
    values = values.reshape(-1, width)
    return np.concatenate([np.zeros((len(values), 1), np.int64), np.cumsum(values, axis=1)], axis=1)


def _clip(values, low, high):
    """np.clip, without the cost of its checks (most of its time on short arrays)."""
    return np.minimum(np.maximum(values, low), high)


def _at_most(sums, row, limit):
    """How many of the sums in row `row` of `sums` (rows, W), each row rising from 0, are at
    most `limit` (N,): one binary search over the rows end to end, each lifted past the last."""
    rows, width = sums.shape
    lift = int(sums.max()) + 2
    if rows * lift >= INT64_SAFE:
        return (sums[row] <= limit[:, None]).sum(axis=1)
    lifted = (sums + lift * np.arange(rows)[:, None]).reshape(-1)
    return lifted.searchsorted(_clip(limit, -1, lift - 2) + lift * row, side="right") - width * row


def _div_half_up(numerator, denominator: int):
    return (2 * numerator + denominator) // (2 * denominator)


class _Chunk:
    """People of one plan (same rules and match formula), as padded arrays. Axis order is
    always (person, candidate, pay date or slot). A pay date has at most two rows with
    eligible pay (pay, and a bonus on the same date), `pay_a` and `pay_b`; payroll runs
    over the slots a, b of each date in turn (rows without eligible pay change nothing),
    leaving out the b slots no one in the chunk has (`pay`: (P, slots); `date_of_slot`)."""

    def __init__(self, problems: list[tuple]):
        self.problems = problems
        rules0 = problems[0][0]
        self.plan, self.tiers, self.greater_of = rules0.plan, rules0.match, rules0.match_greater_of
        self.pay_bands = any(t.up_to_pct is not None for t in self.tiers)
        self.step = self.plan.pct_step
        # what each person's rules and goal say, read in one pass (-1: a goal of MAX)
        (sizes, self.dates, self.g402, self.catch_up, self.limit, self.goal_deferral, self.goal_after_tax,
         roth_deferrals, roth_catch_up) = np.array(
            [(len(eligible), len(schedule), r.deferral_limit, r.catch_up_limit, r.annual_additions_limit,
              -1 if g.deferral == MAX else g.deferral, -1 if g.after_tax == MAX else g.after_tax,
              r.roth_deferrals, r.roth_catch_up)
             for r, g, schedule, eligible, _fixed, _cash in problems], np.int64).T.copy()
        self.stop = self.g402 + self.catch_up
        self.roth_deferrals, self.roth_catch_up = roth_deferrals.astype(bool), roth_catch_up.astype(bool)
        P, G = len(problems), int(self.dates.max())  # dates: each person's pay dates
        self.P, self.G = P, G
        # every person's rows, flat: their person, pay date (group) and eligible cents
        person = np.repeat(np.arange(P), sizes)
        ends = np.cumsum(sizes)
        self.rows_of = [slice(start, end) for start, end in zip((ends - sizes).tolist(), ends.tolist())]  # each person's, flat
        group = np.fromiter(itertools.chain.from_iterable(p[2].group_of_row for p in problems), np.int64, len(person))
        cents = np.fromiter(itertools.chain.from_iterable(p[3] for p in problems), np.int64, len(person))
        # a row's place among the rows with eligible pay of its pay date (slot a, b)
        paid = cents > 0
        key = person * G + group
        first = np.concatenate([[True], key[1:] != key[:-1]])
        before = np.cumsum(paid) - paid
        place = before - np.maximum.accumulate(np.where(first, before, 0))
        self.unfit = np.zeros(P, bool)  # left to the scalar solver
        self.unfit[person[paid & (place > 1)]] = True  # a pay date with pay and two bonuses
        self.unfit[person[cents > _largest_pay(self.tiers, self.greater_of)]] = True
        pay = np.zeros((P, G, 2), np.int64)
        ok = paid & (place < 2)
        pay[person[ok], group[ok], place[ok]] = cents[ok]
        self.date_of_row = person * G + group  # flat, into (P, G)
        slot_of_row = np.where(ok, 2 * group + place, 2 * G)  # 2G: a row without eligible pay (always 0)
        self.rows_in = np.bincount(key, minlength=P * G).reshape(P, G)
        self.pay_a, self.pay_b = pay[..., 0], pay[..., 1]
        used = np.stack([np.ones(G, bool), (self.pay_b > 0).any(axis=0)], axis=1).reshape(2 * G)
        slots = np.flatnonzero(used)  # in payroll's order: a, b of each date in turn
        self.pay, self.date_of_slot = pay.reshape(P, 2 * G)[:, slots], slots // 2
        self.paid, self.paid_slots = self.pay.sum(axis=1), (self.pay > 0).sum(axis=1)  # for `even`'s bounds
        self.first_slot = np.flatnonzero(slots % 2 == 0)  # each date's a slot
        compact = np.full(2 * G + 1, len(slots))  # the zero slot stays last
        compact[slots] = np.arange(len(slots))
        self.slot_of_row = person * (len(slots) + 1) + compact[slot_of_row]  # flat, into (P, slots + 1)
        live = (self.pay_a + self.pay_b) > 0
        self.unfit |= ~live.any(axis=1)
        dates = int(self.dates.sum())
        regular = np.zeros(P * G, bool)  # flat: each person's pay dates from the first
        regular[np.arange(dates) + np.repeat(np.arange(P) * G - (np.cumsum(self.dates) - self.dates), self.dates)] = \
            np.fromiter(itertools.chain.from_iterable(p[2].regular for p in problems), bool, dates)
        self.live, self.regular = live, regular.reshape(P, G) & live
        # carry-over source: a pay date without pay keeps the pay election before it (the first one's before any)
        last_live = np.maximum.accumulate(np.where(live, np.arange(G), -1), axis=1)
        first_live = np.argmax(live, axis=1)
        self.carry_src = np.where(live, np.arange(G), np.where(last_live >= 0, last_live, first_live[:, None]))
        # each pay date with pay after the first: the one with pay before it (else the date itself)
        before = np.concatenate([np.full((P, 1), -1), last_live[:, :-1]], axis=1)
        self.previous_live = np.where(live & (before >= 0), before, np.arange(G))

    # ---- amounts on the grid
    def wanted(self, levels, person):
        """(N, G) levels of `person` (N,) -> (N, slots) cents each slot elects, in payroll's order."""
        return _pct(levels[:, self.date_of_slot], _rows(self.pay, person))

    # `people` (N,) say whose rows (N, K, ...) arrays of levels are, where not the chunk's in order
    def pay_of(self, people):
        """(N, 1, slots) pay of `people`, to broadcast over candidates."""
        return (self.pay if people is EVERYONE else _rows(self.pay, people))[:, None, :]

    def amounts(self, levels, people=EVERYONE):
        """(P, K, G) levels -> (P, K, G) cents each pay date elects (its slots added)."""
        slots = _pct(levels[..., self.date_of_slot], self.pay_of(people))
        return slots if slots.shape[-1] == self.G else np.add.reduceat(slots, self.first_slot, axis=-1)

    def totals(self, levels, people=EVERYONE):
        """(P, K, G) levels -> (P, K) cents they elect in all (over the slots: no empty b slot)."""
        return _pct(levels[..., self.date_of_slot], self.pay_of(people)).sum(axis=2)

    def one_step(self):
        """(P, G) cents one step elects on each pay date."""
        return self.amounts(np.full((self.P, 1, self.G), self.step, np.int64))[:, 0]

    def step_of_smallest_paycheck(self, amounts):
        big = np.iinfo(np.int64).max
        regular = np.where(self.regular, amounts, big).min(axis=1)
        live = np.where(self.live, amounts, big).min(axis=1)
        return np.where(self.regular.any(axis=1), regular, live)

    def carry_over(self, levels):
        """(P, G): a pay date without pay keeps the level of the one before it. Only the
        chosen schedule needs it: everything else reads the pay dates with pay alone."""
        return _along(levels, self.carry_src)

    def changes(self, person, *streams):
        """Election changes after the first: pay dates with pay whose levels differ from the
        previous pay date with pay, in any stream; streams are (N, G) of `person` (N,)."""
        previous = _flat(_rows(self.previous_live, person), self.G)
        differ = None
        for s in streams:  # _along(s, previous), the index made once
            step = s != s.reshape(-1).take(previous).reshape(s.shape)
            differ = step if differ is None else differ | step
        return differ.sum(axis=1)

    # ---- the solver's base schedules and candidates
    def even(self, hi, target, people=EVERYONE):
        """solver._even over (P, K): the highest single level within target, clipped to hi.
        A binary search over the grid, from bounds near the answer: a level's total is within
        half a cent a slot of level x pay, which bounds it from below, and from above where hi
        is the same on every pay date (elsewhere a cap may hold a level's total back)."""
        step = self.step
        paid, slots = self.paid[people, None], self.paid_slots[people, None]
        top = hi.max(axis=2)
        high = top // step
        low = np.minimum(np.maximum((2 * target - slots) * PCT_DEN // np.maximum(2 * paid, 1) // step, 0), high)
        beyond = -(-(2 * target + slots) * PCT_DEN // np.maximum(2 * paid, 1) // step)  # ceil: sure to pass it
        high = np.where((hi.min(axis=2) == top) & (paid > 0), np.minimum(high, beyond - 1), high)
        while True:
            active = low < high
            if not active.any():
                return np.minimum(low[..., None] * step, hi)
            mid = (low + high + 1) // 2
            ok = self.totals(np.minimum(mid[..., None] * step, hi), people) <= target
            low = np.where(active & ok, mid, low)
            high = np.where(active & ~ok, mid - 1, high)

    def amount_of(self, g: int, level):
        """(P,) cents pay date g elects at `level` (P,)."""
        return _pct(level, self.pay_a[:, g]) + _pct(level, self.pay_b[:, g])

    def back_loaded(self, base, hi, target, cut):
        """solver._back_loaded over P (K = 1): the last pay dates raised to their cap, latest
        first, until the target is met (passed by up to a step only where payroll cuts)."""
        step = self.step
        levels = base[:, 0].copy()
        total = self.totals(base)[:, 0]
        top = hi[:, 0]
        for g in reversed(range(self.G)):
            active = total < target
            if not active.any():
                break
            current = self.amount_of(g, levels[:, g])
            room = target - total + current
            # the lowest grid level from levels[g] up to hi whose amount reaches room, else the highest:
            # an amount is within half a cent a row of level x pay, so the levels from `reach` on
            # reach room; the steps below it are tried down from there (amounts rise with the level)
            pay, rows = self.pay_a[:, g] + self.pay_b[:, g], (self.pay_a[:, g] > 0) + (self.pay_b[:, g] > 0)
            reach = -(-(2 * room + rows) * PCT_DEN // np.maximum(2 * pay, 1))  # ceil
            most = np.maximum((top[:, g] - levels[:, g]) // step, 0)
            steps = np.minimum(np.maximum(-((levels[:, g] - reach) // step), 0), most)
            while True:
                lower = active & (steps > 0) & (self.amount_of(g, levels[:, g] + (steps - 1) * step) >= room)
                if not lower.any():
                    break
                steps -= lower
            level = levels[:, g] + steps * step
            amount = self.amount_of(g, level)
            back = ~cut & (level > levels[:, g]) & (amount > room)
            level = np.where(back, level - step, level)
            amount = np.where(back, self.amount_of(g, level), amount)
            total = np.where(active, total + amount - current, total)
            levels[:, g] = np.where(active, level, levels[:, g])
        return levels[:, None, :]

    def candidates(self, base, hi, people=EVERYONE) -> "_Runs":
        """solver._candidates for one base per (P, K): S = 2 (G + 1) slots in generation
        order, the base and one step more on the first k upgradable pay dates (k = 1..U),
        then on the last k (k = 1..U-1); totals and validity per slot, levels on demand."""
        step = self.step
        live = self.live if people is EVERYONE else _rows(self.live, people)
        runs = _Runs(base, live[:, None, :] & (base + step <= hi), self.G)
        amount = self.amounts(base, people)
        runs.totals = amount.sum(axis=2)[..., None] + runs.sums(self.amounts(base + step, people) - amount)
        return runs

    def levels(self, runs: "_Runs", person, k, slot):
        """(N, G) levels of candidates (person, k, slot), each (N,), of `runs`."""
        G = self.G
        count, run, backward = runs.count[person, k], slot % (G + 1), slot > G
        rank = _rows(runs.rank, person, k)  # ranks [low, high) are raised: the first `run`, or the last
        low, high = np.where(backward, count - run, 0)[:, None], np.where(backward, count, run)[:, None]
        return _rows(runs.base, person, k) + self.step * ((rank >= low) & (rank < high))

    def scored_levels(self, runs: "_Runs", window: "_Picks", topped, flat):
        """(N, G) levels of scored candidates (flat indexes (N,)): the window's candidates of
        `runs`, then the `topped` schedules (N', G)."""
        S, W = runs.valid.shape[2], len(window.person)
        inside = np.minimum(flat, W - 1)
        levels = self.levels(runs, window.person[inside], window.slot[inside] // S, window.slot[inside] % S)
        outside = flat >= W
        levels[outside] = topped[flat[outside] - W]
        return levels

    # ---- payroll, closed form, with no after-tax
    def deferral_payroll(self, levels, person):
        """(N, G) deferral levels of `person` (N,) -> (deferral, additions, match, excess, match
        per slot) as payroll runs them with no after-tax: the running sum cut at the auto-stop,
        catch-up and excess as bands of it, the match per row (bands of pay) or on the running
        sum (bands of dollars)."""
        plan = self.plan
        running = np.cumsum(self.wanted(levels, person), axis=1)
        stop, g402 = self.stop[person, None], self.g402[person, None]
        if plan.auto_stop_deferral:
            running = np.minimum(running, stop)
        slot_match = match = None
        if self.pay_bands:
            matchable = running  # per slot: the running sum less its catch-up band, when unmatched
            if not plan.match_catch_up:
                matchable = np.minimum(running, np.maximum(g402, running - (stop - g402)))
            slot_match = self.pay_band_match(_steps(matchable), _rows(self.pay, person))
            match = slot_match.sum(axis=1)
        return self.deferral_sums(running[:, -1], person, match) + (slot_match,)

    def deferral_sums(self, deferral, person, match=None):
        """(deferral, additions, match, excess) for each deferral (N,) of `person` (N,); the
        match is given (bands of pay) or comes from the deferral (bands of dollars)."""
        stop, g402 = self.stop[person], self.g402[person]
        catch_up = np.minimum(np.maximum(deferral - g402, 0), stop - g402)
        excess = np.maximum(deferral - stop, 0)
        if match is None:
            match = self.dollar_match(deferral if self.plan.match_catch_up else deferral - catch_up)
        return deferral, deferral - catch_up - excess + match, match, excess

    def run_payroll(self, runs: "_Runs", person, k, slot):
        """deferral_payroll's sums for candidates (person, k, slot) of `runs`, each (N,), from
        sums over runs rather than each candidate's levels, exact for the candidates it can
        keep (no excess): the deferral is the total cut at the auto-stop, and the running sum
        is matched (on bands of pay) slot by slot up to the slot where it passes the deferral
        the plan matches (402(g), or the auto-stop with catch-up), that slot on the part below."""
        plan, G, S = self.plan, self.G, self.pay.shape[1]
        stop = self.stop[person]
        total = runs.totals[person, k, slot]
        deferral = np.minimum(total, stop) if plan.auto_stop_deferral else total
        if not self.pay_bands:
            return self.deferral_sums(deferral, person)
        # each (person, k)'s sums over the slots before each slot (P K, S + 1): of the base's
        # amounts and match, and of what one step more adds on the upgradable pay dates
        pay = self.pay[:, None, :]
        level, up = runs.base[..., self.date_of_slot], runs.upgradable[..., self.date_of_slot]
        amount, more = _pct(level, pay), _pct(level + self.step, pay)
        match, more_match = self.pay_band_match(amount, pay), self.pay_band_match(more, pay)
        elected, extra = _prefix(amount, S), _prefix((more - amount) * up, S)
        earned, extra_match = _prefix(match, S), _prefix((more_match - match) * up, S)
        # a candidate raises the upgradable slots in [lo, hi): the first `run` or the last
        row, run, backward = person * runs.count.shape[1] + k, slot % (G + 1), slot > G
        first = runs.at_rank(self.first_slot, S)
        count = runs.count[person, k]
        lo = np.where(backward, first[row, _clip(count - run, 0, G)], 0)
        hi = np.where(backward, S, first[row, run])

        def through(sums, extra_sums, n):  # over the first n slots
            return sums[row, n] + extra_sums[row, _clip(n, lo, hi)] - extra_sums[row, lo]

        # how many slots the running sum keeps within `matched`: before, in and after [lo, hi)
        matched = stop if plan.match_catch_up else self.g402[person]
        raised = extra[row, hi] - extra[row, lo]
        within = (np.minimum(_at_most(elected, row, matched), lo)
                  + _clip(_at_most(elected + extra, row, matched + extra[row, lo]), lo, hi) - lo
                  + _clip(_at_most(elected, row, matched - raised), hi, S + 1) - hi) - 1
        left = matched - through(elected, extra, within)
        part = self.pay_band_match(left, self.pay[person, np.minimum(within, S - 1)])
        match = through(earned, extra_match, within) + np.where(within < S, part, 0)
        return self.deferral_sums(deferral, person, match)

    def run_changes(self, runs: "_Runs", person, k, slot):
        """changes() of candidates (person, k, slot) of `runs`, each (N,), without their
        levels: a run raises the upgradable pay dates before one pay date D (forward) or from
        it (backward), so each two pay dates with pay in a row change as the base's with both
        raised, or neither, except the two that end at D (only the earlier raised, or only D)."""
        step, G = self.step, self.G
        rows = runs.count.size
        previous = np.broadcast_to(self.previous_live[:, None, :], runs.base.shape).reshape(rows, G)
        base, up = runs.base.reshape(rows, G), runs.upgradable.reshape(rows, G)
        flat = _flat(previous, G)
        base_before, up_before = (v.reshape(-1).take(flat).reshape(rows, G) for v in (base, up))  # _along, once
        pair = previous != np.arange(G)
        raised, raised_before = base + step * up, base_before + step * up_before
        both, neither = _prefix(pair & (raised != raised_before), G), _prefix(pair & (base != base_before), G)
        last = np.zeros((rows, 1), bool)  # D past the last pay date: no pair ends there
        earlier = np.concatenate([pair & (base != raised_before), last], axis=1)
        later = np.concatenate([pair & (raised != base_before), last], axis=1)
        row, run, backward = person * runs.count.shape[1] + k, slot % (G + 1), slot > G
        count = runs.count[person, k]
        D = runs.at_rank(np.arange(G), G)[row, np.where(backward, _clip(count - run, 0, G), run)]
        after = np.minimum(D + 1, G)
        forward = both[row, D] + earlier[row, D] + neither[row, G] - neither[row, after]
        backward_changes = neither[row, D] + later[row, D] + both[row, G] - both[row, after]
        return np.where(backward, backward_changes, forward)

    def pay_band_match(self, base, pay):
        """The match each slot's deferral `base` earns on its `pay`: bands of percent of pay."""
        if not self.tiers:
            return np.zeros_like(base)
        base = base * PCT_DEN
        exact, low, part = np.zeros_like(base), 0, np.empty_like(base)
        for t in self.tiers:
            np.subtract(base, low * pay, out=part)
            np.maximum(part, 0, out=part)
            np.minimum(part, (t.up_to_pct - low) * pay, out=part)
            part *= t.rate
            exact += part
            low = t.up_to_pct
        return _div_half_up(exact, PCT_DEN * RATE_SCALE)

    def dollar_match(self, deferred):
        def curve(tiers):
            exact, low = 0, 0
            for t in tiers:
                exact = exact + t.rate * _clip(deferred - low, 0, t.up_to_dollars - low)
                low = t.up_to_dollars
            return exact + np.zeros_like(deferred)

        return _div_half_up(np.maximum(curve(self.tiers), curve(self.greater_of)), RATE_SCALE)

    # ---- the search
    def solve(self) -> list[Solution | None]:
        plan, step, P, G = self.plan, self.step, self.P, self.G
        if self.unfit.all():
            return [None] * P
        room = self.stop  # no [ytd], no other employer: 402(g) + catch-up
        target = np.where(self.goal_deferral < 0, room, np.minimum(np.maximum(self.goal_deferral, 0), room))
        stops = plan.auto_stop_deferral or plan.spillover_to_after_tax
        exact = stops & (room == target)
        hi_level = round_down(min(plan.max_deferral_pct, plan.max_total_pct), step)
        hi = np.full((P, 1, G), hi_level, np.int64)
        one_step = self.one_step()
        smallest = self.step_of_smallest_paycheck(one_step)
        missing = np.int64(-2 ** 62)  # below any amount, however negative the room

        # (1) the bases: one even level; catch-up on the last paychecks where it is not matched
        bases = [self.even(hi, target[:, None])]
        unmatched = np.minimum(self.catch_up, target)
        back = bool(unmatched.any()) and not plan.match_catch_up
        if back:
            low_base = self.even(hi, (target - unmatched)[:, None])
            bases.append(self.back_loaded(low_base, hi, target, exact))
        runs = self.candidates(np.concatenate(bases, axis=1), hi)
        if back:  # the second base's candidates that repeat the first's are not new (the solver's `seen`)
            runs.valid[:, 1] &= (unmatched > 0)[:, None] & ~self.repeats(runs, np.flatnonzero(unmatched > 0))
        S = runs.valid.shape[2]
        totals, valid = runs.totals.reshape(P, -1), runs.valid.reshape(P, -1)

        # (2) deferral keys: the elected total, or the target where payroll cuts exactly at it
        t = target[:, None]
        kept = valid & ((totals <= t) | exact[:, None])
        key = np.where(totals <= t, totals, t)
        below = (valid & exact[:, None] & (totals < t)).any(axis=1)
        top_key = np.where(kept, key, missing).max(axis=1)
        slack = np.where(exact, 0, np.maximum(smallest - 1, 0))
        window = kept & (key >= (top_key - slack)[:, None])
        # only the window is simulated: its candidates, flat, in generation order
        goal = self.goal_deferral
        window = _Picks(window)
        which, slot = window.slot // S, window.slot % S
        deferral, additions, match, excess = self.run_payroll(runs, window.person, which, slot)
        changes = self.run_changes(runs, window.person, which, slot)
        person = window.person
        ok = (excess <= 0) & (additions <= self.limit[person]) & ((goal[person] < 0) | (deferral <= np.maximum(goal[person], 0)))
        key = key[person, window.slot]
        # the solver's first key with a valid schedule must be the top one (else: its rare path)
        fallback = self.unfit | ~window.spread(ok & (key == top_key[person]), False).any(axis=1)
        # the last paycheck cut by the auto-stop below its match (a short one at the 401(a)(17)
        # limit): the schedules short of the target with that pay date raised are scored too
        match_min = round_up(full_match_pct(self.tiers), step)
        picks, more_levels = [window], np.zeros((0, G), np.int64)
        if match_min and self.pay_bands:
            short = below & self.cut_short(runs, window, ok, key, deferral, match)
            if short.any():
                more = _Picks(valid & (totals < t) & short[:, None])
                more_levels, exists = self.topped(runs, more, totals, target, hi_level, match_min)
                d, add, m, ex, _ = self.deferral_payroll(more_levels, more.person)
                g = goal[more.person]
                more_ok = exists & (ex <= 0) & (add <= self.limit[more.person]) & ((g < 0) | (d <= np.maximum(g, 0)))
                picks.append(more)
                changes = np.concatenate([changes, self.changes(more.person, more_levels)])
                key = np.concatenate([key, target[more.person]])
                deferral, additions = np.concatenate([deferral, d]), np.concatenate([additions, add])
                match, ok = np.concatenate([match, m]), np.concatenate([ok, more_ok])
        scored = _Picks.joined(picks)  # (P, M): positions of the scored list, each a flat index
        at = scored.flat
        valid_at = scored.found & ok[at]
        deferral_at, match_at = np.where(valid_at, deferral[at], missing), np.where(valid_at, match[at], missing)
        enough = deferral_at.max(axis=1) - slack
        capped = np.where(valid_at, np.minimum(deferral_at, enough[:, None]), missing)
        at_best = valid_at & (capped == capped.max(axis=1)[:, None])
        at_best &= match_at == np.where(at_best, match_at, missing).max(axis=1)[:, None]
        tied = at_best & (deferral_at == np.where(at_best, deferral_at, missing).max(axis=1)[:, None])
        # equally good: fewest changes first, then in generation order; MAX_TIED go on
        M = tied.shape[1]
        changes = changes[at]
        order = np.lexsort((np.broadcast_to(np.arange(M), (P, M)), changes, ~tied), axis=1)
        T = int(min(MAX_TIED, tied.sum(axis=1).max()))
        if T == 0:
            return [None] * P
        order = order[:, :T]
        d_flat = _along(at, order)
        d_levels = self.scored_levels(runs, window, more_levels, d_flat.reshape(-1)).reshape(P, T, G)
        d_ok = _along(tied, order)
        d_additions = additions[d_flat]

        # (3) after-tax in the room each deferral leaves
        room_at = self.limit[:, None] - d_additions
        goal_at = self.goal_after_tax[:, None]
        room_at = np.where(goal_at < 0, room_at, np.minimum(room_at, goal_at))
        cuts = plan.auto_stop_after_tax & ((goal_at < 0) | (goal_at > room_at))
        at_target = np.maximum(room_at, 0)
        at_hi = np.minimum(round_down(plan.max_after_tax_pct, step),
                           np.maximum(plan.max_total_pct - d_levels, 0) // step * step)
        # options and their tiers per search (row): a person's tied deferrals share room and
        # cut (their first's), and each search is of a tied deferral (see after_tax_runs)
        a_runs, search, people = self.after_tax_runs(at_hi, at_target, d_ok)
        a_totals, room = a_runs.totals[:, 0], at_target[people, :1]
        options = a_runs.valid[:, 0] & ((a_totals <= room) | cuts[people, :1])
        after_tax = np.minimum(a_totals, room)

        def most(values):  # (rows, S) -> each person's most over their rows
            out = np.full(P, missing)
            np.maximum.at(out, people, values.max(axis=1))
            return out

        # (4) the fewest changes among options close enough to the best
        best = most(np.where(options, after_tax, missing))
        close = 0 if plan.auto_stop_after_tax else np.maximum(smallest - 1, 0)
        enough_at = np.minimum(best, np.where(d_ok, at_target, missing).max(axis=1) - close)
        tier = np.where(options, np.minimum(after_tax, enough_at[people, None]), missing)
        at_top = options & (tier == most(tier)[people, None])
        top = _Picks((at_top[search] & d_ok[..., None]).reshape(P, -1))
        fallback |= top.counts == 0  # (only people already left to the scalar solver)
        if fallback.all():
            return [None] * P
        S = a_runs.valid.shape[2]
        which, slot = top.slot // S, top.slot % S
        a_levels = self.levels(a_runs, search[top.person, which], 0, slot)
        changes = self.changes(top.person, _rows(d_levels, top.person, which), a_levels)
        amount = after_tax[search[top.person, which], slot]
        rank = top.spread(-changes * (2 ** 40) + amount, np.iinfo(np.int64).min)
        choice = top.spread(np.arange(len(top.person)), 0)[np.arange(P), rank.argmax(axis=1)]  # the first maximum

        chosen_t = which[choice]
        chosen_d = self.carry_over(d_levels[np.arange(P), chosen_t])
        chosen_a = self.carry_over(_rows(a_levels, choice))
        sums, simulations = self.payroll(chosen_d, chosen_a)
        deferral, after_tax, additions = sums["deferral"], sums["after_tax"], sums["annual_additions"]
        # never expected (the solver would have judged it): let it
        fallback |= ((sums["excess_deferral"] > 0) | (additions > self.limit)
                     | ((self.goal_deferral >= 0) & (deferral > self.goal_deferral))
                     | ((self.goal_after_tax >= 0) & (after_tax > self.goal_after_tax)))
        if fallback.all():
            return [None] * P
        everyone = np.arange(P)

        def at_cap(levels, cap):  # solver.binding: every pay date with pay at its cap (no floor here)
            return self.live.any(axis=1) & np.where(self.live, levels >= cap, True).all(axis=1)

        # shortfalls' arguments; it says nothing of goals missed by at most a step of the largest
        # paycheck unless at a cap (its sentence of an earlier employer's deferrals: not in `fits`)
        d_unused, d_at_cap = target - deferral, at_cap(chosen_d, hi_level)
        a_unused, a_at_cap = at_target[everyone, chosen_t] - after_tax, at_cap(chosen_a, at_hi[everyone, chosen_t])
        top_level = np.where(np.arange(G) < self.dates[:, None], chosen_d, 0).max(axis=1)
        largest_step = np.where(self.live, one_step, 0).max(axis=1)
        short = ((d_unused > np.where(d_at_cap, 0, largest_step)) | (a_unused > np.where(a_at_cap, 0, largest_step)))

        def warnings(p: int) -> list[str]:
            rules, cash = self.problems[p][0], self.problems[p][5]
            d, d_cap, a, a_cap, top, close, left = (int(v[p]) for v in (
                d_unused, d_at_cap, a_unused, a_at_cap, top_level, largest_step, self.limit - additions))
            return shortfalls(rules, cash, d, "plan" if d_cap else None, a, "plan" if a_cap else None, top, close, left)

        d_rows, a_rows = (levels.reshape(-1)[self.date_of_row].tolist() for levels in (chosen_d, chosen_a))
        solutions: list[Solution | None] = [None] * P
        people = np.flatnonzero(~fallback)
        for p, sim, said in zip(people.tolist(), simulations(people), short[people].tolist()):
            rows = self.rows_of[p]
            solutions[p] = Solution(d_rows[rows], a_rows[rows], sim, warnings(p) if said else [])
        return solutions

    def after_tax_runs(self, hi, target, tied):
        """The after-tax candidates of each person's tied deferrals (P, T), searched once where
        they would be the same: tied deferrals have the same deferral and match, so the same
        room, and their caps (hi (P, T, G)) differ only where a deferral leaves less than the
        plan's total cap, which changes nothing up to a step above the first's even level.
        Returns the runs (N, 1, S), each tied deferral's row of them (P, T), and each row's person."""
        P, T = tied.shape
        first = self.even(hi[:, :1], target[:, :1])
        reach = first.max(axis=2, keepdims=True) + self.step
        own = tied & (np.minimum(hi, reach) != np.minimum(hi[:, :1], reach)).any(axis=2)
        p, t = np.nonzero(own)
        others = self.even(hi[p, t][:, None], target[p, t][:, None], p) if len(p) else first[:0]  # mostly none
        search = np.repeat(np.arange(P)[:, None], T, axis=1)
        search[p, t] = P + np.arange(len(p))
        people = np.concatenate([np.arange(P), p])
        runs = self.candidates(np.concatenate([first, others]), np.concatenate([hi[:, :1], hi[p, t][:, None]]), people)
        return runs, search, people

    def payroll(self, d_levels, a_levels):
        """simulate() of one schedule per person ((P, G) levels), as arrays: the sums of its
        amounts (name: (P,)), and a function of people (an array) that gives their Simulations."""
        plan, pay, P = self.plan, self.pay, self.P
        everyone = np.arange(P)
        wanted = self.wanted(d_levels, everyone)
        running = np.cumsum(wanted, axis=1)
        stop, g402 = self.stop[:, None], self.g402[:, None]
        if plan.auto_stop_deferral:
            running = np.minimum(running, stop)
        deferral = _steps(running)
        catch_up = _steps(_clip(running - g402, 0, stop - g402))
        excess = _steps(np.maximum(running - stop, 0))
        base = deferral if plan.match_catch_up else deferral - catch_up
        if self.pay_bands:
            match = self.pay_band_match(base, pay)
        else:
            match = _steps(self.dollar_match(np.cumsum(base, axis=1)))
        row_additions = deferral - catch_up - excess + match
        wanted_after_tax = self.wanted(a_levels, everyone)
        after_tax = wanted_after_tax
        if plan.auto_stop_after_tax:  # payroll sees only the year so far: cut row by row
            # the additions before each slot's after-tax, had none been cut: after the first cut
            # (to the limit) they are past the limit, so this slot's room is the same as payroll's
            before = np.cumsum(row_additions + wanted_after_tax, axis=1) - wanted_after_tax
            after_tax = np.minimum(np.maximum(self.limit[:, None] - before, 0), wanted_after_tax)
        additions = row_additions + after_tax
        roth = np.where(self.roth_deferrals[:, None], deferral, np.where(self.roth_catch_up[:, None], catch_up, 0))
        capped = (deferral < wanted) | (after_tax < wanted_after_tax)
        # Simulation's row fields (spillover none, `capped` a bool), and sums of the amounts
        zero = np.zeros_like(deferral)
        columns = [deferral, deferral - roth, roth, catch_up, excess, after_tax, zero, match, capped, additions]
        sums = {total: values.sum(axis=1) for total, values in zip(
            ("deferral", "pretax", "roth", "catch_up", "excess_deferral", "after_tax", "match", "annual_additions"),
            columns[:6] + [match, additions])}
        # slots back to the people's rows, flat (a row without eligible pay reads a zero slot),
        # when a field is first read (a summary reads few); a person's row lists only when read
        by_slot, by_row, slot_of_row = dict(zip(ROW_FIELDS, columns)), {}, self.slot_of_row
        limits, rows_of = self.limit.tolist(), self.rows_of

        def row_list(rows: slice, field: str) -> list:
            if field not in by_row:
                values = by_slot[field]
                by_row[field] = np.concatenate([values, np.zeros((P, 1), values.dtype)], axis=1).reshape(-1)[slot_of_row]
            return by_row[field][rows].tolist()

        def simulations(people) -> list[Simulation]:
            out = []
            for p, (d, pretax, roth, catch_up, excess, after_tax, match, additions) in zip(
                    people.tolist(), np.stack(list(sums.values()), axis=1)[people].tolist()):
                over = max(additions - limits[p], 0)
                totals = {"deferral": d, "pretax": pretax, "roth": roth, "catch_up": catch_up, "after_tax": after_tax,
                          "match": match, "true_up": 0, "annual_additions": additions, "ytd_annual_additions": 0,
                          "excess_deferral": excess, "excess_annual_additions": over, "excess_after_tax_cap": 0,
                          "excess": excess + over}
                out.append(Simulation.lazy(partial(row_list, rows_of[p]), 0, totals))
            return out

        return sums, simulations

    def repeats(self, runs: "_Runs", people):
        """(P, S) whether each valid candidate of the second base equals a valid one of the
        first, for `people` (others: False): compared by a hash of the levels on pay dates with
        pay (a sum over the run, like the totals), then exactly."""
        weights = np.where(self.live, _hash_weights(self.G), 0)[:, None, :]  # pay dates without pay weigh nothing
        hashes = ((runs.base * weights).sum(axis=2)[..., None] + runs.sums(self.step * weights))[people]  # wraps
        valid = runs.valid[people]
        same = (hashes[:, 1, :, None] == hashes[:, 0, None, :]) & valid[:, 1, :, None] & valid[:, 0, None, :]
        at, new = np.nonzero(same.any(axis=2))  # each pair of equal hashes, checked all at once
        pair, old = np.nonzero(same[at, new])
        person, new = people[at[pair]], new[pair]
        mine = self.levels(runs, person, np.ones_like(person), new)
        theirs = self.levels(runs, person, np.zeros_like(person), old)
        equal = ((mine == theirs) | ~_rows(self.live, person)).all(axis=1)
        found = np.zeros((self.P, runs.valid.shape[2]), bool)
        found[person[equal], new[equal]] = True
        return found

    def cut_short(self, runs: "_Runs", window: "_Picks", ok, key, deferral, match):
        """solver._Solver.cut_short: the best scored schedule (most deferral, then match; the
        first in the solver's order: keys descending, then generation order) pays the last
        pay date less than its full match. Values are flat over the window."""
        P, M = len(window.counts), window.width
        best = window.spread(np.where(ok, deferral * (2 ** 31) + match, -1), -1)
        first = np.lexsort((np.broadcast_to(np.arange(M), (P, M)), -window.spread(key, -1), -best), axis=1)[:, 0]
        chosen = window.spread(np.arange(len(ok)), 0)[np.arange(P), first]
        levels = self.scored_levels(runs, window, np.zeros((0, self.G), np.int64), chosen)
        slots = self.deferral_payroll(levels, np.arange(P))[4]  # (P, slots)
        last = self.last_live()[:, None]
        on_last = self.date_of_slot == last  # (P, slots): the last pay date's slots
        most = np.where(on_last, self.pay_band_match(self.pay, self.pay), 0).sum(axis=1)
        got = np.where(on_last, slots, 0).sum(axis=1) + _along(self.rows_in, last)[:, 0]
        return window.spread(ok, False).any(axis=1) & (got < most)

    def last_live(self):
        return np.where(self.live, np.arange(self.G), -1).max(axis=1)

    def topped(self, runs: "_Runs", short: "_Picks", totals, target, hi: int, match_min: int):
        """The solver's top-up of the last pay date: each schedule short of the target (flat
        `short`) with its last pay date raised to the lowest level that reaches the target,
        where the cut would leave that pay date its match. (levels (N, G), exists (N,))."""
        step, S, person = self.step, runs.valid.shape[2], short.person
        levels = self.levels(runs, person, short.slot // S, short.slot % S)
        more = target[person] - totals[person, short.slot]
        last = self.last_live()[person]
        pay_a, pay_b = self.pay_a[person, last], self.pay_b[person, last]

        def amount(level):  # (N,) levels of the last pay date -> its cents
            return _pct(level, pay_a) + _pct(level, pay_b)

        rows = np.arange(len(person))
        level = levels[rows, last]
        base = amount(level)
        exists = (more + base >= amount(np.full_like(level, match_min))) & (amount(np.full_like(level, hi)) - base >= more)
        low, high = level // step, np.full_like(level, hi // step)
        while True:  # solver._lowest_reaching: amount(low) falls short, amount(high) reaches
            active = high - low > 1
            if not active.any():
                break
            mid = (low + high) // 2
            reach = amount(mid * step) - base >= more
            low, high = np.where(active & ~reach, mid, low), np.where(active & reach, mid, high)
        levels[rows, last] = high * step
        return levels, exists


class _Runs:
    """The candidates of one base schedule per (person, k): the base and which pay dates a
    run may raise one step (their rank in date order); `sums` adds values over each run."""

    def __init__(self, base, upgradable, G: int):
        self.base, self.upgradable, self.G = base, upgradable, G
        self.count = upgradable.sum(axis=2)
        rank = np.cumsum(upgradable, axis=2) - 1
        self.rank = np.where(upgradable, rank, G)  # G: in no run
        k, count = np.arange(G + 1), self.count[..., None]
        self.valid = np.concatenate([k <= count, (k >= 1) & (k <= count - 1)], axis=2)
        self.totals = None
        # flat indexes for `sums`: each upgradable pay date's place in the prefix sums (P, K, G + 1),
        # and the prefix sums a backward run of k takes the difference of
        start = (np.arange(count.size) * (G + 1)).reshape(count.shape)
        self.upgradable_at = np.flatnonzero(upgradable)
        self.prefix_at = (start + rank + 1)[upgradable]
        self.all_at, self.but_last_at = start + count, start + _clip(count - k, 0, G)

    def at_rank(self, of_date, past_last: int):
        """(P K, G + 1): `of_date` (G,) of the upgradable pay date of each rank; past_last
        after the last."""
        out = np.full(self.count.size * (self.G + 1), past_last, np.int64)
        out[self.prefix_at - 1] = of_date[self.upgradable_at % self.G]
        return out.reshape(-1, self.G + 1)

    def sums(self, values):
        """(P, K, S): the sum of `values` (P, K, G) over the pay dates each slot's run raises."""
        prefix = np.zeros(self.count.size * (self.G + 1), np.int64)  # prefix[k]: over the first k upgradable
        prefix[self.prefix_at] = np.cumsum(values * self.upgradable, axis=2).reshape(-1)[self.upgradable_at]
        backward = prefix[self.all_at] - prefix[self.but_last_at]
        return np.concatenate([prefix.reshape(backward.shape), backward], axis=2)


class _Picks:
    """The set positions of a mask (P, S), flat in row order: the person and slot of each,
    and its place among the person's (to spread flat values back to (P, width))."""

    def __init__(self, mask):
        self.person, self.slot = np.nonzero(mask)
        counts = mask.sum(axis=1)
        self.counts, self.width = counts, max(int(counts.max(initial=0)), 1)
        self.pos = np.arange(len(self.person)) - (np.cumsum(counts) - counts)[self.person]

    def spread(self, values, fill):
        out = np.full((len(self.counts), self.width), fill, np.asarray(values).dtype)
        out[self.person, self.pos] = values
        return out

    @staticmethod
    def joined(picks: list["_Picks"]) -> "_Joined":
        """Each person's positions of every pick in turn, as flat indexes into the picks'
        values concatenated."""
        P = len(picks[0].counts)
        before = np.zeros(P, np.int64)  # each person's positions in the picks before
        width = int(sum(p.counts for p in picks).max(initial=0)) or 1
        flat, found = np.zeros((P, width), np.int64), np.zeros((P, width), bool)
        offset = 0
        for pick in picks:
            place = before[pick.person] + pick.pos
            flat[pick.person, place] = offset + np.arange(len(pick.person))
            found[pick.person, place] = True
            before += pick.counts
            offset += len(pick.person)
        return _Joined(flat, found, np.concatenate([p.person for p in picks]))


class _Joined:
    def __init__(self, flat, found, person):
        self.flat, self.found, self.person = flat, found, person
