"""Turn a simulation into the Plan the user reads: periods, totals, election changes and
plain warnings (limit dates, match lost, excess to refund, assumptions)."""

from __future__ import annotations

import bisect
import datetime as dt
import functools

from .cashflow import Cash
from .errors import PlannerError
from .limits import Limits, built_in_years, limits_for
from .match import full_match_pct, paycheck_match
from .money import dollars, dollars_of, pct_of, pct_value
from .paychecks import Paychecks, lagged_rows, regular_dates_before
from .presets import assumptions
from .result import Plan
from .rules import YearRules
from .scenario import Scenario
from .simulate import Simulation

PERIOD_KEYS = ("pay_date", "kind", "gross", "eligible", "deferral_pct", "deferral", "pretax", "roth", "catch_up",
               "after_tax_pct", "after_tax", "match", "capped", "ytd_deferral", "ytd_after_tax", "ytd_match",
               "ytd_annual_additions", "over_limit")
YTD_AMOUNTS = frozenset({"deferral", "after_tax", "match", "eligible_pay", "other_employer_deferral", "gross_pay"})
TOTAL_KEYS = ("deferral", "pretax", "roth", "catch_up", "after_tax", "match", "true_up",
              "annual_additions", "excess", "excess_deferral", "excess_annual_additions")


def money(cents: int) -> str:
    return f"-${-cents / 100:,.2f}" if cents < 0 else f"${cents / 100:,.2f}"


def build_plan(command: str, scenario: Scenario, limits: Limits, rules: YearRules, paychecks: Paychecks,
               deferral_pct: list[int], after_tax_pct: list[int], sim: Simulation, warnings: list[str],
               match_lost: int | None = None, cash: Cash | None = None, periods: bool = True) -> Plan:
    """The Plan of a simulation. `periods=False` leaves out the per-paycheck table
    (Plan.periods is []): the same elections, totals and warnings, for a batch's summary,
    at a fraction of the cost."""
    future = paychecks.future
    table = _periods(rules, paychecks, deferral_pct, after_tax_pct, sim) if periods else []
    totals = dollars_of(sim.totals, TOTAL_KEYS)
    if cash is not None:
        totals.update(_add_cash_flow(cash, sim, table))
    if match_lost is not None:
        totals["match_lost"] = dollars(match_lost)

    if command == "check":
        elections = [{"from": e.start.isoformat(), "deferral_pct": pct_value(e.deferral_pct),
                      "after_tax_pct": pct_value(e.after_tax_pct)} for e in scenario.elections]
    else:
        elections = election_changes(scenario, paychecks, deferral_pct, after_tax_pct)

    # with no paychecks left, "nothing to plan" says it all: the solver's shortfalls would repeat it
    notes = (_ytd_notes(scenario, limits, paychecks) + _floor_out_of_reach(cash) + (list(warnings) if future else [])
             + _warnings(command, scenario, limits, rules, paychecks, sim, match_lost))
    if command == "plan" and not sim.totals["excess"]:  # an excess is said already, and is the cause
        lag = scenario.plan.election_lag if scenario.ytd and scenario.elections else 0
        notes += _match_short(rules, paychecks, sim, lag)
    return Plan(
        command=command,
        name=scenario.name,
        tax_year=scenario.tax_year,
        limits={
            "deferral": dollars(limits.deferral),
            "catch_up": dollars(rules.catch_up_limit),
            "annual_additions": dollars(limits.annual_additions),
            "compensation": dollars(limits.compensation),
            "annual_additions_applied": dollars(rules.annual_additions_limit),
            "after_tax_cap": dollars(rules.after_tax_cap),
            "roth_catch_up_required": rules.roth_catch_up,
        },
        periods=table,
        totals=totals,
        elections=elections,
        warnings=notes,
        limit_sources=dict(limits.sources),
        ytd=_ytd(scenario, rules),
        scenario=scenario,
    )


