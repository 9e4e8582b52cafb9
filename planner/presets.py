"""Employer presets: plan rules as data files in planner/data/presets/NAME.toml.

A preset file has a top-level `name` and `description`, a [plan] table of scenario plan
keys and a [facts] table that says, for each key, its status (confirmed or assumed), its
source and a plain `summary` (and a `note` where useful). A fact whose key is not a plan
key is informational and carries its own `value`. Explicit keys in a scenario's [plan]
win over the preset's; `assumptions` says which assumed facts a scenario still relies on."""

from __future__ import annotations

import copy
import tomllib
from functools import lru_cache
from pathlib import Path

from .errors import PlannerError

PRESET_DIR = Path(__file__).parent / "data" / "presets"
STATUSES = ("confirmed", "assumed")


def preset_names() -> list[str]:
    return list(_names())


@lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in PRESET_DIR.glob("*.toml")))


@lru_cache(maxsize=None)
def _read(name: str) -> dict:
    with (PRESET_DIR / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def load_preset(name: str) -> dict:
    """The preset file as a dict (a fresh copy: callers may change it)."""
    return copy.deepcopy(_checked(name))


def _checked(name: str) -> dict:
    """The preset file as read (shared: never to be changed), or the error for an unknown name."""
    if not isinstance(name, str) or name not in _names():
        known = ", ".join(preset_names()) or "none installed"
        raise PlannerError("plan.preset", f"unknown preset {name!r} (known: {known})")
    return _read(name)


# a second formula that only completes the preset's own: a scenario that writes its own
# `match` replaces the whole formula, so it is not inherited with it (Google's $3,000 floor)
MATCH_FORMULA_PARTS = ("match_greater_of",)


def _inherited(plan: dict) -> dict:
    """The preset's [plan] keys that a scenario's [plan] table takes from it."""
    preset = _checked(plan["preset"]).get("plan", {})
    dropped = MATCH_FORMULA_PARTS if "match" in plan else ()
    # a copy of what may be changed (the match tiers); numbers, text and dates are shared
    return {key: copy.deepcopy(value) if isinstance(value, (list, dict)) else value
            for key, value in preset.items() if key not in plan and key not in dropped}


def apply_preset(plan: dict) -> dict:
    """The scenario's [plan] table with the named preset's keys filled in underneath."""
    if not isinstance(plan, dict) or "preset" not in plan:
        return plan
    return {**_inherited(plan), **plan}


def preset_facts(name: str) -> list[dict]:
    """Every fact of a preset, in file order: key, value, status, source, summary, note,
    and `plan_key` (False for an informational fact the scenario cannot set)."""
    data = load_preset(name)
    plan, facts = data.get("plan", {}), data.get("facts", {})
    out = []
    for key, fact in facts.items():
        out.append({
            "key": key,
            "value": plan[key] if key in plan else fact.get("value"),
            "status": fact.get("status", ""),
            "source": fact.get("source", ""),
            "summary": fact.get("summary", ""),
            "note": fact.get("note", ""),
            "plan_key": key in plan,
        })
    return out


def assumptions(plan_table: dict) -> list[str]:
    """One plain sentence per ASSUMED fact of the preset a scenario's [plan] table names,
    for each plan key the table does not set itself. [] without a preset."""
    if not isinstance(plan_table, dict) or not isinstance(plan_table.get("preset"), str):
        return []
    return list(_assumptions(plan_table["preset"], frozenset(plan_table)))


@lru_cache(maxsize=256)
def _assumptions(name: str, keys: frozenset) -> tuple[str, ...]:
    """The sentences depend only on the preset and which keys the table sets (a batch asks
    the same question for every person of an employer)."""
    inherited = _inherited(dict.fromkeys(keys) | {"preset": name})
    return tuple(f"Assumed for {name}: {fact['summary'] or fact['key']}; set plan.{fact['key']} to change it."
                 for fact in preset_facts(name) if fact["status"] == "assumed" and fact["key"] in inherited)
