"""Net pay and the take-home floor (issue 4 acceptance).

The rule (scenario-format.md, "Net pay"): net = gross - pre-tax - Roth - after-tax
- Social Security (6.2 % of the part of gross below the year's wage base, counting every
row's gross in date order, RSU included) - Medicare (1.45 % of gross plus 0.9 % of the
part of the year's running wages above $200,000) - income tax (income_tax_rate, or
supplemental_rate on bonus and RSU rows, x (gross - pre-tax)) - state tax (state_tax_rate x
(gross - pre-tax)) - other_deductions (regular rows only); each tax rounded half-up to the
cent (Medicare, additional 0.9 % included, is one tax). An RSU row's net is 0; its
proceeds are its value less those taxes. Pre-tax deferrals do not lower FICA wages (R19).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import planner
from planner.errors import PlannerError
from tests.helpers import REPO, cents, half_up, run_cli, scenario
from tests.strategies import property_settings

SETTINGS = property_settings(40)

SS_WAGE_BASE = {2023: 160_200_00, 2024: 168_600_00, 2025: 176_100_00, 2026: 184_500_00}  # rules.md 1
MEDICARE_THRESHOLD = 200_000_00
CASH_KEYS = ("social_security", "medicare", "income_tax", "state_tax", "other_deductions", "net_pay",
             "rsu_proceeds", "rsu_cash_drawn", "rsu_cash_left")

EXAMPLE = REPO / "examples" / "rsu-vests-floor-2026.toml"


def rate(value) -> Fraction:
    return Fraction(str(value))


def withheld(p: dict, taxes: dict, wages_before: int, year: int) -> dict:
    """One row's taxes by the rule, in cents, from the wages paid before it this year."""
    gross, pretax = cents(p["gross"]), cents(p["pretax"])
    base = SS_WAGE_BASE[year]
    below_base = max(min(wages_before + gross, base) - min(wages_before, base), 0)
    above = max(wages_before + gross - MEDICARE_THRESHOLD, 0) - max(wages_before - MEDICARE_THRESHOLD, 0)
    regular = p["kind"] == "regular"
    income = rate(taxes.get("income_tax_rate", 0)) if regular else rate(taxes.get("supplemental_rate", 0.22))
    state = rate(taxes.get("state_tax_rate", 0))
    return {
        "social_security": half_up(Fraction(62, 1000) * below_base),
        "medicare": half_up(Fraction(145, 10000) * gross + Fraction(9, 1000) * above),
        "income_tax": half_up(income * (gross - pretax)),
        "state_tax": half_up(state * (gross - pretax)),
        "other_deductions": cents(taxes.get("other_deductions", 0)) if regular else 0,
    }


def expected_cash(out: dict, taxes: dict, wages_before: int = 0) -> list[dict]:
    """Every period's taxes, net pay and RSU proceeds by the rule, in cents."""
    rows, wages = [], wages_before
    for p in out["periods"]:
        w = withheld(p, taxes, wages, out["tax_year"])
        gross = cents(p["gross"])
        if p["kind"] == "rsu":
            net, proceeds = 0, max(gross - sum(w.values()), 0)
        else:
            net = gross - cents(p["pretax"]) - cents(p["roth"]) - cents(p["after_tax"]) - sum(w.values())
            proceeds = 0
        rows.append({**w, "net_pay": net, "rsu_proceeds": proceeds})
        wages += gross
    return rows


def assert_net_pay_rule(out: dict, taxes: dict, wages_before: int = 0) -> None:
    for p, want in zip(out["periods"], expected_cash(out, taxes, wages_before), strict=True):
        got = {key: cents(p[key]) for key in want}
        assert got == want, f"{p['pay_date']} {p['kind']}: got {got}, the rule gives {want}"


# ---------------------------------------------------------------- hand-computed cases

TAXES = {"income_tax_rate": 0.24, "supplemental_rate": 0.22, "state_tax_rate": 0.05, "other_deductions": 123.45}


@pytest.fixture(scope="module")
def regular_year() -> dict:
    """2026, age 55, $250,000 semimonthly: 10,416.67 a paycheck. Last year's FICA wages
    200,000 > 150,000, so all catch-up is Roth. 50 % deferral + 10 % after-tax from Jan 1,
    then 0 % + 10 % from Mar 16. Taxes: 24 % income, 22 % supplemental, 5 % state, 123.45 other."""
    data = scenario(2026, age=55, frequency="semimonthly", salary=250_000, pay={"prior_year_fica_wages": 200_000},
                    elections=[(dt.date(2026, 1, 1), 50, 10), (dt.date(2026, 3, 16), 0, 10)], taxes=TAXES)
    return planner.check(data).to_dict()


