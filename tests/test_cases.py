"""Every shared case (../shared/cases/*.expect.json) through the CLI and through the library.

A case that fails is a bug in the planner or in the case, never a test to skip
(../shared/cases/README.md).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

import planner
from tests.helpers import (
    CASES_DIR,
    case_files,
    case_name,
    case_toml,
    load_case,
    mismatches,
    run_cli,
)

CASES = case_files()


def test_cases_folder_is_present_and_not_empty():
    assert CASES_DIR.is_dir(), f"shared cases folder missing: {CASES_DIR} (CI clones shared/ beside the repo)"
    assert CASES, f"no *.expect.json in {CASES_DIR}"


def test_every_case_has_its_scenario_and_a_known_command():
    for expect_file in CASES:
        case = load_case(expect_file)
        assert case_toml(expect_file).is_file(), f"{expect_file.name}: no matching .toml"
        assert case.get("command") in ("plan", "check"), f"{expect_file.name}: command {case.get('command')!r}"
        assert case.get("expect"), f"{expect_file.name}: nothing to compare"


@functools.lru_cache(maxsize=None)
def cli_run(command: str, toml: Path):
    """One subprocess per case, shared by the tests that read the CLI's output."""
    return run_cli(command, toml, "--format", "json")


# Parametrize by case name; with no cases at all the test above fails, and this one
# gets a single placeholder that fails too rather than being skipped silently.
PARAMS = [pytest.param(f, id=case_name(f)) for f in CASES] or [pytest.param(None, id="no-cases")]


@pytest.mark.parametrize("expect_file", PARAMS)
def test_case_through_library(expect_file):
    assert expect_file is not None, f"no cases found in {CASES_DIR}"
    case = load_case(expect_file)
    result = getattr(planner, case["command"])(case_toml(expect_file)).to_dict()
    bad = mismatches(result, case["expect"])
    assert not bad, f"{expect_file.name} ({case.get('why', '')}):\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("expect_file", PARAMS)
def test_case_through_cli(expect_file):
    assert expect_file is not None, f"no cases found in {CASES_DIR}"
    case = load_case(expect_file)
    proc = cli_run(case["command"], case_toml(expect_file))
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr}"
    try:
        result = json.loads(proc.stdout)  # stdout must be one JSON object and nothing else
    except json.JSONDecodeError as exc:
        pytest.fail(f"stdout is not pure JSON ({exc}):\n{proc.stdout[:500]}")
    assert isinstance(result, dict)
    bad = mismatches(result, case["expect"])
    assert not bad, f"{expect_file.name} ({case.get('why', '')}):\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("expect_file", PARAMS)
def test_cli_and_library_agree(expect_file):
    """The CLI is a thin shell: its JSON is the library's to_dict(), key for key."""
    assert expect_file is not None, f"no cases found in {CASES_DIR}"
    case = load_case(expect_file)
    library = getattr(planner, case["command"])(case_toml(expect_file)).to_dict()
    proc = cli_run(case["command"], case_toml(expect_file))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == json.loads(json.dumps(library))


def test_mismatches_helper_reads_the_readme_forms():
    """The comparison itself, on the README's own example shapes."""
    output = {"totals": {"match": 6999.98, "after_tax": 28400.0}, "periods": [{"deferral": 1.0}] * 3,
              "warnings": ["Deferrals reach the limit; $5.00 of MATCH is lost"]}
    assert mismatches(output, {"totals.match": 6999.99, "totals.after_tax": {"min": 28384.56, "max": 28499.94},
                               "periods.#": 3, "periods.2.deferral": 1, "warnings~": "match"}) == []
    assert len(mismatches(output, {"totals.match": 7000.0, "periods.#": 4, "periods.5.deferral": 1,
                                   "totals.after_tax": {"min": 0, "max": 28399.99}, "warnings~": "refund"})) == 5
