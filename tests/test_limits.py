"""IRS limits as data: values checked against ../shared/domain/rules.md section 1."""

import pytest

import planner

from planner.errors import PlannerError
from planner.limits import (
    KEYS,
    REQUIRED,
    built_in_years,
    format_dollars,
    limits_for,
    limits_rows,
    read_limits_file,
)

# Whole dollars from rules.md section 1; None = absent that year.
EXPECTED = {
    2023: dict(deferral=22_500, catch_up=7_500, catch_up_60_63=None, annual_additions=66_000,
               compensation=330_000, roth_catch_up_threshold=None, ss_wage_base=160_200,
               medicare_additional_threshold=200_000, hce_threshold=150_000),
    2024: dict(deferral=23_000, catch_up=7_500, catch_up_60_63=None, annual_additions=69_000,
               compensation=345_000, roth_catch_up_threshold=None, ss_wage_base=168_600,
               medicare_additional_threshold=200_000, hce_threshold=155_000),
    2025: dict(deferral=23_500, catch_up=7_500, catch_up_60_63=11_250, annual_additions=70_000,
               compensation=350_000, roth_catch_up_threshold=None, ss_wage_base=176_100,
               medicare_additional_threshold=200_000, hce_threshold=160_000),
    2026: dict(deferral=24_500, catch_up=8_000, catch_up_60_63=11_250, annual_additions=72_000,
               compensation=360_000, roth_catch_up_threshold=150_000, ss_wage_base=184_500,
               medicare_additional_threshold=200_000, hce_threshold=160_000),
}
FULL_2027 = {"deferral": 25_000, "catch_up": 8_000, "annual_additions": 74_000, "compensation": 370_000}


def test_built_in_years_exclude_2027():
    assert built_in_years() == [2023, 2024, 2025, 2026]


@pytest.mark.parametrize("year", sorted(EXPECTED))
def test_exact_values_in_cents(year):
    limits = limits_for(year)
    assert limits.year == year
    for key in KEYS:
        dollars = EXPECTED[year][key]
        assert getattr(limits, key) == (None if dollars is None else dollars * 100), key


def test_spot_values():
    assert limits_for(2025).deferral == 2_350_000
    assert limits_for(2026).catch_up == 800_000
    assert limits_for(2026).roth_catch_up_threshold == 15_000_000
    assert limits_for(2024).roth_catch_up_threshold is None
    assert limits_for(2023).catch_up_60_63 is None


@pytest.mark.parametrize("year", sorted(EXPECTED))
def test_every_value_has_a_source(year):
    limits = limits_for(year)
    assert set(limits.sources) == set(KEYS)
    for key in KEYS:
        if getattr(limits, key) is not None:
            assert limits.sources[key].strip(), key
            assert "supplied by user" not in limits.sources[key]
    assert "Notice 2024-80" in limits_for(2025).sources["deferral"]
    assert "Publication 15" in limits.sources["medicare_additional_threshold"]


def test_absent_roth_threshold_explains_transition_relief():
    assert "2023-62" in limits_for(2025).sources["roth_catch_up_threshold"]


def test_2027_not_built_in():
    with pytest.raises(PlannerError) as info:
        limits_for(2027)
    assert info.value.field == "tax_year"
    assert "2027" in info.value.message and "--limits" in info.value.message
    assert "[limits]" in info.value.message


def test_2027_partial_override_names_missing_keys():
    with pytest.raises(PlannerError) as info:
        limits_for(2027, {"deferral": 25_000})
    assert info.value.field == "tax_year"
    assert "catch_up" in info.value.message and "compensation" in info.value.message


def test_2027_with_full_override():
    limits = limits_for(2027, FULL_2027)
    assert limits.deferral == 2_500_000 and limits.compensation == 37_000_000
    assert limits.catch_up_60_63 is None and limits.roth_catch_up_threshold is None
    assert limits.medicare_additional_threshold == 20_000_000  # default for any year
    assert limits.sources["deferral"] == "supplied by user"


def test_override_overlays_built_in_year():
    limits = limits_for(2026, {"deferral": {"value": 25_000.5, "source": "plan memo"}})
    assert limits.deferral == 2_500_050
    assert limits.sources["deferral"] == "supplied by user: plan memo"
    assert limits.catch_up == 800_000 and "Notice 2025-67" in limits.sources["catch_up"]


def test_per_year_override_picks_the_year():
    override = {2027: FULL_2027, "2028": {**FULL_2027, "deferral": 26_000}}
    assert limits_for(2027, override).deferral == 2_500_000
    assert limits_for(2028, override).deferral == 2_600_000
    assert limits_for(2025, override).deferral == 2_350_000  # no entry: built-in only