def money_of(p: dict) -> dict:
    return {key: p[key] for key in ("pretax", "roth", "after_tax", *CASH_KEYS[:6])}


def test_regular_paycheck_with_pretax_roth_and_after_tax(regular_year):
    """Paycheck 5 (Mar 13) crosses 402(g) = 24,500: 50 % of 10,416.67 = 5,208.34 a paycheck,
    4 x 5,208.34 = 20,833.36, so 3,666.64 is pre-tax and 1,541.70 is catch-up, Roth.
      after-tax      10 % x 10,416.67              = 1,041.67
      Social Sec.    6.2 % x 10,416.67 = 645.8335   ->  645.83  (wages 52,083.35 < 184,500)
      Medicare       1.45 % x 10,416.67 = 151.0417  ->  151.04
      income tax     24 % x (10,416.67 - 3,666.64 = 6,750.03) = 1,620.0072 -> 1,620.01
      state tax      5 % x 6,750.03 = 337.5015      ->  337.50
      other                                          =   123.45
      net = 10,416.67 - 3,666.64 - 1,541.70 - 1,041.67 - 645.83 - 151.04 - 1,620.01
            - 337.50 - 123.45 = 1,288.83
    (the Roth dollars are taxed: only the pre-tax part lowers the income and state tax)."""
    p = regular_year["periods"][4]
    assert p["pay_date"] == "2026-03-13"
    assert money_of(p) == {"pretax": 3_666.64, "roth": 1_541.70, "after_tax": 1_041.67, "social_security": 645.83,
                           "medicare": 151.04, "income_tax": 1_620.01, "state_tax": 337.50,
                           "other_deductions": 123.45, "net_pay": 1_288.83}
    # paychecks 1-4: 24 % x (10,416.67 - 5,208.34 = 5,208.33) = 1,249.9992 -> 1,250.00;
    # 5 % x 5,208.33 = 260.4165 -> 260.42; net 10,416.67 - 5,208.34 - 1,041.67 - 645.83
    # - 151.04 - 1,250.00 - 260.42 - 123.45 = 1,735.92
    assert [p["net_pay"] for p in regular_year["periods"][:4]] == [1_735.92] * 4
    assert regular_year["periods"][0]["income_tax"] == 1_250.00


def test_paycheck_crossing_the_social_security_wage_base(regular_year):
    """17 paychecks = 177,083.39 of wages; the 18th (Sep 30) brings 187,500.06, past the
    2026 base of 184,500: SS only on 184,500 - 177,083.39 = 7,416.61 -> 6.2 % = 459.82982 ->
    459.83. Net = 10,416.67 - 1,041.67 - 459.83 - 151.04 - 2,500.00 (24 % x 10,416.67 =
    2,500.0008) - 520.83 (5 % = 520.8335) - 123.45 = 5,619.85. From the 19th: SS 0,
    net 6,079.68. The year's SS is 6.2 % x 184,500 = 11,439.00 (rules.md 5, ex. 17) less
    the cents lost rounding 18 partial amounts: 17 x 645.83 + 459.83 = 11,438.94."""
    periods = regular_year["periods"]
    assert periods[17]["pay_date"] == "2026-09-30"
    assert [p["social_security"] for p in periods[16:19]] == [645.83, 459.83, 0.0]
    assert money_of(periods[17]) == {"pretax": 0.0, "roth": 0.0, "after_tax": 1_041.67, "social_security": 459.83,
                                     "medicare": 151.04, "income_tax": 2_500.00, "state_tax": 520.83,
                                     "other_deductions": 123.45, "net_pay": 5_619.85}
    assert periods[18]["net_pay"] == 6_079.68
    assert all(p["social_security"] == 0 for p in periods[18:])
    assert regular_year["totals"]["cash_flow"]["social_security"] == 11_438.94


