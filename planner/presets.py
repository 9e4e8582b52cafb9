"""Employer presets: plan rules as data files in planner/data/presets/NAME.toml.

A preset file has a [plan] table of scenario plan keys and a [facts] table that says, for
each key, its status (confirmed or assumed) and its source. Explicit keys in a scenario's
[plan] win over the preset's."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from .errors import PlannerError

PRESET_DIR = Path(__file__).parent / "data" / "presets"


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


@lru_cache(maxsize=None)
def load_preset(name: str) -> dict:
    if not isinstance(name, str) or name not in preset_names():
        known = ", ".join(preset_names()) or "none installed"
        raise PlannerError("plan.preset", f"unknown preset {name!r} (known: {known})")
    with (PRESET_DIR / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def apply_preset(plan: dict) -> dict:
    """The scenario's [plan] table with the named preset's keys filled in underneath."""
    if not isinstance(plan, dict) or "preset" not in plan:
        return plan
    return {**load_preset(plan["preset"]).get("plan", {}), **plan}