def _periods(rules: YearRules, paychecks: Paychecks, deferral_pct: list[int], after_tax_pct: list[int],
             sim: Simulation) -> list[dict]:
    """One JSON-ready row per paycheck still to be paid (PERIOD_KEYS)."""
    periods = []
    running = {"deferral": rules.ytd_deferral, "after_tax": rules.ytd_after_tax, "match": rules.ytd_match,
               "annual_additions": sim.totals["ytd_annual_additions"]}
    stop = rules.deferral_limit + rules.catch_up_limit - rules.other_employer_deferral
    for k, i in enumerate(paychecks.future):
        for key, values in (("deferral", sim.deferral), ("after_tax", sim.after_tax), ("match", sim.match),
                            ("annual_additions", sim.additions)):
            running[key] += values[k]
        periods.append({
            "pay_date": paychecks.dates[i].isoformat(),
            "kind": paychecks.kinds[i],
            "gross": dollars(paychecks.gross[i]),
            "eligible": dollars(paychecks.eligible[i]),
            "deferral_pct": pct_value(deferral_pct[k]),
            "deferral": dollars(sim.deferral[k]),
            "pretax": dollars(sim.pretax[k]),
            "roth": dollars(sim.roth[k]),
            "catch_up": dollars(sim.catch_up[k]),
            "after_tax_pct": pct_value(after_tax_pct[k]),
            "after_tax": dollars(sim.after_tax[k]),
            "match": dollars(sim.match[k]),
            "capped": sim.capped[k],
            "ytd_deferral": dollars(running["deferral"]),
            "ytd_after_tax": dollars(running["after_tax"]),
            "ytd_match": dollars(running["match"]),
            "ytd_annual_additions": dollars(running["annual_additions"]),
            "over_limit": running["deferral"] > stop or running["annual_additions"] > rules.annual_additions_limit,
        })
    return periods


def _add_cash_flow(cash: Cash, sim: Simulation, periods: list[dict]) -> dict:
    """Put taxes, net pay and RSU cash on each period (when the table is built); return the
    year's cash-flow totals."""
    net = [cash.net(k, *c) for k, c in enumerate(zip(sim.pretax, sim.roth, sim.after_tax))]
    _, drawn, left = cash.covered(net)
    year = {"net_pay": 0, "rsu_proceeds": 0, "rsu_cash_drawn": 0, "social_security": 0, "medicare": 0,
            "income_tax": 0, "state_tax": 0, "other_deductions": 0}
    for k in range(len(net)):
        withheld = cash.withheld(k, sim.pretax[k])
        if periods:
            p = periods[k]
            p.update({key: dollars(value) for key, value in withheld.items()})
            p["net_pay"] = dollars(net[k])
            p["rsu_proceeds"] = dollars(cash.proceeds(k))
            p["rsu_cash_drawn"] = dollars(drawn[k])
            p["rsu_cash_left"] = dollars(left[k])
        for key, value in withheld.items():
            year[key] += value
        year["net_pay"] += net[k]
        year["rsu_proceeds"] += cash.proceeds(k)
        year["rsu_cash_drawn"] += drawn[k]
    return {"cash_flow": {key: dollars(value) for key, value in year.items()}}