def test_additional_medicare_above_200000(regular_year):
    """After 19 paychecks wages are 197,916.73; the 20th (Oct 30) brings 208,333.40:
    Medicare = 1.45 % x 10,416.67 + 0.9 % x 8,333.40 = 151.041715 + 75.0006 = 226.042315 ->
    226.04; net = 10,416.67 - 1,041.67 - 0 - 226.04 - 2,500.00 - 520.83 - 123.45 = 6,004.68.
    The 21st: 151.041715 + 0.9 % x 10,416.67 (93.75003) = 244.791745 -> 244.79; net 5,985.93."""
    periods = regular_year["periods"]
    assert [p["medicare"] for p in periods[18:22]] == [151.04, 226.04, 244.79, 244.79]
    assert [p["net_pay"] for p in periods[19:21]] == [6_004.68, 5_985.93]


def test_every_row_of_the_regular_year_follows_the_rule(regular_year):
    assert_net_pay_rule(regular_year, TAXES)
    totals = regular_year["totals"]["cash_flow"]
    for key in ("net_pay", "social_security", "medicare", "income_tax", "state_tax", "other_deductions"):
        assert cents(totals[key]) == sum(cents(p[key]) for p in regular_year["periods"]), key


@pytest.fixture(scope="module")
def bonus_rsu_year() -> dict:
    """2026, $120,000 semimonthly (5,000 a paycheck), 10 % pre-tax; a $50,000 bonus on
    Mar 6 and a $100,000 RSU vest on May 20. Taxes: 24 % income, 22 % supplemental, 5 %
    state, $100 other deductions (regular paychecks only)."""
    taxes = {"income_tax_rate": 0.24, "supplemental_rate": 0.22, "state_tax_rate": 0.05, "other_deductions": 100}
    data = scenario(2026, age=40, frequency="semimonthly", salary=120_000, elections=[(dt.date(2026, 1, 1), 10, 0)],
                    bonus=[{"date": dt.date(2026, 3, 6), "amount": 50_000}],
                    rsu=[{"date": dt.date(2026, 5, 20), "value": 100_000}], taxes=taxes)
    out = planner.check(data).to_dict()
    assert_net_pay_rule(out, taxes)
    return out


def row(out: dict, day: str, kind: str) -> dict:
    return next(p for p in out["periods"] if p["pay_date"] == day and p["kind"] == kind)


def test_bonus_at_the_supplemental_rate_without_other_deductions(bonus_rsu_year):
    """Mar 6 bonus 50,000, 10 % deferred (5,000 pre-tax): SS 6.2 % x 50,000 = 3,100.00
    (wages 20,000 before it); Medicare 1.45 % = 725.00; income tax at the supplemental
    22 % x 45,000 = 9,900.00; state 5 % x 45,000 = 2,250.00; no other deductions.
    Net = 50,000 - 5,000 - 3,100 - 725 - 9,900 - 2,250 = 29,025.00."""
    p = row(bonus_rsu_year, "2026-03-06", "bonus")
    assert money_of(p) == {"pretax": 5_000.0, "roth": 0.0, "after_tax": 0.0, "social_security": 3_100.0,
                           "medicare": 725.0, "income_tax": 9_900.0, "state_tax": 2_250.0,
                           "other_deductions": 0.0, "net_pay": 29_025.0}


def test_rsu_row_nets_zero_and_its_proceeds_are_the_value_less_its_taxes(bonus_rsu_year):
    """May 20 vest of 100,000, wages before it 95,000 (9 paychecks of 5,000 and the 50,000
    bonus): SS only on 184,500 - 95,000 = 89,500 -> 5,549.00; Medicare 1.45 % x
    100,000 = 1,450.00 (wages 195,000, under 200,000); income at the supplemental 22 % =
    22,000.00; state 5,000.00. Withheld in shares: net pay 0. Proceeds of the shares sold
    at vest = 100,000 - 5,549 - 1,450 - 22,000 - 5,000 = 66,001.00."""
    p = row(bonus_rsu_year, "2026-05-20", "rsu")
    assert (p["deferral"], p["after_tax"], p["eligible"]) == (0, 0, 0)
    assert money_of(p) == {"pretax": 0.0, "roth": 0.0, "after_tax": 0.0, "social_security": 5_549.0,
                           "medicare": 1_450.0, "income_tax": 22_000.0, "state_tax": 5_000.0,
                           "other_deductions": 0.0, "net_pay": 0.0}
    assert p["rsu_proceeds"] == 66_001.0
    assert bonus_rsu_year["totals"]["cash_flow"]["rsu_proceeds"] == 66_001.0