@pytest.mark.parametrize("override, field", [
    ({"deferal": 1}, "limits.deferal"),
    ({"deferral": "lots"}, "limits.deferral"),
    ({"deferral": -1}, "limits.deferral"),
    ({"deferral": True}, "limits.deferral"),
    ({"deferral": 1.001}, "limits.deferral"),
    ({"deferral": {"source": "x"}}, "limits.deferral"),
    ({"deferral": {"value": 1, "sorce": "x"}}, "limits.deferral.sorce"),
    ({"2027": {"deferal": 1}}, "limits.2027.deferal"),
    ({"2027": FULL_2027, "deferral": 1}, "limits"),
])
def test_bad_override(override, field):
    with pytest.raises(PlannerError) as info:
        limits_for(2026, override, origin="limits")
    assert info.value.field == field


def test_read_flat_file(tmp_path):
    path = tmp_path / "flat.toml"
    path.write_text("deferral = 25000\ncatch_up = 8000\nannual_additions = 74000\ncompensation = 370000\n")
    assert limits_for(2027, read_limits_file(path)).annual_additions == 7_400_000


def test_read_per_year_file(tmp_path):
    path = tmp_path / "years.toml"
    path.write_text("[2027]\ndeferral = 25000\ncatch_up = 8000\nannual_additions = 74000\n"
                    "compensation = 370000\nroth_catch_up_threshold = 155000\n")
    limits = limits_for(2027, read_limits_file(path))
    assert limits.roth_catch_up_threshold == 15_500_000
    assert limits.sources["roth_catch_up_threshold"] == "supplied by user"


def test_read_value_source_file(tmp_path):
    path = tmp_path / "sourced.toml"
    path.write_text("".join(
        f'[2027.{key}]\nvalue = {value}\nsource = "Notice 2026-xx"\nreference = "https://irs.gov/x"\n'
        for key, value in FULL_2027.items()))
    limits = limits_for(2027, read_limits_file(path))
    assert limits.deferral == 2_500_000
    assert limits.sources["deferral"] == "supplied by user: Notice 2026-xx (https://irs.gov/x)"


@pytest.mark.parametrize("content, reason", [
    (None, "cannot read"),
    ("deferral = = 1", "not valid TOML"),
    (b"\xff\xfe", "not valid TOML"),
])
def test_unreadable_file(tmp_path, content, reason):
    path = tmp_path / "bad.toml"
    if isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(PlannerError) as info:
        read_limits_file(path)
    assert info.value.field == "--limits"
    assert str(path) in info.value.message and reason in info.value.message


def test_directory_is_unreadable(tmp_path):
    with pytest.raises(PlannerError) as info:
        read_limits_file(tmp_path)
    assert info.value.field == "--limits"


@pytest.mark.parametrize("content, field", [
    ("deferal = 1\n", "--limits.deferal"),
    ('deferral = "abc"\n', "--limits.deferral"),
    ("deferral = -5\n", "--limits.deferral"),
    ("[2027]\ncatch_up = [1]\n", "--limits.2027.catch_up"),
])
def test_bad_values_in_file(tmp_path, content, field):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(PlannerError) as info:
        read_limits_file(path)
    assert info.value.field == field
    assert str(path) in info.value.message


def test_limits_rows():
    rows = limits_rows(limits_for(2025))
    assert len(rows) == len(KEYS)
    assert rows[0][0] == "402(g) elective deferral limit"
    assert rows[0][1] == "$23,500" and "Notice 2024-80" in rows[0][2]
    roth = next(row for row in rows if "414(v)(7)" in row[0])
    assert roth[1] == "n/a" and "2023-62" in roth[2]
    assert format_dollars(2_500_050) == "$25,000.50"


def test_required_is_subset_of_keys():
    assert set(REQUIRED) <= set(KEYS)


def test_the_library_takes_a_limits_file_path(tmp_path):
    path = tmp_path / "l2027.toml"
    path.write_text("deferral = 24000\ncatch_up = 8000\nannual_additions = 72000\ncompensation = 360000\n")
    data = {"tax_year": 2027, "age": 35, "pay": {"frequency": "monthly", "salary": 200_000}}
    assert planner.plan(data, limits=str(path)).totals["deferral"] == 24_000
    assert planner.plan(data, limits=path).limits["annual_additions"] == 72_000
    with pytest.raises(planner.PlannerError) as e:
        planner.plan(data, limits=42)
    assert e.value.field == "limits"


def test_plan_many_says_what_it_takes():
    with pytest.raises(planner.PlannerError) as e:
        planner.plan_many(None)
    assert e.value.field == "frame"
    rows = planner.plan_many([{"tax_year": 2025, "age": 35, "pay.frequency": "monthly", "pay.salary": 120_000}])
    assert list(rows["status"]) == ["ok"]
