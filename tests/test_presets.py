"""Employer presets (issue 6): the worked examples of /work/shared/domain/rules.md section 5
reproduce through `plan.preset`, every fact is labelled and sourced, assumptions are
visible, and `planner presets` shows them."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

import planner
from planner.cli import app
from planner.errors import PlannerError
from planner.presets import (
    STATUSES,
    apply_preset,
    assumptions,
    load_preset,
    preset_facts,
    preset_names,
)
from planner.scenario import PLAN_KEYS

PRESETS = ("amazon", "generic", "google", "meta", "microsoft")


def scenario(preset: str, age: int, salary: float = 350_000, year: int = 2025, **plan) -> dict:
    """Biweekly from the year's second Friday of January (2025-01-10), goal: max and max."""
    first = {2024: dt.date(2024, 1, 12), 2025: dt.date(2025, 1, 10), 2026: dt.date(2026, 1, 9)}[year]
    return {"tax_year": year, "age": age,
            "pay": {"frequency": "biweekly", "first_pay_date": first, "salary": salary},
            "plan": {"preset": preset, **plan}}


def one_step(salary: float) -> float:
    """One 1 % step of one biweekly paycheck: how far below the exact target a plan in
    whole percents may land."""
    return round(salary / 26, 2) / 100 + 0.01


# ---------------------------------------------------------------- worked examples


def test_amazon_age_51_marketing_claim():
    """Example 1 (section 4): deferral 31,000 with 7,500 catch-up, match 7,000, after-tax 39,500."""
    p = planner.plan(scenario("amazon", 51))
    t = p.totals
    assert t["deferral"] == 31_000
    assert t["catch_up"] == 7_500
    # 2 % x 350,000 = 7,000, paid per paycheck: 26 x 269.23 = 6,999.98
    assert abs(t["match"] - 7_000) <= 0.05
    room = 70_000 - 23_500 - t["match"]
    assert room - one_step(350_000) <= t["after_tax"] <= room
    assert t["excess"] == 0


def test_amazon_age_45_pay_200000():
    """Example 2: match 2 % x 200,000 = 4,000 (26 x 153.85 = 4,000.10), after-tax 42,500."""
    t = planner.plan(scenario("amazon", 45, salary=200_000)).totals
    assert abs(t["match"] - 4_000) <= 0.15
    room = 70_000 - 23_500 - t["match"]
    assert room - one_step(200_000) <= t["after_tax"] <= room


def test_amazon_2026_pay_above_the_compensation_limit():
    """Example 3: 2026, pay 400,000 capped at 360,000: match 7,200, after-tax 40,300."""
    t = planner.plan(scenario("amazon", 40, salary=400_000, year=2026)).totals
    # per-paycheck rounding: 23 x 307.69 + 123.07 on the check that crosses 360,000 = 7,199.94
    assert abs(t["match"] - 7_200) <= 0.10
    room = 72_000 - 24_500 - t["match"]
    assert room - one_step(400_000) <= t["after_tax"] <= room


@pytest.mark.parametrize("preset", ["microsoft", "google"])
def test_microsoft_and_google_under_50(preset):
    """Examples 8-9: match 11,750, after-tax 34,750, and after-tax earns no match."""
    t = planner.plan(scenario(preset, 40)).totals
    assert t["deferral"] == 23_500
    assert t["match"] == pytest.approx(11_750, abs=0.005)
    assert 34_750 - one_step(350_000) <= t["after_tax"] <= 34_750


def test_google_2024():
    """Example 8: 2024, match 11,500, after-tax up to 34,500."""
    t = planner.plan(scenario("google", 40, year=2024)).totals
    assert t["match"] == pytest.approx(11_500, abs=0.005)
    assert 34_500 - one_step(350_000) <= t["after_tax"] <= 34_500