def test_paycheck_after_the_vest_pays_no_social_security(bonus_rsu_year):
    """The vest carried wages to 195,000, past the 184,500 base: the May 29 paycheck pays no
    SS. Net = 5,000 - 500 - 0 - 72.50 - 1,080 (24 % x 4,500) - 225 (5 % x 4,500) - 100 =
    3,022.50 (it was 2,712.50 with 310.00 of SS). It brings wages to exactly 200,000, so no
    additional Medicare yet; Jun 15 (205,000) pays 72.50 + 0.9 % x 5,000 = 117.50: 2,977.50."""
    before, after, june = (row(bonus_rsu_year, d, "regular") for d in ("2026-05-15", "2026-05-29", "2026-06-15"))
    assert (before["social_security"], before["net_pay"]) == (310.0, 2_712.5)
    assert (after["social_security"], after["medicare"], after["net_pay"]) == (0.0, 72.5, 3_022.5)
    assert (june["social_security"], june["medicare"], june["net_pay"]) == (0.0, 117.5, 2_977.5)


def test_a_replan_counts_the_wage_base_from_ytd_gross_pay():
    """Re-plan from Jun 30 2026 with ytd.gross_pay = 182,000 (more than the calendar's
    60,000: say an earlier vest): the Jul 15 paycheck (5,000) pays SS on 184,500 - 182,000 =
    2,500 only -> 155.00, then none; wages pass 200,000 on Aug 31 (202,000): Medicare 72.50
    + 0.9 % x 2,000 = 90.50."""
    taxes = {"income_tax_rate": 0.2}
    data = scenario(2026, frequency="semimonthly", salary=120_000, taxes=taxes,
                    ytd={"as_of": dt.date(2026, 6, 30), "deferral": 6_000, "match": 1_200, "gross_pay": 182_000})
    out = planner.plan(data).to_dict()
    assert_net_pay_rule(out, taxes, wages_before=182_000_00)
    assert [p["social_security"] for p in out["periods"][:3]] == [155.0, 0.0, 0.0]
    aug31 = row(out, "2026-08-31", "regular")
    assert aug31["medicare"] == 90.5


# ---------------------------------------------------------------- properties


def money(low: int, high: int):
    return st.integers(low * 100, high * 100).map(lambda c: c / 100 if c % 100 else c // 100)


def day_in(year: int):
    return st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31))


@st.composite
def taxed_scenarios(draw, floor: bool = True):
    """A plan from January with [taxes]; with `floor`, a take-home floor between 20 % and
    95 % of a regular paycheck's gross (sometimes above what it nets with nothing saved)."""
    year = draw(st.integers(2023, 2026))
    frequency = draw(st.sampled_from(["weekly", "biweekly", "semimonthly", "monthly"]))
    salary = draw(money(40_000, 600_000))
    pay = {"frequency": frequency, "salary": salary}
    if draw(st.booleans()):
        pay["prior_year_fica_wages"] = draw(st.sampled_from([0, 400_000]))
    step = draw(st.sampled_from([1, 0.5, 0.01]))
    plan = {
        "match": draw(st.sampled_from([[], [{"rate": 0.5, "up_to_pct": 4}], [{"rate": 1, "up_to_pct": 3},
                                                                            {"rate": 0.5, "up_to_pct": 5}]])),
        "match_true_up": draw(st.booleans()),
        "pct_step": step,
        "max_deferral_pct": draw(st.sampled_from([25, 50, 75, 100])),
        "max_after_tax_pct": draw(st.sampled_from([0, 30, 50, 100])),
        "max_total_pct": draw(st.sampled_from([65, 100])),
        "auto_stop_deferral": draw(st.booleans()),
        "auto_stop_after_tax": draw(st.booleans()),
        "spillover_to_after_tax": draw(st.booleans()),
        "separate_bonus_election": draw(st.booleans()),
    }
    goal = {
        "deferral": draw(st.one_of(st.just("max"), money(500, 30_000))),
        "after_tax": draw(st.one_of(st.just("max"), st.just(0), money(500, 50_000))),
        "strategy": draw(st.sampled_from(["even", "front-load"])),
        "deferral_type": draw(st.sampled_from(["pretax", "roth"])),
        "use_rsu_proceeds": draw(st.booleans()),
    }
    per_year = {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}[frequency]
    if floor:
        goal["min_net_pay"] = round(salary / per_year * draw(st.integers(20, 95)) / 100, 2)
    taxes = {
        "income_tax_rate": draw(st.sampled_from([0, 0.1, 0.22, 0.24, 0.37])),
        "supplemental_rate": draw(st.sampled_from([0.22, 0.37])),
        "state_tax_rate": draw(st.sampled_from([0, 0.05, 0.093])),
        "other_deductions": draw(st.sampled_from([0, 150, 987.65])),
    }
    return {
        "tax_year": year, "age": draw(st.integers(25, 70)), "pay": pay, "plan": plan, "goal": goal, "taxes": taxes,
        "raise": [{"effective": d, "salary": s}
                  for d, s in draw(st.lists(st.tuples(day_in(year), money(40_000, 600_000)), max_size=1))],
        "bonus": [{"date": d, "amount": a} for d, a in draw(st.lists(st.tuples(day_in(year), money(1_000, 150_000)),
                                                                    max_size=2))],
        "rsu": [{"date": d, "value": v} for d, v in draw(st.lists(st.tuples(day_in(year), money(1_000, 300_000)),
                                                                 max_size=2))],
    }


