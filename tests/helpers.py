"""Shared test helpers: the shared cases, dot-path comparison, the CLI, scenario dicts.

Money in the plan JSON is dollars rounded to the cent; tests that do arithmetic turn it
back into integer cents with `cents()` so nothing depends on float error.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# CI clones the repo with shared/ beside it: ../shared from the repo root.
SHARED = REPO.parent / "shared"
CASES_DIR = SHARED / "cases"

TOLERANCE = 0.01  # numbers in a case match within a cent


# ---------------------------------------------------------------- cases


def case_files() -> list[Path]:
    """Every *.expect.json in the shared cases folder, sorted (empty when the folder is missing)."""
    return sorted(CASES_DIR.glob("*.expect.json")) if CASES_DIR.is_dir() else []


def case_name(expect_file: Path) -> str:
    return expect_file.name[: -len(".expect.json")]


def case_toml(expect_file: Path) -> Path:
    return expect_file.with_name(case_name(expect_file) + ".toml")


def load_case(expect_file: Path) -> dict:
    return json.loads(expect_file.read_text(encoding="utf-8"))


def resolve(data, dotted: str):
    """The value at a cases-README dot path: names select keys, integers index lists,
    a final `#` is the length of the list."""
    current = data
    for part in dotted.split("."):
        if part == "#":
            current = len(current)
        elif isinstance(current, list):
            current = current[int(part)]
        else:
            current = current[part]
    return current


def mismatches(output: dict, expect: dict) -> list[str]:
    """Every expected key the output does not satisfy, as readable lines (empty = all pass)."""
    bad = []
    for key, want in expect.items():
        if key == "warnings~":
            warnings = output.get("warnings", [])
            if not any(want.lower() in w.lower() for w in warnings):
                bad.append(f"warnings~: no warning contains {want!r}; warnings = {warnings!r}")
            continue
        try:
            got = resolve(output, key)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            bad.append(f"{key}: missing from the output ({exc.__class__.__name__}: {exc})")
            continue
        if isinstance(got, bool) or not isinstance(got, int | float):
            bad.append(f"{key}: expected a number, got {got!r}")
        elif isinstance(want, dict):
            if not want["min"] - 1e-9 <= got <= want["max"] + 1e-9:
                bad.append(f"{key}: {got} not in [{want['min']}, {want['max']}]")
        elif abs(got - want) > TOLERANCE + 1e-9:
            bad.append(f"{key}: expected {want}, got {got}")
    return bad


# ---------------------------------------------------------------- CLI


def run_cli(*args, cwd: Path | None = None, timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m planner ARGS` in a subprocess, text output, never raising on exit code."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or REPO, env=env, timeout=timeout)


# ---------------------------------------------------------------- scenarios


def scenario(year: int = 2025, *, age: int | None = 35, frequency: str = "biweekly",
             first_pay_date: dt.date | None = None, salary: float = 200_000, match=None,
             elections=None, pay: dict | None = None, plan: dict | None = None,
             goal: dict | None = None, **top) -> dict:
    """A scenario dict in the TOML shape (planner.plan/check take it directly).

    Defaults: biweekly from the second Friday of January 2025, $200,000, age 35, match 50 %
    up to 4 %; everything else is the format's default unless given."""
    if first_pay_date is None and frequency in ("weekly", "biweekly"):
        first_pay_date = {2023: dt.date(2023, 1, 13), 2024: dt.date(2024, 1, 12),
                          2025: dt.date(2025, 1, 10), 2026: dt.date(2026, 1, 9)}.get(year)
    data = {"tax_year": year,
            "pay": {"frequency": frequency, "salary": salary, **(pay or {})},
            "plan": {"match": [{"rate": 0.5, "up_to_pct": 4}] if match is None else match, **(plan or {})}}
    if first_pay_date is not None:
        data["pay"]["first_pay_date"] = first_pay_date
    if age is not None:
        data["age"] = age
    if elections is not None:
        data["election"] = [election(*e) if isinstance(e, tuple) else e for e in elections]
    if goal:
        data["goal"] = dict(goal)
    data.update(top)
    return copy.deepcopy(data)


def election(start: dt.date, deferral_pct: float, after_tax_pct: float = 0) -> dict:
    return {"from": start, "deferral_pct": deferral_pct, "after_tax_pct": after_tax_pct}


# ---------------------------------------------------------------- money


def cents(dollars) -> int:
    """Dollars from the JSON (a float to the cent) to integer cents."""
    return int(Decimal(str(dollars)).scaleb(2).to_integral_value(ROUND_HALF_UP))


def half_up(value: Fraction) -> int:
    """An exact quantity of cents rounded half-up (away from zero at .5) to a whole cent."""
    if value < 0:
        return -half_up(-value)
    return int((value * 2 + 1) // 2)


def pct_amount(pct, eligible_dollars) -> int:
    """Cents of `pct` percent of `eligible_dollars`, rounded half-up (the payroll rule)."""
    return half_up(Fraction(str(pct)) * cents(eligible_dollars) / 100)


def match_cents(tiers: list[dict], base_cents: int, eligible_cents: int) -> int:
    """The match formula of the spec for percent-of-pay tiers, in exact arithmetic:
    each tier matches `rate` of the deferral falling in its band of eligible pay."""
    total = Fraction(0)
    low = Fraction(0)
    for tier in tiers:
        high = Fraction(str(tier["up_to_pct"]))
        band_low, band_high = low * eligible_cents / 100, high * eligible_cents / 100
        part = min(max(Fraction(base_cents) - band_low, Fraction(0)), band_high - band_low)
        total += Fraction(str(tier["rate"])) * part
        low = high
    return half_up(total)


# ---------------------------------------------------------------- plan invariants


def assert_elections_agree(out: dict) -> None:
    """Each period's percents are those of the latest election dated on or before it.

    Bonus-only elections (`applies_to` = "bonus", plans with separate bonus elections)
    apply to the bonus row of their date only. An RSU row before the first election is
    skipped: it is never eligible pay, so no election applies to it."""
    elections = out["elections"]
    if out["periods"]:
        assert elections, "a plan with paychecks has at least one election"
    pay = [e for e in elections if e.get("applies_to", "pay") != "bonus"]
    bonus = {e["from"]: e for e in elections if e.get("applies_to") == "bonus"}
    dates = [e["from"] for e in pay]
    assert dates == sorted(set(dates)), f"pay elections not in increasing date order: {dates}"
    for p in out["periods"]:
        if p["kind"] == "bonus" and p["pay_date"] in bonus:
            current = bonus[p["pay_date"]]
        else:
            in_force = [e for e in pay if e["from"] <= p["pay_date"]]
            if not in_force and p["kind"] == "rsu":
                continue
            assert in_force, f"no election in force on {p['pay_date']} ({p['kind']})"
            current = in_force[-1]
        got = (p["deferral_pct"], p["after_tax_pct"])
        assert got == (current["deferral_pct"], current["after_tax_pct"]), (
            f"{p['pay_date']} {p['kind']}: period has {got}, election in force is {current}")