def test_google_3000_floor():
    """Example 8: deferring 4,000 earns max(min(4,000, 3,000), 50 % x 4,000) = 3,000.
    (Whole-percent elections land within one step of one paycheck below the 4,000 goal.)"""
    data = scenario("google", 40)
    data["goal"] = {"deferral": 4_000, "after_tax": 0}
    t = planner.plan(data).totals
    assert 4_000 - one_step(350_000) <= t["deferral"] <= 4_000
    assert t["match"] == pytest.approx(3_000, abs=0.005)
    # without the (assumed) floor the match is 50 % of the deferral
    data["plan"]["match_greater_of"] = []
    t = planner.plan(data).totals
    assert t["match"] == pytest.approx(t["deferral"] / 2, abs=0.01)


@pytest.mark.parametrize("age, catch_up, match, after_tax", [
    (45, 0, 11_750, 34_750),
    (55, 7_500, 15_500, 31_000),
    (61, 11_250, 17_375, 29_125),
])
def test_meta_match_includes_catch_up(age, catch_up, match, after_tax):
    """Example 7: Meta's match is 50 % of the deferral limit including the person's catch-up."""
    t = planner.plan(scenario("meta", age)).totals
    assert t["deferral"] == 23_500 + catch_up
    assert t["catch_up"] == catch_up
    assert t["match"] == pytest.approx(match, abs=0.005)
    assert after_tax - one_step(350_000) <= t["after_tax"] <= after_tax


@pytest.mark.parametrize("age, match", [(45, 11_750), (55, 15_500), (61, 17_375)])
def test_meta_other_documented_shape(age, match):
    """The other reading of Meta's formula ($1 for $1 up to 50 % of the limit), named in the
    preset's note, gives the same maximum when the full limit is deferred."""
    t = planner.plan(scenario("meta", age, match=[{"rate": 1.0, "up_to_limit_pct": 50}])).totals
    assert t["match"] == pytest.approx(match, abs=0.005)


def test_generic_has_no_match():
    t = planner.plan(scenario("generic", 40)).totals
    assert t["match"] == 0
    assert 46_500 - one_step(350_000) <= t["after_tax"] <= 46_500


# ---------------------------------------------------------------- overrides


def test_explicit_keys_override_the_preset():
    merged = apply_preset({"preset": "amazon", "match": [{"rate": 1.0, "up_to_pct": 6}], "match_true_up": True})
    assert merged["match"] == [{"rate": 1.0, "up_to_pct": 6}]
    assert merged["match_true_up"] is True
    assert merged["match_catch_up"] is False  # from the preset

    s = planner.scenario_from_dict(scenario("amazon", 40, match_true_up=True, pct_step=0.5))
    assert s.plan.match_true_up is True
    assert s.plan.pct_step == planner.scenario_from_dict(scenario("generic", 40, pct_step=0.5)).plan.pct_step
    assert s.plan.bonus_eligible is False  # still the preset's

    # an explicit match changes the numbers: 100 % up to 6 % of 350,000 = 21,000
    t = planner.plan(scenario("amazon", 40, match=[{"rate": 1.0, "up_to_pct": 6}])).totals
    assert abs(t["match"] - 21_000) <= 0.15


def test_load_preset_returns_a_copy():
    load_preset("amazon")["plan"]["match"].clear()
    assert load_preset("amazon")["plan"]["match"] == [{"rate": 0.5, "up_to_pct": 4}]


def test_unknown_preset_is_an_error():
    with pytest.raises(PlannerError) as err:
        planner.scenario_from_dict(scenario("nope", 40))
    assert err.value.field == "plan.preset"
    assert "nope" in err.value.message


# ---------------------------------------------------------------- the data files


def test_all_presets_installed():
    assert set(PRESETS) <= set(preset_names())


@pytest.mark.parametrize("name", PRESETS)
def test_preset_file_is_well_formed(name):
    data = load_preset(name)
    assert data["name"] == name
    assert isinstance(data["description"], str) and data["description"]
    assert isinstance(data["facts_as_of"], dt.date)  # when the facts were last checked
    plan, facts = data["plan"], data["facts"]
    assert "preset" not in plan
    assert set(plan) <= PLAN_KEYS, sorted(set(plan) - PLAN_KEYS)
    assert set(plan) <= set(facts), f"plan keys without a fact: {sorted(set(plan) - set(facts))}"
    for key, fact in facts.items():
        assert fact.get("status") in STATUSES, key
        assert isinstance(fact.get("source"), str) and fact["source"].strip(), key
        assert isinstance(fact.get("summary"), str) and fact["summary"].strip(), key
        assert key in plan or "value" in fact, f"{key}: an informational fact needs a value"
    # every plan key is one a scenario accepts, with a valid value
    planner.scenario_from_dict({"tax_year": 2025, "pay": {"frequency": "biweekly", "salary": 100_000},
                                "plan": {"preset": name}})