def nothing_saved(out: dict, taxes: dict) -> list[int]:
    """Each row's net pay with no contribution at all (what the floor is measured against)."""
    zero = {**out, "periods": [{**p, "pretax": 0, "roth": 0, "after_tax": 0} for p in out["periods"]]}
    return [r["net_pay"] for r in expected_cash(zero, taxes)]


def uncovered(kinds: list[str], net: list[int], proceeds: list[int], floor: int, use_proceeds: bool) -> int:
    """The rule's shortfall: net pay below $0 (any paycheck: nothing covers it), and below the
    floor above $0 (regular paychecks, which draw on RSU cash already received)."""
    pool = short_total = 0
    for kind, n, cash in zip(kinds, net, proceeds):
        if kind != "rsu":
            short_total += max(-n, 0)
        if kind == "regular" and max(n, 0) < floor:
            draw = min(floor - max(n, 0), pool) if use_proceeds else 0
            short_total += floor - max(n, 0) - draw
            pool -= draw
        if use_proceeds:
            pool += cash
    return short_total


@SETTINGS
@given(taxed_scenarios())
def test_no_regular_paycheck_nets_below_the_floor(data):
    """With a floor: every row follows the net-pay rule; a regular paycheck that would net
    at least the floor with nothing saved nets at least the floor (RSU cash drawn
    included, when the goal allows it); one that would not gets no contribution (the
    solver's rule: no paycheck's shortfall may grow), unless RSU cash covers all of its
    shortfall. RSU cash is drawn only to cover a shortfall, never beyond what the
    vests before it brought, and what is left never goes negative."""
    out = planner.plan(data).to_dict()
    taxes, goal = data["taxes"], data["goal"]
    floor, use = cents(goal["min_net_pay"]), goal["use_rsu_proceeds"]
    assert_net_pay_rule(out, taxes)
    periods = out["periods"]
    net0 = nothing_saved(out, taxes)
    where = f"floor {floor / 100}, use_rsu_proceeds {use}"

    pool = 0
    for p, zero in zip(periods, net0):
        net, drawn = cents(p["net_pay"]), cents(p["rsu_cash_drawn"])
        if p["kind"] == "regular":
            saved = cents(p["deferral"]) + cents(p["after_tax"])
            if zero >= floor or saved:  # below the floor with nothing saved: RSU cash covers it all
                assert net + drawn >= floor, (p, zero, where)
            else:
                assert net == zero, (p, zero, where)
            if zero < floor and not use:
                assert saved == 0, (p, zero, where)
        # RSU cash: drawn only below the floor, from what earlier vests brought
        if not use:
            assert drawn == 0 and cents(p["rsu_cash_left"]) == 0, p
            continue
        if p["kind"] != "rsu" and cents(p["deferral"]) + cents(p["after_tax"]):
            assert net >= 0, (p, where)  # no paycheck pays out more than it has
        if drawn:
            assert p["kind"] == "regular" and net < floor and drawn == min(floor - max(net, 0), pool), (p, pool, where)
        pool += cents(p["rsu_proceeds"]) - drawn
        assert cents(p["rsu_cash_left"]) == pool >= 0, (p, pool)

    kinds = [p["kind"] for p in periods]
    proceeds = [cents(p["rsu_proceeds"]) for p in periods]
    plan_short = uncovered(kinds, [cents(p["net_pay"]) for p in periods], proceeds, floor, use)
    assert plan_short == uncovered(kinds, net0, proceeds, floor, use), where
    cash = out["totals"]["cash_flow"]
    assert cents(cash["rsu_cash_drawn"]) == sum(cents(p["rsu_cash_drawn"]) for p in periods)
    assert cents(cash["rsu_proceeds"]) == sum(proceeds)
    # the limits still hold
    t, limits = out["totals"], out["limits"]
    assert t["excess"] == 0
    assert cents(t["deferral"]) <= cents(limits["deferral"]) + cents(limits["catch_up"])
    assert cents(t["annual_additions"]) <= cents(limits["annual_additions_applied"])