def election_changes(scenario: Scenario, paychecks: Paychecks, deferral_pct: list[int],
                     after_tax_pct: list[int]) -> list[dict]:
    """The elections to enter, in order, from the planned percents of the rows still to be
    paid: each dated by the first paycheck it applies to and the pay date before which it
    must be submitted (`election_lag` paychecks earlier). Bonus elections, when the plan
    takes them apart, are listed for their bonus only."""
    separate = scenario.plan.separate_bonus_election
    submit_before = _submit_before(scenario, paychecks)

    # what payroll would apply without a new entry: in a re-plan, the [[election]] schedule
    # (changes already submitted included); the changes listed here replace it from their date
    scheduled = [(e.start, (e.deferral_pct, e.after_tax_pct)) for e in scenario.elections] if scenario.ytd else []
    out, entered = [], None  # entered: (date, pair) of the last change listed

    def in_payroll(day: dt.date):
        latest = [item for item in scheduled if item[0] <= day]
        if entered and (not latest or entered[0] >= latest[-1][0]):
            return entered[1]
        return latest[-1][1] if latest else None

    def change(day: dt.date, pair: tuple[int, int], applies_to: str) -> dict:
        return {"from": iso_date(day), "deferral_pct": pct_value(pair[0]), "after_tax_pct": pct_value(pair[1]),
                "submit_before": submit_before(day), "applies_to": applies_to}

    dates, kinds = paychecks.dates, paychecks.kinds
    last = (None, None)  # the percents of the last change listed (none yet)
    plain = not (scheduled or separate)  # a plan from the start of the year: payroll applies `last`
    for i, deferral, after_tax in zip(paychecks.future, deferral_pct, after_tax_pct):
        if plain and deferral == last[0] and after_tax == last[1]:
            continue  # most rows: nothing to enter (and no pair made for them)
        pair, kind = (deferral, after_tax), kinds[i]
        if separate and kind == "bonus":
            out.append(change(dates[i], pair, "bonus"))
        elif kind != "rsu" and pair != (in_payroll(dates[i]) if scheduled else last):
            entered, last = (dates[i], pair), pair
            out.append(change(*entered, "pay"))
    return out


def _submit_before(scenario: Scenario, paychecks: Paychecks):
    """day -> the pay date (ISO text) before which an election for `day` must be submitted."""
    lag = scenario.plan.election_lag
    if not lag:
        return iso_date  # before the paycheck it applies to, a bonus's too
    regular = regular_dates_before(scenario) + sorted(
        {d for d, k in zip(paychecks.dates, paychecks.kinds) if k == "regular"})

    def submit_before(day: dt.date) -> str:
        # payroll applies a change after `lag` regular paychecks; an off-cycle bonus counts
        # the regular paychecks before it
        before = bisect.bisect_left(regular, day)  # regular pay dates before `day`
        index = max(before - lag, 0)
        return iso_date(day if index == before else regular[index])

    return submit_before


@functools.lru_cache(maxsize=4096)
def iso_date(day: dt.date) -> str:
    """day.isoformat(), once per date: a batch's people share their pay dates."""
    return day.isoformat()


def _ytd(scenario: Scenario, rules: YearRules) -> dict:
    y = scenario.ytd
    if y is None:
        return {}
    return {"as_of": y.as_of.isoformat(), "deferral": dollars(y.deferral), "after_tax": dollars(y.after_tax),
            "match": dollars(y.match), "eligible_pay": dollars(rules.ytd_eligible), "gross_pay": dollars(rules.ytd_gross),
            "other_employer_deferral": dollars(y.other_employer_deferral)}


def _first_reaching(values: list[int], start: int, limit: int) -> int | None:
    running = start
    for k, cents in enumerate(values):
        running += cents
        if running >= limit:
            return k
    return None


def _match_short(rules: YearRules, paychecks: Paychecks, sim: Simulation, lag: int) -> list[str]:
    """What the plan's match falls short of the formula's most on this pay, and why (a plan
    that matches bands of each paycheck's pay, with no true-up to make up the difference);
    `lag` is the election lag that keeps the first rows on the elections in force."""
    plan = rules.plan
    if plan.match_true_up or not rules.match or None in [t.up_to_pct for t in rules.match]:
        return []
    eligible = paychecks.eligible[paychecks.first_future:]
    # the most a paycheck's match can be (its deferral fills every band), from the solver's
    # memory of match amounts; a year has few distinct pays
    match_of = paycheck_match(rules.match, rules.match_greater_of)
    most_of = {pay: match_of(pay, pay, 0) for pay in set(eligible)}
    most_total = sum(map(most_of.__getitem__, eligible))
    cap = plan.match_annual_cap and max(plan.match_annual_cap - rules.ytd_match, 0)
    short = (min(most_total, cap) if cap else most_total) - sum(sim.match)
    if short <= len(eligible):  # cents of per-paycheck rounding
        return []
    most = [most_of[pay] for pay in eligible]
    unmatched = [k for k, (m, top) in enumerate(zip(sim.match, most)) if top - m > 1]
    catch_up = [k for k in unmatched if sim.catch_up[k] and not plan.match_catch_up]
    lagged = lagged_rows(paychecks, lag)
    kept = [k for k in unmatched if k in lagged]
    if kept and len(kept) * 2 >= len(unmatched):
        why = f"the elections in force still apply to the next {lag} paycheck{'s' if lag > 1 else ''} (plan.election_lag)"
    elif len(catch_up) * 2 > len(unmatched):
        why = "deferral there is catch-up, which this plan does not match (plan.match_catch_up)"
    elif all(sim.deferral[k] == 0 for k in unmatched):
        why = "the deferral goal is used up before them"
    else:
        needs = sum(pct_of(full_match_pct(rules.match), pay) for pay in eligible)
        why = (f"their deferral is below the percent the full match needs "
               f"({money(needs)} of deferral, spread over every paycheck)")
    n = len(unmatched)
    return [f"The match is {money(short)} below the most this formula pays on this pay: {n} paycheck"
            f"{'s' if n != 1 else ''} earn{'' if n != 1 else 's'} less than the full match, because {why}."]


