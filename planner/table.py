"""The terminal view of a plan (rich): one row per paycheck, totals against each limit,
the election changes to make, and the warnings."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .result import Plan


def _title(plan: Plan) -> str:
    """The plan's name (user text: never read as markup), with the year unless it says it."""
    name = "".join(ch for ch in (plan.name or "Plan") if ch.isprintable())  # no terminal escapes
    return escape(name if str(plan.tax_year) in name else f"{name}, {plan.tax_year}")


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _pct(value) -> str:
    return f"{value:g}%"


def schedule_table(plan: Plan) -> Table:
    title = _title(plan) + (" - check of the elections in force" if plan.command == "check" else "")
    table = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD)
    net = bool(plan.periods) and "net_pay" in plan.periods[0]
    for column in ("#", "Pay date", "Eligible", "Def %", "Deferral", "AT %", "After-tax", "Match",
                   "YTD deferral", "YTD additions", *(["Net pay"] if net else []), "Note"):
        table.add_column(column, justify="left" if column in ("Pay date", "Note") else "right")
    matched = plan.totals["match"] > 0
    for n, p in enumerate(plan.periods, 1):
        no_match = matched and p["eligible"] > 0 and p["match"] == 0
        mark = ("[red]over limit[/]" if p["over_limit"] else "[yellow]no match[/]" if no_match
                else "cut" if p["capped"] else p["kind"] if p["kind"] != "regular" else "")
        table.add_row(str(n), p["pay_date"], _money(p["eligible"]), _pct(p["deferral_pct"]),
                      _money(p["deferral"]), _pct(p["after_tax_pct"]), _money(p["after_tax"]), _money(p["match"]),
                      _money(p["ytd_deferral"]), _money(p["ytd_annual_additions"]),
                      *([_money(p["net_pay"])] if net else []), mark,
                      style="red" if p["over_limit"] else None)
    return table


def totals_table(plan: Plan) -> Table:
    t, lim = plan.totals, plan.limits
    table = Table(title="The year against the limits", header_style="bold", box=box.SIMPLE_HEAD)
    for column in ("", "Total", "Limit", "Room left"):
        table.add_column(column, justify="left" if not column else "right")
    deferral_limit = lim["deferral"] + lim["catch_up"]
    earlier = plan.ytd.get("other_employer_deferral", 0.0)  # 402(g) is the person's, across employers

    def row(label: str, total: float, limit: float | None = None, used: float | None = None):
        room = "" if limit is None else _money(round(limit - (total if used is None else used), 2))
        table.add_row(label, _money(total), "" if limit is None else _money(limit), room)

    row("Deferral (402(g)" + (" + catch-up)" if lim["catch_up"] else ")"), t["deferral"], deferral_limit,
        t["deferral"] + earlier)
    if earlier:
        row("  plus at an earlier employer", earlier)
    if lim["catch_up"]:
        row("  of which catch-up", t["catch_up"], lim["catch_up"])
    table.add_row("  pre-tax / Roth", f"{_money(t['pretax'])} / {_money(t['roth'])}", "", "")
    row("Employer match" + (f" (true-up {_money(t['true_up'])})" if t["true_up"] else ""), t["match"])
    row("After-tax", t["after_tax"], lim["after_tax_cap"] or None)
    row("Annual additions (415(c))", t["annual_additions"], lim["annual_additions_applied"])
    if t.get("excess"):
        table.add_row("[red]Excess to refund[/]", f"[red]{_money(t['excess'])}[/]", "", "")
    if "match_lost" in t:
        table.add_row("Match lost", _money(t["match_lost"]), "", "")
    return table


def elections_table(plan: Plan) -> Table:
    heading = "Elections in force" if plan.command == "check" else "Election changes to make"
    table = Table(title=heading, header_style="bold", box=box.SIMPLE_HEAD)
    for column in ("From paycheck", "Submit before", "Deferral %", "After-tax %", "Applies to"):
        table.add_column(column, justify="right" if "%" in column else "left")
    for e in plan.elections:
        table.add_row(e["from"], e.get("submit_before", ""), _pct(e["deferral_pct"]), _pct(e["after_tax_pct"]),
                      "bonus only" if e.get("applies_to") == "bonus" else "every paycheck")
    return table


def cash_flow_table(plan: Plan) -> Table:
    """Per paycheck: gross, each contribution, each tax, net pay, and RSU cash."""
    table = Table(title=_title(plan) + " - cash flow", header_style="bold", box=box.SIMPLE_HEAD)
    columns = (("Pay date", "pay_date"), ("Kind", "kind"), ("Gross", "gross"), ("Pre-tax", "pretax"),
               ("Roth", "roth"), ("After-tax", "after_tax"), ("Soc. Sec.", "social_security"),
               ("Medicare", "medicare"), ("Income tax", "income_tax"), ("State", "state_tax"),
               ("Other", "other_deductions"), ("Net pay", "net_pay"), ("RSU cash used", "rsu_cash_drawn"),
               ("RSU cash left", "rsu_cash_left"))
    # a column that is zero all year says nothing: leave it out
    columns = [(title, key) for title, key in columns
               if any(isinstance(p[key], str) or p[key] for p in plan.periods)]
    for title, _ in columns:
        table.add_column(title, justify="left" if title in ("Pay date", "Kind") else "right")
    for p in plan.periods:
        table.add_row(*(p[key] if isinstance(p[key], str) else _money(p[key]) for _, key in columns))
    return table


def cash_flow_summary(plan: Plan) -> Table:
    year = plan.totals["cash_flow"]
    table = Table(title="The year's cash", header_style="bold", box=box.SIMPLE_HEAD)
    table.add_column("")
    table.add_column("Amount", justify="right")
    labels = {"net_pay": "Net pay (paychecks)", "social_security": "Social Security", "medicare": "Medicare",
              "income_tax": "Income tax", "state_tax": "State tax", "other_deductions": "Other deductions",
              "rsu_proceeds": "RSU proceeds (shares sold at vest)", "rsu_cash_drawn": "RSU cash used to keep the floor"}
    for key, label in labels.items():
        table.add_row(label, _money(year[key]))
    return table


def print_plan(plan: Plan, console: Console | None = None, view: str = "schedule") -> None:
    """Print the plan; `view` is "schedule" (contributions) or "cashflow" (net pay, needs [taxes])."""
    console = console or Console()
    if not console.is_terminal:  # piped or captured: wide enough that nothing is cut
        console.width = max(console.width, 170 if view == "cashflow" else 130)
    if view == "cashflow":
        console.print(cash_flow_table(plan))
        console.print(cash_flow_summary(plan))
    else:
        console.print(schedule_table(plan))
    console.print(totals_table(plan))
    console.print(elections_table(plan))
    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