SCHEDULE_KEYS = ("pay_date", "kind", "gross", "eligible", "deferral_pct", "deferral", "pretax", "roth", "catch_up",
                 "after_tax_pct", "after_tax", "match", "capped")


@SETTINGS
@given(taxed_scenarios(floor=False))
def test_taxes_without_a_floor_change_no_election(data):
    """[taxes] with min_net_pay 0 only adds the cash columns: the same periods, totals and
    elections as the same plan without [taxes], wherever that plan nets at least $0 a
    paycheck. Where it would not (a low salary, high after-tax caps), the spec's default
    floor of $0 holds instead, for bonuses too: no paycheck can pay out more than it has."""
    taxed = planner.plan(data).to_dict()
    untaxed_data = {k: v for k, v in data.items() if k != "taxes"}
    untaxed_data["goal"] = {k: v for k, v in data["goal"].items() if k != "use_rsu_proceeds"}
    plain = planner.plan(untaxed_data).to_dict()
    assert_net_pay_rule(taxed, data["taxes"])
    plain_net = [row["net_pay"] for row, p in zip(expected_cash(plain, data["taxes"]), plain["periods"])
                 if p["kind"] != "rsu"]
    if min(plain_net, default=0) < 0:
        assert all(cents(p["net_pay"]) >= 0 for p in taxed["periods"]
                   if p["kind"] != "rsu" and cents(p["deferral"]) + cents(p["after_tax"]))
        return
    assert [{k: p[k] for k in SCHEDULE_KEYS} for p in taxed["periods"]] == \
           [{k: p[k] for k in SCHEDULE_KEYS} for p in plain["periods"]]
    assert {k: v for k, v in taxed["totals"].items() if k != "cash_flow"} == plain["totals"]
    assert taxed["elections"] == plain["elections"]
    assert "cash_flow" in taxed["totals"] and "cash_flow" not in plain["totals"]
    assert all("net_pay" not in p for p in plain["periods"])


# ---------------------------------------------------------------- the example


@pytest.fixture(scope="module")
def example_plans() -> tuple[dict, dict]:
    """examples/rsu-vests-floor-2026.toml as given (no RSU cash) and with use_rsu_proceeds."""
    from planner.scenario import read_toml

    data = read_toml(EXAMPLE)
    assert data["goal"]["use_rsu_proceeds"] is False
    plain = planner.plan(data).to_dict()
    data["goal"]["use_rsu_proceeds"] = True
    return plain, planner.plan(data).to_dict()


def test_example_after_tax_grows_once_the_wage_base_is_crossed(example_plans):
    """$240,000 semimonthly = 10,000 a paycheck; vests of 60,000 on Feb 20 and May 20. The
    May vest carries wages from 150,000 to 210,000, past 184,500: the paychecks after it
    pay no SS (620.00 less) and 0.9 % more Medicare (90.00), so each can take 530.00 more
    after-tax at the same take-home: the front-loaded after-tax percent goes up."""
    plain, _ = example_plans
    periods = plain["periods"]
    assert_net_pay_rule(plain, {"income_tax_rate": 0.24, "supplemental_rate": 0.22, "other_deductions": 150})
    vest = row(plain, "2026-05-20", "rsu")
    assert 0 < vest["social_security"] < 6.2 / 100 * 60_000  # the vest crosses the base
    regular = [p for p in periods if p["kind"] == "regular"]
    before = [p for p in regular if p["pay_date"] < "2026-05-20" and p["social_security"] > 0]
    after = [p for p in regular if p["pay_date"] > "2026-05-20"]
    assert after[0]["social_security"] == 0 and before[-1]["social_security"] == 620.0
    assert after[0]["after_tax_pct"] > before[-1]["after_tax_pct"], (before[-1], after[0])
    assert after[0]["after_tax"] > before[-1]["after_tax"]


