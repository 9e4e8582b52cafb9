"""The columnar solver (planner.columnar.solve_many) gives exactly what solver.solve gives
each person it takes (elections, simulation and warnings, to the cent), takes the people a
batch mostly holds, and leaves the rest to the solver; api.plan_all puts both together."""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest
from hypothesis import given

import planner
from planner.api import planning
from planner.columnar import fits, solve_many
from planner.errors import PlannerError
from planner.solver import solve
from tests.strategies import property_settings, scenarios
from tests.test_batch import case_scenarios, generated_person


def problems(datas: list[dict]) -> list[tuple]:
    out = []
    for data in datas:
        try:
            out.append(planning(copy.deepcopy(data)).problem)
        except PlannerError:
            continue  # the generator's bad rows
    return out


def assert_same(problem_list: list[tuple]) -> int:
    """Every person solve_many takes gets solve's Solution; returns how many it took."""
    taken = 0
    for problem, solution in zip(problem_list, solve_many(problem_list)):
        if solution is None:
            continue
        taken += 1
        alone = solve(*problem)
        assert solution.deferral_pct == alone.deferral_pct
        assert solution.after_tax_pct == alone.after_tax_pct
        assert solution.simulation == alone.simulation
        assert repr(solution.simulation) == repr(alone.simulation)  # == cannot tell True from 1
        assert solution.warnings == alone.warnings
    return taken


def typical_person(rng: random.Random) -> dict:
    """Biweekly pay, a bonus, a raise, a preset or a common match (the benchmark's people)."""
    salary = rng.randrange(120_000, 400_000, 500)
    plan = ({"preset": rng.choice(("amazon", "google", "microsoft", "meta"))} if rng.random() < 0.5 else
            {"match": rng.choice(([{"rate": 0.5, "up_to_pct": 4}],
                                  [{"rate": 1, "up_to_pct": 3}, {"rate": 0.5, "up_to_pct": 5}]))})
    return {"tax_year": rng.choice((2025, 2026)), "age": rng.randint(25, 64),
            "pay": {"frequency": "biweekly", "first_pay_date": dt.date(2025, 1, rng.choice((3, 10))),
                    "salary": salary},
            "bonus": [{"date": dt.date(2025, 3, 14), "amount": round(salary * rng.uniform(0.05, 0.3))}],
            "raise": [{"effective": dt.date(2025, rng.randint(3, 9), 1), "salary": round(salary * 1.05)}],
            "plan": plan}


def test_typical_people_are_all_solved_together_and_exactly():
    rng = random.Random(5)
    people = [typical_person(rng) for _ in range(300)]
    for person in people:  # the year follows the pay calendar's
        person["pay"]["first_pay_date"] = person["pay"]["first_pay_date"].replace(year=person["tax_year"])
        for key, field in (("bonus", "date"), ("raise", "effective")):
            person[key][0][field] = person[key][0][field].replace(year=person["tax_year"])
    assert assert_same(problems(people)) == 300


def test_generated_people_and_cases_get_the_solvers_solution():
    rng = random.Random(11)
    people = [generated_person(rng, i) for i in range(1, 401)] + [data for _, data in case_scenarios()]
    problem_list = problems(people)
    taken = assert_same(problem_list)
    # the generator mixes in what the columnar solver leaves alone (true-up, presets it
    # cannot express as arrays are none): most people are still taken
    assert taken >= 0.75 * len(problem_list)


@given(scenarios(separate_bonus=False))
@property_settings(40)
def test_any_scenario_it_takes_gets_the_solvers_solution(data):
    # steer the random scenario into the columnar solver's ground half of the time
    if data["tax_year"] % 2:
        data["plan"].update(match_true_up=False, match_annual_cap=0, after_tax_annual_cap=0,
                            spillover_to_after_tax=False)
        data["goal"]["strategy"] = "even"
    try:
        problem = planning(data).problem
    except PlannerError:
        return
    assert_same([problem])


@pytest.mark.parametrize("change", [
    {"goal": {"strategy": "front-load"}},
    {"plan": {"match_true_up": True}},
    {"plan": {"spillover_to_after_tax": True}},
    {"plan": {"after_tax_annual_cap": 10_000}},
    {"ytd": {"as_of": dt.date(2025, 6, 30), "deferral": 10_000}},
    {"taxes": {"income_tax_rate": 0.3, "supplemental_rate": 0.22}},
])
def test_what_it_does_not_take_is_left_to_the_solver(change):
    data = {"tax_year": 2025, "age": 40, "pay": {"frequency": "biweekly", "salary": 200_000},
            "plan": {"match": [{"rate": 0.5, "up_to_pct": 4}]}}
    for key, value in change.items():
        data.setdefault(key, {}).update(value)
    problem = planning(data).problem
    assert not fits(problem[0], problem[1], problem[4], problem[5])
    assert solve_many([problem]) == [None]


def test_plan_all_is_plan_for_each_with_errors_in_place():
    good = {"tax_year": 2025, "age": 52, "pay": {"frequency": "biweekly", "salary": 250_000}, "plan": {"preset": "amazon"}}
    front = copy.deepcopy(good) | {"goal": {"strategy": "front-load"}}
    bad = {"tax_year": 2025, "pay": {"frequency": "biweekly", "salary": -5}}
    results = planner.plan_all([good, bad, front], periods=True)
    assert results[0] == planner.plan(copy.deepcopy(good))
    assert isinstance(results[1], PlannerError) and results[1].field == "pay.salary"
    assert results[2] == planner.plan(copy.deepcopy(front))
    light = planner.plan_all([good], periods=False)[0]
    assert light.periods == [] and (light.elections, light.totals, light.warnings) == (
        results[0].elections, results[0].totals, results[0].warnings)