@pytest.mark.parametrize("name", ["amazon", "google", "meta", "microsoft"])
def test_employer_sources_are_urls(name):
    for fact in preset_facts(name):
        assert "https://" in fact["source"] or "http://" in fact["source"], fact["key"]


def test_generic_is_all_assumed():
    assert {f["status"] for f in preset_facts("generic")} == {"assumed"}
    assert load_preset("generic")["plan"]["match"] == []


def test_statuses_from_the_domain_rules():
    status = {name: {f["key"]: f["status"] for f in preset_facts(name)} for name in PRESETS}
    assert status["amazon"]["match"] == "confirmed"
    assert status["amazon"]["match_true_up"] == "assumed"
    assert status["amazon"]["match_catch_up"] == "assumed"
    assert status["amazon"]["bonus_eligible"] == "assumed"
    assert status["amazon"]["after_tax_annual_cap"] == "confirmed"
    assert status["microsoft"]["max_total_pct"] == "confirmed"
    assert status["microsoft"]["pct_step"] == "confirmed"
    assert status["microsoft"]["after_tax_matched"] == "confirmed"
    assert status["google"]["match"] == "confirmed"
    assert status["google"]["match_greater_of"] == "assumed"
    assert status["meta"]["match"] == "assumed"  # two documented shapes
    assert status["meta"]["match_limit_includes_catch_up"] == "confirmed"
    meta_match = next(f for f in preset_facts("meta") if f["key"] == "match")
    assert "up_to_limit_pct = 50" in meta_match["note"]  # the other shape, ready to paste


# ---------------------------------------------------------------- assumptions


def test_assumptions_name_amazon_true_up():
    notes = assumptions({"preset": "amazon"})
    true_up = [n for n in notes if "plan.match_true_up" in n]
    assert len(true_up) == 1
    assert true_up[0].startswith("Assumed for amazon:")
    assert "true-up" in true_up[0]
    # one sentence per assumed plan key, none for confirmed ones
    assumed = {f["key"] for f in preset_facts("amazon") if f["status"] == "assumed" and f["plan_key"]}
    assert len(notes) == len(assumed)
    assert not any("plan.match " in n or "plan.match to" in n for n in notes)  # match is confirmed


def test_assumptions_drop_explicit_keys():
    notes = assumptions({"preset": "amazon", "match_true_up": False})
    assert not any("match_true_up" in n for n in notes)
    assert any("match_catch_up" in n for n in notes)
    assert len(notes) == len(assumptions({"preset": "amazon"})) - 1


def test_assumptions_without_a_preset():
    assert assumptions({}) == []
    assert assumptions({"match": [{"rate": 0.5, "up_to_pct": 4}]}) == []


@pytest.mark.parametrize("name", PRESETS)
def test_assumptions_are_plain_sentences(name):
    for note in assumptions({"preset": name}):
        assert note.startswith(f"Assumed for {name}: ") and note.endswith(" to change it.")
        assert "\n" not in note


# ---------------------------------------------------------------- CLI


def test_cli_lists_presets():
    result = CliRunner().invoke(app, ["presets"])
    assert result.exit_code == 0, result.output
    for name in PRESETS:
        assert name in result.stdout
    assert "Microsoft" in result.stdout


def test_cli_shows_one_preset():
    result = CliRunner().invoke(app, ["presets", "amazon"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "assumed" in out and "confirmed" in out
    assert "https://www.progresswealthmanagement.com/" in out
    assert "plan.match_true_up" in out and "up_to_pct = 4" in out
    assert "Facts as of 2026-12-03" in out


def test_cli_unknown_preset():
    result = CliRunner().invoke(app, ["presets", "nope"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "nope" in lines[0] and lines[0].startswith("planner: error:")