def _warnings(command, scenario, limits, rules, paychecks: Paychecks, sim, match_lost) -> list[str]:
    out = assumptions(scenario.source.get("plan", {}))  # preset facts that are not confirmed
    out += _input_notes(command, scenario, limits, rules, paychecks)
    t = sim.totals
    if command == "check":
        out += _limits_reached(rules, paychecks, sim, match_lost)

    before = ("year-to-date amounts and the paychecks the election lag keeps already exceed"
              if scenario.plan.election_lag and scenario.ytd else "year-to-date amounts already exceed")
    if t["excess_deferral"]:
        cause = before if command == "plan" else "deferrals exceed"
        out.append(f"Excess deferral: {cause} the 402(g) limit{' + catch-up' if rules.catch_up_limit else ''} "
                   f"by {money(t['excess_deferral'])}; it must be refunded by April 15, {scenario.tax_year + 1}.")
    if t["excess_annual_additions"]:
        cause = before if command == "plan" else "annual additions exceed"
        out.append(f"Excess annual additions: {cause} the 415(c) limit of {money(rules.annual_additions_limit)} "
                   f"by {money(t['excess_annual_additions'])}; the plan would refund it.")
    if t["excess_after_tax_cap"]:
        out.append(f"After-tax contributions exceed the plan's after-tax cap of {money(rules.after_tax_cap)} "
                   f"by {money(t['excess_after_tax_cap'])}.")

    if rules.roth_catch_up and t["catch_up"]:
        out.append(f"Prior-year FICA wages of {money(scenario.pay.prior_year_fica_wages)} exceed the "
                   f"{money(limits.roth_catch_up_threshold)} threshold: all catch-up is Roth (414(v)(7)).")
    out.extend(_hce_warning(scenario, t))
    return out


def _limits_reached(rules: YearRules, paychecks: Paychecks, sim: Simulation, match_lost: int | None) -> list[str]:
    """When the elections in force reach the deferral and 415(c) limits, and what that costs."""
    out, future = [], paychecks.future
    stop = rules.deferral_limit + rules.catch_up_limit - rules.other_employer_deferral
    k = _first_reaching(sim.deferral, rules.ytd_deferral, stop) if stop > rules.ytd_deferral else None
    if k is not None:
        after = sum(1 for i in future[k + 1:] if paychecks.eligible[i] > 0)
        text = (f"Deferrals reach the {'402(g) + catch-up' if rules.catch_up_limit else '402(g)'} limit "
                f"on paycheck {k + 1} ({paychecks.dates[future[k]]})")
        if after:
            text += f"; the {after} paycheck{'s' if after > 1 else ''} after it get{'' if after > 1 else 's'} no deferral"
        if match_lost:
            text += f", and {money(match_lost)} of match is lost against spreading the same deferral"
        out.append(text + ".")
    elif match_lost:
        out.append(f"{money(match_lost)} of match is lost against placing the same deferral to keep it.")
    k = _first_reaching(sim.additions, sim.totals["ytd_annual_additions"], rules.annual_additions_limit)
    if k is not None and future:
        out.append(f"Annual additions reach the 415(c) limit of {money(rules.annual_additions_limit)} "
                   f"on paycheck {k + 1} ({paychecks.dates[future[k]]}).")
    return out


