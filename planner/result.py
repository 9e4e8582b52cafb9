"""The Plan: what `plan` and `check` return. Plain data in the JSON contract's shape
(../shared/spec/plan-json.md), with money in dollars; `to_frame()` gives pandas."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Plan:
    command: str  # "plan" or "check"
    name: str
    tax_year: int
    limits: dict  # dollars: deferral, catch_up, annual_additions, compensation, ...
    periods: list[dict]  # one per paycheck still to be paid, JSON-ready
    totals: dict  # the whole year, [ytd] included
    elections: list[dict]  # the changes to make, in order
    warnings: list[str]
    limit_sources: dict = field(default_factory=dict)  # key -> where the number comes from
    ytd: dict = field(default_factory=dict)  # a re-plan's year-to-date amounts, in dollars
    scenario: object = field(default=None, compare=False, repr=False)  # the Scenario read

    def to_dict(self) -> dict:
        out = {
            "name": self.name,
            "tax_year": self.tax_year,
            "limits": self.limits,
            "periods": self.periods,
            "totals": self.totals,
            "elections": self.elections,
            "warnings": self.warnings,
        }
        if self.ytd:
            out["ytd"] = self.ytd
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def to_frame(self):
        """One row per paycheck (pandas is imported only here)."""
        import pandas as pd

        frame = pd.DataFrame(self.periods)
        if frame.empty:
            return frame
        frame["pay_date"] = pd.to_datetime(frame["pay_date"])
        return frame
