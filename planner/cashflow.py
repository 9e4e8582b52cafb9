"""Net pay: what reaches the bank account (scenario-format.md, "Net pay").

Social Security and Medicare are taken on gross pay whatever is deferred (R19), counted on
the year's running wages in date order, RSU wages included; income and state tax are taken
on gross less pre-tax deferral. An RSU row's taxes are withheld in shares, so its net cash
is 0; what the shares bring when sold at vest (value less those taxes) is its proceeds,
which `goal.use_rsu_proceeds` lets cover paychecks below the take-home floor after the vest.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .limits import Limits
from .money import RATE_SCALE, div_half_up, to_rate_units
from .paychecks import Paychecks
from .scenario import Scenario

RATES_FILE = Path(__file__).parent / "data" / "payroll_taxes.toml"


@lru_cache(maxsize=1)
def payroll_tax_rates() -> dict[str, int]:
    """FICA rates in RATE_SCALE units, from data/payroll_taxes.toml."""
    with RATES_FILE.open("rb") as fh:
        return {key: to_rate_units(entry["value"]) for key, entry in tomllib.load(fh).items()}


def _rate(rate: int, cents: int) -> int:
    return div_half_up(rate * cents, RATE_SCALE)


@dataclass(frozen=True)
class Cash:
    """Per row still to be paid: the withholding that does not depend on the elections,
    and the floor to keep."""

    kinds: list[str]
    gross: list[int]
    social_security: list[int]
    medicare: list[int]
    income_rate: list[int]  # RATE_SCALE units: the supplemental rate on bonus and RSU rows
    state_rate: int
    other: list[int]  # other deductions, regular rows only
    floor: int  # goal.min_net_pay, cents
    use_proceeds: bool

    def withheld(self, row: int, pretax: int) -> dict[str, int]:
        """The row's taxes and deductions, each rounded half-up to the cent."""
        taxable = self.gross[row] - pretax
        return {
            "social_security": self.social_security[row],
            "medicare": self.medicare[row],
            "income_tax": _rate(self.income_rate[row], taxable),
            "state_tax": _rate(self.state_rate, taxable),
            "other_deductions": self.other[row],
        }

    def net(self, row: int, pretax: int, roth: int, after_tax: int) -> int:
        """Net pay of one row (0 for an RSU row: its taxes are paid in shares)."""
        if self.kinds[row] == "rsu":
            return 0
        return self.gross[row] - pretax - roth - after_tax - sum(self.withheld(row, pretax).values())

    def proceeds(self, row: int) -> int:
        """Cash from an RSU row's shares sold at vest: the value less the taxes withheld."""
        if self.kinds[row] != "rsu":
            return 0
        return max(self.gross[row] - sum(self.withheld(row, 0).values()), 0)

    def shortfall(self, row: int, net: int) -> tuple[int, int]:
        """(below $0, below the take-home floor and above $0) of a row's net pay. Nothing can
        cover the first: payroll cannot take more than a paycheck pays, bonus or regular. RSU
        cash may cover the second, which only regular paychecks have (goal.min_net_pay)."""
        kind = self.kinds[row]
        if kind == "rsu":  # nothing is taken from it: its taxes are paid in shares
            return 0, 0
        return max(-net, 0), (max(self.floor - max(net, 0), 0) if kind == "regular" else 0)

    def covered(self, net: list[int]) -> tuple[int, list[int], list[int]]:
        """(uncovered shortfall, cash drawn per row, proceeds left per row).

        Regular paychecks below the floor draw on RSU proceeds already received, when the
        goal allows; whatever no cash covers, and any net pay below $0, is the shortfall."""
        pool, uncovered, drawn, left = 0, 0, [], []
        for row in range(len(self.kinds)):
            below_zero, short = self.shortfall(row, net[row])
            draw = min(short, pool) if self.use_proceeds else 0
            uncovered += below_zero + short - draw
            pool -= draw
            if self.use_proceeds:
                pool += self.proceeds(row)
            drawn.append(draw)
            left.append(pool)
        return uncovered, drawn, left


def cash_rules(scenario: Scenario, limits: Limits, paychecks: Paychecks) -> Cash | None:
    """The year's withholding for the rows still to be paid; None without [taxes]."""
    taxes = scenario.taxes
    if taxes is None:
        return None
    rates = payroll_tax_rates()
    base = limits.ss_wage_base
    threshold = limits.medicare_additional_threshold
    first = paychecks.first_future
    wages = sum(paychecks.gross[:first])
    if scenario.ytd and scenario.ytd.gross_pay is not None:
        wages = scenario.ytd.gross_pay
    kinds, gross_pay = list(paychecks.kinds[first:]), list(paychecks.gross[first:])
    social, medicare = [], []
    for gross in gross_pay:
        below_base = gross if base is None else max(min(wages + gross, base) - min(wages, base), 0)
        above = max(wages + gross - threshold, 0) - max(wages - threshold, 0)
        social.append(_rate(rates["social_security_rate"], below_base))
        medicare.append(div_half_up(rates["medicare_rate"] * gross + rates["additional_medicare_rate"] * above,
                                    RATE_SCALE))
        wages += gross
    return Cash(
        kinds=kinds,
        gross=gross_pay,
        social_security=social,
        medicare=medicare,
        income_rate=[taxes.income_tax_rate if k == "regular" else taxes.supplemental_rate for k in kinds],
        state_rate=taxes.state_tax_rate,
        other=[taxes.other_deductions if k == "regular" else 0 for k in kinds],
        floor=scenario.goal.min_net_pay,
        use_proceeds=scenario.goal.use_rsu_proceeds,
    )