def _input_notes(command, scenario: Scenario, limits: Limits, rules: YearRules, paychecks: Paychecks) -> list[str]:
    """What the planner assumed or left out of the input, said once."""
    out, future = [], paychecks.future
    if scenario.age is None:
        out.append("No age or birth_date given: assumed under 50, so no catch-up is planned.")
    if limits.other_years_supplied:
        out.append(f"The limits supplied are for {', '.join(map(str, limits.other_years_supplied))}, "
                   f"not {scenario.tax_year}: the built-in {scenario.tax_year} limits are used.")
    user = limits.supplied_by_user
    if user and scenario.tax_year in built_in_years():
        out.append(f"The IRS limits built in for {scenario.tax_year} are replaced by the ones supplied: "
                   f"{', '.join(user)}.")
    elif user:
        missing = [key for key, needed in (("catch_up_60_63", scenario.age is not None and 60 <= scenario.age <= 63),
                                           ("roth_catch_up_threshold", rules.catch_up_limit > 0))
                   if needed and key not in user]
        if missing:
            out.append(f"The limits supplied for {scenario.tax_year} give no {', '.join(missing)}: "
                       "the rules that need them are not applied.")
    ytd = scenario.ytd
    if ytd and ytd.other_employer_deferral > rules.deferral_limit + rules.catch_up_limit:
        extra = ytd.other_employer_deferral - rules.deferral_limit - rules.catch_up_limit
        out.append(f"Deferrals at the earlier employer already exceed the 402(g) limit"
                   f"{' + catch-up' if rules.catch_up_limit else ''} by {money(extra)}: ask that plan to refund "
                   f"it by April 15, {scenario.tax_year + 1}.")
    if ytd and not YTD_AMOUNTS & set(scenario.source.get("ytd", {})):
        out.append(f"[ytd] gives no year-to-date amounts: assumed nothing was deferred, contributed after tax "
                   f"or matched by {ytd.as_of}.")
    if not future:
        out.append(f"No paychecks are left after {ytd.as_of}: there is nothing to plan." if ytd
                   else "The year has no paychecks: there is nothing to plan.")
    elif command == "plan" and ytd and scenario.plan.election_lag and scenario.elections:
        regular = [i for i in future if paychecks.kinds[i] == "regular"]
        if len(regular) <= scenario.plan.election_lag:
            out.append(f"The election lag ({scenario.plan.election_lag} paychecks) covers every paycheck left: "
                       "no change can take effect this year; the elections in force run to the end.")
    if scenario.pay.first_pay_date and scenario.pay.frequency in ("semimonthly", "monthly"):
        days = "the 15th and the last day" if scenario.pay.frequency == "semimonthly" else "the last day"
        out.append(f"pay.first_pay_date is not used: {scenario.pay.frequency} pay falls on {days} of each month.")
    allowed = rules.deferral_limit + rules.catch_up_limit - rules.other_employer_deferral
    if command == "plan" and scenario.goal.deferral != "max" and scenario.goal.deferral > allowed:
        out.append(f"goal.deferral of {money(scenario.goal.deferral)} is more than the limits allow this year "
                   f"({money(max(allowed, 0))}): planned up to the limit.")
    if command == "plan" and scenario.goal.after_tax != "max" and scenario.goal.after_tax > rules.annual_additions_limit:
        out.append(f"goal.after_tax of {money(scenario.goal.after_tax)} is more than the 415(c) limit allows this "
                   f"year ({money(rules.annual_additions_limit)}, deferral and match included): planned up to the room left.")
    if command == "check" and future and scenario.elections[0].start > paychecks.dates[future[0]]:
        first = scenario.elections[0].start
        uncovered = sum(1 for i in future if paychecks.dates[i] < first and paychecks.eligible[i] > 0)
        if uncovered:
            out.append(f"No election is in force before {first}: the {uncovered} paycheck{'s' if uncovered > 1 else ''} "
                       "before it are taken at 0 %.")
    if scenario.taxes and limits.ss_wage_base is None:
        out.append(f"No Social Security wage base for {scenario.tax_year}: 6.2 % is taken on all wages "
                   "(give ss_wage_base with the limits).")
    if command == "check":
        step = scenario.plan.pct_step
        caps = scenario.plan
        for e in scenario.elections:
            if (e.deferral_pct > caps.max_deferral_pct or e.after_tax_pct > caps.max_after_tax_pct
                    or e.deferral_pct + e.after_tax_pct > caps.max_total_pct):
                out.append(f"The election from {e.start} ({pct_value(e.deferral_pct)}% / {pct_value(e.after_tax_pct)}%) "
                           "is above the plan's maximum percents: payroll may not accept it.")
            if e.deferral_pct % step or e.after_tax_pct % step:
                out.append(f"The election from {e.start} ({pct_value(e.deferral_pct)}% / {pct_value(e.after_tax_pct)}%) "
                           f"is not a multiple of the plan's {pct_value(step)}% step: payroll may not accept it.")
    return out