def test_example_without_rsu_cash_keeps_every_paycheck_at_the_floor(example_plans):
    plain, _ = example_plans
    for p in plain["periods"]:
        if p["kind"] == "regular":
            assert p["net_pay"] >= 3_000, p
        assert p["rsu_cash_drawn"] == 0
    t = plain["totals"]
    assert t["deferral"] == 24_500  # 402(g) 2026, exactly
    assert cents(t["annual_additions"]) <= 72_000_00
    assert t["excess"] == 0


def test_example_rsu_cash_puts_more_after_tax_in_early(example_plans):
    """With the shares' cash (42,210.00 from the Feb vest: 60,000 - 3,720 SS - 870 Medicare
    - 13,200 at 22 %) covering paychecks below 3,000, more after-tax goes in by the end of
    April than without it; the floor still holds once the cash drawn is counted."""
    plain, proceeds = example_plans
    by_april = [sum(p["after_tax"] for p in plan["periods"] if p["pay_date"] <= "2026-04-30")
                for plan in (plain, proceeds)]
    assert by_april[1] > by_april[0], by_april
    assert row(proceeds, "2026-02-20", "rsu")["rsu_proceeds"] == 42_210.0
    drawn = 0
    for p in proceeds["periods"]:
        if p["kind"] == "regular":
            assert cents(p["net_pay"]) + cents(p["rsu_cash_drawn"]) >= 3_000_00, p
        assert p["rsu_cash_left"] >= 0
        drawn += cents(p["rsu_cash_drawn"])
    assert drawn > 0
    assert cents(proceeds["totals"]["cash_flow"]["rsu_cash_drawn"]) == drawn
    t = proceeds["totals"]
    assert t["deferral"] == 24_500
    assert cents(t["annual_additions"]) <= 72_000_00
    assert t["excess"] == 0


# ---------------------------------------------------------------- warnings, errors, CLI


def test_a_binding_floor_is_named_in_a_warning():
    """$120,000 semimonthly (5,000), 24 % income tax, floor 2,500. With nothing saved a
    paycheck nets 5,000 - 310 - 72.50 - 1,200 = 3,417.50; each pre-tax dollar costs 0.76 of
    take-home, so deferral may reach 1,207 a paycheck (24 % = 1,200 -> 28,800 a year, enough
    for 24,500), and what is left above the floor cannot hold the after-tax room."""
    data = scenario(2026, frequency="semimonthly", salary=120_000, taxes={"income_tax_rate": 0.24},
                    goal={"min_net_pay": 2_500})
    out = planner.plan(data).to_dict()
    assert out["totals"]["deferral"] == 24_500
    floor = [w for w in out["warnings"] if "take-home floor" in w]
    assert floor and "$2,500.00" in floor[0] and "goal.min_net_pay" in floor[0], out["warnings"]
    assert all(p["net_pay"] >= 2_500 for p in out["periods"])
    # room 72,000 - 24,500 - 2,400 of match = 45,100, of which the floor lets 3,100 in
    assert out["totals"]["after_tax"] == 3_100
    assert "$42,000.00 of room is left unused" in floor[0]


def test_a_floor_above_every_paycheck_saves_nothing_and_says_why():
    """Floor 3,500 > 3,417.50, what a paycheck nets with nothing saved: no contribution."""
    data = scenario(2026, frequency="semimonthly", salary=120_000, taxes={"income_tax_rate": 0.24},
                    goal={"min_net_pay": 3_500})
    out = planner.plan(data).to_dict()
    assert out["totals"]["deferral"] == 0 and out["totals"]["after_tax"] == 0
    assert all(p["net_pay"] == 3_417.5 for p in out["periods"])
    assert any("take-home floor" in w and "Deferral goal not reached" in w and "$24,500.00 of deferral room" in w
               for w in out["warnings"]), out["warnings"]
    assert any("After-tax goal not reached" in w and "$72,000.00 of room" in w for w in out["warnings"])
    assert any("above what 24 of 24 paychecks net with nothing saved (as little as $3,417.50)" in w
               and "cannot be met" in w for w in out["warnings"]), out["warnings"]


@pytest.mark.parametrize("key", ["min_net_pay", "use_rsu_proceeds"])
def test_floor_without_taxes_is_an_error_naming_the_field(key):
    data = scenario(2026, goal={key: 3_000 if key == "min_net_pay" else True})
    with pytest.raises(PlannerError) as info:
        planner.plan(data)
    assert info.value.field == f"goal.{key}"


def test_cli_cashflow_view_prints_net_pay():
    result = run_cli("plan", EXAMPLE, "--view", "cashflow")
    assert result.returncode == 0, result.stderr
    assert "Net pay" in result.stdout
    assert "Soc. Sec." in result.stdout and "3,037.00" in result.stdout


def test_cli_cashflow_view_with_rsu_proceeds_flag():
    result = run_cli("plan", EXAMPLE, "--view", "cashflow", "--use-rsu-proceeds")
    assert result.returncode == 0, result.stderr
    assert "RSU cash used" in result.stdout


def test_cli_cashflow_view_without_taxes_exits_2_with_one_line():
    result = run_cli("plan", REPO / "examples" / "check-20-percent-2025.toml", "--view", "cashflow")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--view" in lines[0] and "[taxes]" in lines[0], result.stderr


def test_cli_min_net_pay_without_taxes_exits_2_naming_the_flag():
    result = run_cli("plan", REPO / "examples" / "check-20-percent-2025.toml", "--min-net-pay", "3000")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--min-net-pay" in lines[0] and "[taxes]" in lines[0], result.stderr


def test_json_periods_carry_the_cash_columns_only_with_taxes():
    taxed = planner.plan(scenario(2025, taxes={"income_tax_rate": 0.2})).to_dict()
    assert all(set(CASH_KEYS) <= set(p) for p in taxed["periods"])
    plain = planner.plan(scenario(2025)).to_dict()
    assert not any(set(CASH_KEYS) & set(p) for p in plain["periods"])


def test_without_a_floor_net_pay_never_goes_below_zero():
    """Found by a new user's trial: $60,000 biweekly with 22 % + 5 % tax, $200 of other
    deductions and a 60 % after-tax cap planned 40 % + 59 % and a net pay of -727.31 every
    paycheck. The spec's min_net_pay = 0 is a floor too: what the paycheck cannot cover
    is not planned, and the warning says what binds."""
    data = scenario(age=40, salary=60_000, plan={"max_after_tax_pct": 60},
                    taxes={"income_tax_rate": 0.22, "state_tax_rate": 0.05, "other_deductions": 200})
    out = planner.plan(data).to_dict()
    assert_net_pay_rule(out, data["taxes"])
    nets = [cents(p["net_pay"]) for p in out["periods"]]
    assert min(nets) >= 0 and min(nets) < 10_00  # at the floor, within a step of a paycheck
    assert cents(out["totals"]["deferral"]) == 23_500_00
    assert any("net pay, which cannot go below $0" in w and "After-tax goal not reached" in w for w in out["warnings"])


def test_a_bonus_never_nets_below_zero():
    """Found by a new user's trial: front-loading put 6 % + 59 % of a $50,000 bonus taxed at
    22 % + 10 % state, netting -1,365.00. A bonus's floor is $0 (the take-home floor is
    for regular paychecks): payroll cannot take more than the paycheck pays."""
    data = scenario(age=40, frequency="monthly", salary=189_000, match=[{"rate": 0.5, "up_to_pct": 6}],
                    plan={"max_deferral_pct": 90, "max_after_tax_pct": 90}, goal={"strategy": "front-load"},
                    bonus=[{"date": dt.date(2025, 3, 14), "amount": 50_000}],
                    taxes={"income_tax_rate": 0.3, "supplemental_rate": 0.22, "state_tax_rate": 0.1})
    out = planner.plan(data).to_dict()
    assert_net_pay_rule(out, data["taxes"])
    (bonus,) = [p for p in out["periods"] if p["kind"] == "bonus"]
    assert 0 <= cents(bonus["net_pay"]) < cents(bonus["eligible"]) // 100  # within a step of the bonus
    assert all(cents(p["net_pay"]) >= 0 for p in out["periods"])
    assert cents(out["totals"]["deferral"]) == 23_500_00