def _ytd_notes(scenario: Scenario, limits: Limits, paychecks: Paychecks) -> list[str]:
    """[ytd] amounts that do not fit the year: a paystub from another date, or a typo."""
    ytd = scenario.ytd
    if ytd is None or ytd.eligible_pay is None:
        return []
    if ytd.eligible_pay > limits.compensation:
        return [f"ytd.eligible_pay of {money(ytd.eligible_pay)} is above the 401(a)(17) limit of "
                f"{money(limits.compensation)}: no more pay counts this year, so nothing more can be planned."]
    calendar = sum(paychecks.eligible[:paychecks.first_future])
    if abs(ytd.eligible_pay - calendar) > max(calendar, ytd.eligible_pay) // 4:
        return [f"ytd.eligible_pay of {money(ytd.eligible_pay)} is far from the {money(calendar)} the pay "
                f"calendar gives up to {ytd.as_of}: check [ytd] against the paystub of that date."]
    return []


def _floor_out_of_reach(cash: Cash | None) -> list[str]:
    """A take-home floor above what paychecks net with nothing saved: no plan can meet it."""
    if cash is None or not cash.floor:
        return []
    bare = [cash.net(r, 0, 0, 0) for r, kind in enumerate(cash.kinds) if kind == "regular"]
    below = [net for net in bare if net < cash.floor]
    if not below:
        return []
    return [f"The take-home floor of {money(cash.floor)} (goal.min_net_pay) is above what {len(below)} of "
            f"{len(bare)} paychecks net with nothing saved (as little as {money(min(below))}): it cannot be met "
            "there" + (" without the RSU cash." if cash.use_proceeds else ".")]


def _hce_warning(scenario: Scenario, totals: dict) -> list[str]:
    """R14: after-tax money of highly compensated employees may be refunded by the ACP test."""
    if not totals["after_tax"]:
        return []
    threshold, warning = _hce_rule(scenario.tax_year)
    pay = scenario.pay.prior_year_fica_wages or scenario.pay.salary
    return [] if threshold is None or pay <= threshold else [warning]


@functools.lru_cache(maxsize=64)
def _hce_rule(tax_year: int) -> tuple[int | None, str]:
    """The pay above which a person is likely an HCE in `tax_year`, and the warning that says
    so (the same for every person of a year)."""
    try:  # HCE status for year Y looks at pay in Y-1 against that year's threshold
        threshold = limits_for(tax_year - 1).hce_threshold
    except PlannerError:
        return None, ""
    if threshold is None:
        return None, ""
    return threshold, (f"Likely a highly compensated employee (pay above {money(threshold)}, the {tax_year - 1} "
                       f"threshold that decides it for {tax_year}): if the plan fails its ACP test, part of the "
                       "after-tax contributions may be refunded after year end.")
