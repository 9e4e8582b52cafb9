"""The plan as an Excel workbook a person keeps and edits (issue 5).

Four sheets: Summary, Schedule (one row per paycheck), Elections and Inputs. The dollar
amounts, match, year-to-date columns, totals and room left are live formulas over the
percent cells of the Schedule and the limits on Inputs (defined names such as
DeferralLimit), written to run payroll exactly as planner/simulate.py does. Every formula
also stores the planner's own number as its cached value, so readers that never calculate
(pandas, file previews) see the plan, and Excel or LibreOffice recalculate on load.

XlsxWriter is imported here only: this module is loaded on the .xlsx path alone.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, fields

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from .export import FORMULA_STARTS, write_atomic
from .result import Plan

# Added inside every ROUND: payroll rounds half a cent up, but 37.035 is 37.03499... in
# binary floating point, and not every spreadsheet engine corrects for that as Excel does.
# Far below a cent and below the finest step of any amount, so it never changes a result.
NUDGE = 1e-9
FIRST = 2  # Excel row number of the first paycheck on Schedule (row 1 holds the headers)
NET_PAY_KEYS = {"net_pay", "social_security", "medicare", "income_tax", "state_tax", "other_deductions"}


# ---------------------------------------------------------------- the facts the formulas are built from


@dataclass(frozen=True)
class Tier:
    rate: float  # 0.5 = 50 %
    pct: float | None = None  # band up to this percent of the paycheck's eligible pay
    dollars: float | None = None  # band up to this many dollars of the year's deferrals
    limit_pct: float | None = None  # dollars given as a percent of the 402(g) limit


@dataclass(frozen=True)
class Facts:
    """What shapes the formulas: the plan's switches, tiers and the year's numbers (dollars)."""

    stop_deferral: bool  # payroll stops deferrals at 402(g) + catch-up
    spillover: bool
    stop_after_tax: bool
    match_catch_up: bool
    true_up: bool
    match_cap: float
    after_tax_cap: float
    roth_deferrals: bool
    roth_catch_up: bool
    tiers: tuple[Tier, ...]
    greater_of: tuple[Tier, ...]
    limit_includes_catch_up: bool
    deferral_limit: float
    catch_up: float
    other_deferral: float
    ytd: dict  # deferral, after_tax, match, eligible_pay in dollars (0 when not a re-plan)
    prior_gross: float  # gross pay already paid before the Schedule's rows
    taxes: object = None  # scenario.taxes, when net pay is shown
    net_pay: bool = False
    rsu_cash: bool = False  # RSU sale proceeds may cover paychecks below the take-home floor

    @property
    def pct_tiers(self) -> bool:
        return any(t.pct is not None for t in self.tiers)

    @property
    def dollar_tiers(self) -> bool:
        return bool(self.tiers) and not self.pct_tiers


def _tiers(raw) -> tuple[Tier, ...]:
    return tuple(Tier(rate=t.rate / 1e6,
                      pct=None if t.up_to_pct is None else t.up_to_pct / 1e4,
                      dollars=None if t.up_to_dollars is None else t.up_to_dollars / 100,
                      limit_pct=None if t.up_to_limit_pct is None else t.up_to_limit_pct / 1e4)
                 for t in raw)


def facts_of(plan: Plan) -> Facts:
    scenario = plan.scenario
    if scenario is None:
        raise ValueError("write_workbook needs a Plan from planner.plan or planner.check (it carries the scenario)")
    rules = scenario.plan
    ytd = {k: float(plan.ytd.get(k, 0.0)) for k in ("deferral", "after_tax", "match", "eligible_pay")}
    return Facts(
        stop_deferral=rules.auto_stop_deferral or rules.spillover_to_after_tax,
        spillover=rules.spillover_to_after_tax,
        stop_after_tax=rules.auto_stop_after_tax,
        match_catch_up=rules.match_catch_up,
        true_up=rules.match_true_up,
        match_cap=rules.match_annual_cap / 100,
        after_tax_cap=float(plan.limits.get("after_tax_cap", rules.after_tax_annual_cap / 100)),
        roth_deferrals=scenario.goal.deferral_type == "roth",
        roth_catch_up=bool(plan.limits.get("roth_catch_up_required", False)),
        tiers=_tiers(rules.match),
        greater_of=_tiers(rules.match_greater_of),
        limit_includes_catch_up=rules.match_limit_includes_catch_up,
        deferral_limit=float(plan.limits["deferral"]),
        catch_up=float(plan.limits["catch_up"]),
        other_deferral=float(plan.ytd.get("other_employer_deferral", 0.0)),
        ytd=ytd,
        prior_gross=float(plan.ytd.get("gross_pay", 0.0)),
        taxes=scenario.taxes,
        net_pay=bool(plan.periods) and scenario.taxes is not None
        and all(NET_PAY_KEYS <= p.keys() for p in plan.periods),
        rsu_cash=scenario.goal.use_rsu_proceeds and any("rsu_cash_drawn" in p for p in plan.periods),
    )


# ---------------------------------------------------------------- the Schedule's columns


@dataclass
class Column:
    key: str
    header: str
    width: float
    fmt: str  # a key of Book.fmt
    note: str = ""


def schedule_columns(facts: Facts) -> list[Column]:
    cols = [
        Column("pay_date", "Pay date", 11, "date"),
        Column("kind", "Kind", 8, "text"),
        Column("gross", "Gross", 11, "money"),
        Column("eligible", "Eligible pay", 11, "money", "401(k)-eligible pay, cut at the 401(a)(17) "
               "compensation limit (CompensationLimit)."),
        Column("deferral_pct", "Deferral %", 9, "pct_in", "Your deferral election for this paycheck, in "
               "percent of eligible pay (9 means 9 %). Edit it: everything else follows."),
        Column("deferral", "Deferral $", 11, "money", "Percent x eligible pay, rounded half-up to the cent"
               + ("; payroll stops at 402(g) + catch-up." if facts.stop_deferral else ".")),
        Column("pretax", "Pre-tax", 11, "money"),
        Column("roth", "Roth", 10, "money"),
        Column("catch_up", "Catch-up", 10, "money", "The part of the deferral above the 402(g) limit."),
        Column("after_tax_pct", "After-tax %", 9, "pct_in", "Your after-tax election for this paycheck. Edit it."),
        Column("after_tax", "After-tax $", 11, "money"),
        Column("match", "Match", 10, "money", "Employer match on this paycheck, from the tiers on Inputs."),
        Column("ytd_deferral", "YTD deferral", 12, "money", "This plan's deferrals so far this year."),
        Column("ytd_after_tax", "YTD after-tax", 12, "money"),
        Column("ytd_match", "YTD match", 11, "money"),
        Column("ytd_additions", "YTD annual additions", 12, "money",
               "Deferrals less catch-up, plus after-tax and match: what counts against 415(c)."),
    ]
    if facts.dollar_tiers and not facts.match_catch_up:
        cols.append(Column("ytd_matchable", "YTD deferral matched", 12, "money",
                           "Deferrals the match counts (catch-up is not matched in this plan)."))
    if facts.net_pay:
        fixed = "Taken on gross pay whatever is deferred, so a fixed amount."
        cols += [Column("social_security", "Social Security", 11, "money", fixed),
                 Column("medicare", "Medicare", 10, "money", fixed),
                 Column("income_tax", "Income tax", 11, "money", "Withholding rate x (gross - pre-tax deferral); "
                        "the supplemental rate on bonus and RSU rows (RSU taxes are withheld in shares)."),
                 Column("state_tax", "State tax", 10, "money", "State rate x (gross - pre-tax deferral)."),
                 Column("other_deductions", "Other deductions", 11, "money"),
                 Column("net_pay", "Net pay", 11, "money", "Estimated take-home pay (0 on an RSU row: "
                        "its taxes are paid in shares).")]
    if facts.net_pay and facts.rsu_cash:
        fixed = "The planner's figure when the workbook was written (percents edited later do not change it)."
        cols += [Column("rsu_cash_drawn", "RSU cash used", 11, "money", "Cash from RSU shares sold at vest "
                        "that tops this paycheck up to the take-home floor. " + fixed),
                 Column("rsu_cash_left", "RSU cash left", 11, "money", "Sale cash not yet used. " + fixed)]
    cols.append(Column("deferral_line", "402(g) + catch-up limit", 12, "money_dim",
                       "This plan's deferral limit for the year: 402(g) + catch-up - other employers."))
    cols.append(Column("additions_line", "415(c) limit applied", 12, "money_dim",
                       "The annual additions limit: the lesser of 415(c) and the year's gross pay."))
    return cols


def applied_limit(plan: Plan) -> float:
    """The 415(c) limit that applies: the lesser of 415(c) and the year's gross pay."""
    return float(plan.limits.get("annual_additions_applied", plan.limits["annual_additions"]))


def _cents(x: float) -> int:
    return round(x * 100)


def _band(value: int, low: int, high: int) -> int:
    return min(max(value - low, 0), high - low)


def row_values(plan: Plan, facts: Facts) -> list[dict]:
    """The planner's number for every Schedule cell (dollars): the periods with their running
    totals, plus the running deferral the match counts (a helper column of the formulas)."""
    g402, cu = _cents(facts.deferral_limit), _cents(facts.catch_up)
    matchable = _cents(facts.ytd["deferral"])
    rows = []
    for p in plan.periods:
        matchable += _cents(p["deferral"]) - (0 if facts.match_catch_up else _cents(p["catch_up"]))
        rows.append({**p, "ytd_additions": p["ytd_annual_additions"], "ytd_matchable": matchable / 100,
                     "deferral_line": (g402 + cu - _cents(facts.other_deferral)) / 100,
                     "additions_line": applied_limit(plan)})
    return rows


# ---------------------------------------------------------------- the Schedule's formulas


def _round(expr: str) -> str:
    return f"ROUND({expr}+Nudge,2)"


def _person_band(ytd_deferral: str) -> str:
    """Catch-up in the person's deferrals so far: the part above 402(g), up to the catch-up limit."""
    return f"MIN(MAX(OtherEmployerDeferral+{ytd_deferral}-DeferralLimit,0),CatchUpLimit)"


def _person_excess(ytd_deferral: str) -> str:
    return f"MAX(OtherEmployerDeferral+{ytd_deferral}-DeferralLimit-CatchUpLimit,0)"


def _dollar_curve(prefix: str, tiers: tuple[Tier, ...], deferred: str) -> str:
    """The match in dollars on `deferred` dollars of the year, by dollar bands (unrounded)."""
    parts, low = [], "0"
    for i, _ in enumerate(tiers, 1):
        top = f"{prefix}Dollars{i}"
        parts.append(f"{prefix}Rate{i}*MIN(MAX({deferred}-{low},0),{top}-{low})")
        low = top
    return "+".join(parts)


def dollar_match(facts: Facts, deferred: str) -> str:
    """The running match on the year's `deferred` dollars, rounded: the greater of two formulas when given."""
    curve = _dollar_curve("Match", facts.tiers, deferred)
    if facts.greater_of:
        curve = f"MAX({curve},{_dollar_curve('AltMatch', facts.greater_of, deferred)})"
    return _round(curve)


def pct_match(facts: Facts, base: str, pay: str) -> str:
    """Match on one paycheck's `base` deferral by bands of its eligible `pay`, rounded."""
    parts, low = [], None
    for i, _ in enumerate(facts.tiers, 1):
        top = f"MatchPct{i}"
        if low is None:
            parts.append(f"MatchRate{i}*MIN({base},{top}/100*{pay})")
        else:
            parts.append(f"MatchRate{i}*MIN(MAX({base}-{low}/100*{pay},0),({top}-{low})/100*{pay})")
        low = top
    return _round("+".join(parts))


class RowFormulas:
    """The formulas of Schedule row `n` (Excel numbering), one per computed column."""

    def __init__(self, facts: Facts, col: dict[str, str], n: int, kind: str, eligible_is_gross: bool):
        self.f, self.c, self.n, self.kind, self.eligible_is_gross = facts, col, n, kind, eligible_is_gross
        first = n == FIRST
        # the running totals before this paycheck: the row above, or the year to date
        self.prev = {key: name if first else f"{col[key]}{n - 1}" for key, name in
                     (("ytd_deferral", "YtdDeferral"), ("ytd_after_tax", "YtdAfterTax"),
                      ("ytd_match", "YtdMatch"), ("ytd_matchable", "YtdDeferral")) if key in col}
        e = col["eligible"]
        self.eligible_before = "YtdEligible" if first else f"YtdEligible+SUM({e}${FIRST}:{e}{n - 1})"

    def cell(self, key: str) -> str:
        return f"{self.c[key]}{self.n}"

    def wanted(self, pct_key: str) -> str:
        return _round(f"{self.cell(pct_key)}/100*{self.cell('eligible')}")

    def all(self) -> dict[str, str | None]:
        out = {key: getattr(self, key)() for key in
               ("eligible", "deferral", "catch_up", "roth", "pretax", "match", "after_tax", "ytd_deferral",
                "ytd_after_tax", "ytd_match", "ytd_additions", "deferral_line", "additions_line")}
        if "ytd_matchable" in self.c:
            out["ytd_matchable"] = self.ytd_matchable()
        if "net_pay" in self.c:
            out.update(income_tax=self.income_tax(), state_tax=self.state_tax(), net_pay=self.net_pay())
        return out

    def eligible(self):
        if not self.eligible_is_gross:  # RSU value and bonuses the plan excludes are never eligible
            return None
        return f"=MIN({self.cell('gross')},MAX(CompensationLimit-({self.eligible_before}),0))"

    def deferral(self):
        if self.f.stop_deferral:  # payroll sees only this plan's deferrals, not other employers'
            return f"=MIN({self.wanted('deferral_pct')},MAX(DeferralLimit+CatchUpLimit-{self.prev['ytd_deferral']},0))"
        return f"={self.wanted('deferral_pct')}"

    def catch_up(self):
        return f"={_person_band(self.cell('ytd_deferral'))}-{_person_band(self.prev['ytd_deferral'])}"

    def roth(self):
        if self.f.roth_deferrals:
            return f"={self.cell('deferral')}"
        if self.f.roth_catch_up:  # 414(v)(7): all catch-up of a high earner is Roth
            return f"={self.cell('catch_up')}"
        return None

    def pretax(self):
        return f"={self.cell('deferral')}-{self.cell('roth')}"

    def _base(self) -> str:
        if self.f.match_catch_up:
            return self.cell("deferral")
        return f"({self.cell('deferral')}-{self.cell('catch_up')})"

    def match(self):
        if not self.f.tiers:
            return None
        if self.f.pct_tiers:
            raw = pct_match(self.f, self._base(), self.cell("eligible"))
        else:  # dollar bands: the rounded running match after this paycheck less the one before
            before = self.prev["ytd_deferral"] if self.f.match_catch_up else self.prev["ytd_matchable"]
            raw = f"{dollar_match(self.f, f'{before}+{self._base()}')}-{dollar_match(self.f, before)}"
        if self.f.match_cap:
            return f"=MIN({raw},MAX(MatchAnnualCap-{self.prev['ytd_match']},0))"
        return f"={raw}"

    def after_tax(self):
        wanted = self.wanted("after_tax_pct")
        if self.f.spillover:  # the deferral payroll stopped continues as after-tax
            wanted += f"+({self.wanted('deferral_pct')}-{self.cell('deferral')})"
        if not self.f.stop_after_tax:
            return f"={wanted}"
        # the annual additions so far, this paycheck's deferral and match included
        so_far = self._additions(self.prev["ytd_after_tax"])
        out = f"MIN({wanted},MAX(AnnualAdditionsApplied-({so_far}),0))"
        if self.f.after_tax_cap:
            out = f"MIN({out},MAX(AfterTaxCap-{self.prev['ytd_after_tax']},0))"
        return f"={out}"

    def _additions(self, after_tax: str) -> str:
        d = self.cell("ytd_deferral")
        return f"{d}-{_person_band(d)}-{_person_excess(d)}+{after_tax}+{self.cell('ytd_match')}"

    def ytd_deferral(self):
        return f"=ROUND({self.prev['ytd_deferral']}+{self.cell('deferral')},2)"

    def ytd_after_tax(self):
        return f"=ROUND({self.prev['ytd_after_tax']}+{self.cell('after_tax')},2)"

    def ytd_match(self):
        return f"=ROUND({self.prev['ytd_match']}+{self.cell('match')},2)"

    def ytd_matchable(self):
        return f"=ROUND({self.prev['ytd_matchable']}+{self._base()},2)"

    def ytd_additions(self):
        return f"=ROUND({self._additions(self.cell('ytd_after_tax'))},2)"

    def _taxable(self) -> str:
        return f"({self.cell('gross')}-{self.cell('pretax')})"

    def income_tax(self):
        rate = "IncomeTaxRate" if self.kind == "regular" else "SupplementalTaxRate"
        return f"={_round(f'{rate}*{self._taxable()}')}"

    def state_tax(self):
        return f"={_round(f'StateTaxRate*{self._taxable()}')}"

    def net_pay(self):
        if self.kind == "rsu":  # taxes are withheld in shares: no cash, whatever the elections
            return None
        deductions = "-".join(self.cell(k) for k in ("pretax", "roth", "after_tax", "social_security", "medicare",
                                                     "income_tax", "state_tax", "other_deductions"))
        return f"={self.cell('gross')}-{deductions}"

    def deferral_line(self):
        return "=DeferralLimit+CatchUpLimit-OtherEmployerDeferral"

    def additions_line(self):
        return "=AnnualAdditionsApplied"


# ---------------------------------------------------------------- the workbook


@dataclass
class Book:
    wb: object
    plan: Plan
    facts: Facts
    fmt: dict = field(default_factory=dict)

    def text(self, ws, row: int, col: int, value, fmt: str = "text") -> None:
        """Scenario text is always a string cell, never a formula; text that a spreadsheet
        would read as a formula when retyped also carries Excel's quote prefix."""
        value = "" if value is None else str(value)
        quoted = value.startswith(FORMULA_STARTS)
        ws.write_string(row, col, value, self.fmt[f"{fmt}_quoted" if quoted else fmt])

    def value(self, ws, row: int, col: int, value, fmt: str = "number") -> None:
        """A plain value from the scenario, typed: numbers, booleans, dates, else text."""
        if isinstance(value, bool):
            ws.write_boolean(row, col, value, self.fmt["text"])
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, self.fmt[fmt])
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            ws.write_datetime(row, col, value, self.fmt["date"])
        else:
            self.text(ws, row, col, value.isoformat() if isinstance(value, dt.datetime | dt.time) else value)

    def formula(self, ws, row: int, col: int, formula: str, cached: float, fmt: str = "money") -> None:
        ws.write_formula(row, col, formula, self.fmt[fmt], cached)

    def name(self, name: str, sheet: str, row: int, col: int) -> None:
        self.wb.define_name(name, f"={sheet}!${xl_col_to_name(col)}${row + 1}")


def _formats(wb) -> dict:
    money = "$#,##0.00;[Red]-$#,##0.00"
    base = {"font_size": 10, "valign": "top"}
    specs = {
        "text": {},
        "wrap": {"text_wrap": True},
        "bold": {"bold": True},
        "title": {"bold": True, "font_size": 14},
        "section": {"bold": True, "font_size": 11, "bottom": 1},
        "header": {"bold": True, "text_wrap": True, "bg_color": "#D9E1F2", "bottom": 1, "align": "center"},
        "money": {"num_format": money},
        "money_in": {"num_format": money, "bg_color": "#FFF2CC"},
        "money_dim": {"num_format": money, "font_color": "#808080"},
        "money_bold": {"num_format": money, "bold": True},
        "number": {"num_format": "General"},
        "left": {"num_format": "General", "align": "left"},
        "pct": {"num_format": 'General"%"'},
        "pct_in": {"num_format": 'General"%"', "bg_color": "#FFF2CC"},
        "rate_in": {"num_format": "0.0####", "bg_color": "#FFF2CC"},
        "date": {"num_format": "yyyy-mm-dd", "align": "left"},
        "note": {"italic": True, "font_color": "#595959", "text_wrap": True},
        "red": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
        "tiny": {"num_format": "0.0E+0"},
    }
    out = {key: wb.add_format({**base, **spec}) for key, spec in specs.items()}
    for key in ("text", "wrap"):  # for scenario text that Excel would take for a formula when retyped
        out[f"{key}_quoted"] = wb.add_format({**base, **specs[key], "quote_prefix": True})
    return out


def _print_setup(ws, repeat_header: bool = False) -> None:
    ws.set_landscape()
    ws.set_paper(1)  # US Letter
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&L&A&RPage &P of &N")
    if repeat_header:
        ws.repeat_rows(0)


# ---------------------------------------------------------------- Inputs


def write_inputs(book: Book) -> None:
    ws = book.wb.add_worksheet("Inputs")
    ws.set_column(0, 0, 46)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 24)
    ws.set_column(3, 3, 70)
    ws.freeze_panes(1, 0)
    _print_setup(ws)
    ws.write_string(0, 0, "Inputs: limits, year to date, plan rules, scenario", book.fmt["title"])
    row = 2
    row = _limits_block(book, ws, row)
    row = _ytd_block(book, ws, row + 1)
    row = _match_block(book, ws, row + 1)
    if book.facts.net_pay:
        row = _taxes_block(book, ws, row + 1)
    row = _rules_block(book, ws, row + 1)
    row = _sources_block(book, ws, row + 1)
    _scenario_block(book, ws, row + 1)


def _header(book: Book, ws, row: int, titles: list[str], height: float = 15) -> int:
    for col, title in enumerate(titles):
        ws.write_string(row, col, title, book.fmt["header"])
    ws.set_row(row, height)
    return row + 1


def _fit_rows(ws, row: int, text: str, chars_per_line: int) -> None:
    """Tall enough for wrapped text: not every spreadsheet sizes rows on opening."""
    lines = 1 + len(text) // chars_per_line
    if lines > 1:
        ws.set_row(row, 13.5 * lines)


def _named_input(book: Book, ws, row: int, label: str, name: str, value, note: str = "",
                 fmt: str = "money_in", formula: str | None = None) -> int:
    """One labelled input row on Inputs, its value cell given a defined name."""
    ws.write_string(row, 0, label, book.fmt["text"])
    if formula:
        book.formula(ws, row, 1, formula, value, "money")
    else:
        ws.write_number(row, 1, value, book.fmt[fmt])
    ws.write_string(row, 2, name, book.fmt["text"])
    if note:
        book.text(ws, row, 3, note, "wrap")
        _fit_rows(ws, row, note, 80)
    book.name(name, "Inputs", row, 1)
    return row + 1


def _limits_block(book: Book, ws, row: int) -> int:
    plan, f = book.plan, book.facts
    src = plan.limit_sources
    ws.write_string(row, 0, f"Limits for {plan.tax_year} (edit the yellow cells: the workbook recalculates)",
                    book.fmt["section"])
    row = _header(book, ws, row + 1, ["Limit", "Dollars", "Name in formulas", "Source"])
    applied = applied_limit(plan)
    age = plan.scenario.age
    catch_up_note = (f"catch-up this person may add (age {age} on Dec 31); sources below" if f.catch_up
                     else "0: not eligible for catch-up (under 50 on Dec 31, or no age given)")
    rows = [
        ("402(g) elective deferral limit", "DeferralLimit", f.deferral_limit, src.get("deferral", "")),
        ("Catch-up (414(v))", "CatchUpLimit", f.catch_up, catch_up_note),
        ("415(c) annual additions limit", "AnnualAdditionsLimit", float(plan.limits["annual_additions"]),
         src.get("annual_additions", "")),
        ("401(a)(17) compensation limit", "CompensationLimit", float(plan.limits["compensation"]),
         src.get("compensation", "")),
        ("Plan's after-tax annual cap (0 = none)", "AfterTaxCap", f.after_tax_cap, "plan rule"),
        ("Plan's match annual cap (0 = none)", "MatchAnnualCap", f.match_cap, "plan rule"),
        ("Deferrals at other employers this year", "OtherEmployerDeferral", f.other_deferral,
         "counts toward 402(g), but this plan's payroll does not see it"),
        ("Gross pay paid before the Schedule", "PriorGross", f.prior_gross, "re-plan: paychecks already paid"),
    ]
    for label, name, value, note in rows:
        row = _named_input(book, ws, row, label, name, value, note)
    gross = f.prior_gross + sum(p["gross"] for p in plan.periods)
    col = schedule_col(book.facts)["gross"]
    rows_sum = f"SUM(Schedule!${col}${FIRST}:${col}${FIRST + len(plan.periods) - 1})" if plan.periods else "0"
    row = _named_input(book, ws, row, "Year's gross pay (every row, RSU included)", "YearGrossPay", round(gross, 2),
                       "", formula=f"=PriorGross+{rows_sum}")
    row = _named_input(book, ws, row, "Annual additions limit applied", "AnnualAdditionsApplied", applied,
                       "the lesser of 415(c) and the year's gross pay",
                       formula="=MIN(AnnualAdditionsLimit,YearGrossPay)")
    ws.write_string(row, 0, "Rounding nudge", book.fmt["text"])
    ws.write_number(row, 1, NUDGE, book.fmt["tiny"])
    ws.write_string(row, 2, "Nudge", book.fmt["text"])
    ws.write_string(row, 3, "added inside every ROUND so half a cent rounds up, as payroll does, in any "
                    "spreadsheet engine despite binary floating point; far below a cent", book.fmt["wrap"])
    ws.set_row(row, 27)
    book.name("Nudge", "Inputs", row, 1)
    return row + 1


def _ytd_block(book: Book, ws, row: int) -> int:
    y = book.facts.ytd
    as_of = book.plan.ytd.get("as_of")
    title = f"Year to date as of {as_of}" if as_of else "Year to date (none: the plan starts on January 1)"
    ws.write_string(row, 0, title, book.fmt["section"])
    row = _header(book, ws, row + 1, ["Amount paid so far", "Dollars", "Name in formulas", ""])
    for label, name, key in (("Deferrals (pre-tax + Roth)", "YtdDeferral", "deferral"),
                             ("After-tax contributions", "YtdAfterTax", "after_tax"),
                             ("Match", "YtdMatch", "match"),
                             ("Eligible pay", "YtdEligible", "eligible_pay")):
        row = _named_input(book, ws, row, label, name, y[key])
    return row


def _tier_bound(facts: Facts, tier: Tier) -> tuple[str | None, float]:
    """A dollar band's top: a formula when given as a percent of the 402(g) limit."""
    if tier.limit_pct is None:
        return None, tier.dollars
    limit = facts.deferral_limit + (facts.catch_up if facts.limit_includes_catch_up else 0)
    base = "DeferralLimit+CatchUpLimit" if facts.limit_includes_catch_up else "DeferralLimit"
    cached = (round(limit * 100) * round(tier.limit_pct * 1e4) // 10**6) / 100
    return f"=ROUNDDOWN(({base})*{tier.limit_pct}/100+Nudge,2)", cached


def _match_block(book: Book, ws, row: int) -> int:
    f = book.facts
    ws.write_string(row, 0, "Employer match tiers", book.fmt["section"])
    if not f.tiers:
        ws.write_string(row + 1, 0, "No employer match.", book.fmt["note"])
        return row + 2
    row = _header(book, ws, row + 1, ["Tier", "Rate (0.5 = 50 %)", "Band up to", "Names in formulas"])
    for prefix, label, tiers in (("Match", "Match", f.tiers), ("AltMatch", "Or (the greater of)", f.greater_of)):
        for i, tier in enumerate(tiers, 1):
            ws.write_string(row, 0, f"{label} tier {i}", book.fmt["text"])
            ws.write_number(row, 1, tier.rate, book.fmt["rate_in"])
            book.name(f"{prefix}Rate{i}", "Inputs", row, 1)
            if tier.pct is not None:
                ws.write_number(row, 2, tier.pct, book.fmt["pct_in"])
                book.name(f"{prefix}Pct{i}", "Inputs", row, 2)
                names = f"{prefix}Rate{i}, {prefix}Pct{i} (percent of the paycheck's eligible pay)"
            else:
                formula, cached = _tier_bound(f, tier)
                if formula:
                    book.formula(ws, row, 2, formula, cached)
                    names = (f"{prefix}Rate{i}, {prefix}Dollars{i} (dollars of the year's deferrals: "
                             f"{tier.limit_pct:g} % of the 402(g) limit)")
                else:
                    ws.write_number(row, 2, cached, book.fmt["money_in"])
                    names = f"{prefix}Rate{i}, {prefix}Dollars{i} (dollars of the year's deferrals)"
                book.name(f"{prefix}Dollars{i}", "Inputs", row, 2)
            ws.write_string(row, 3, names, book.fmt["wrap"])
            row += 1
    return row


def _taxes_block(book: Book, ws, row: int) -> int:
    t = book.facts.taxes
    ws.write_string(row, 0, "Taxes for the net-pay estimate", book.fmt["section"])
    row = _header(book, ws, row + 1, ["Rate", "Rate (0.25 = 25 %)", "Name in formulas", ""])
    for label, name, value in (("Income tax withholding, regular pay", "IncomeTaxRate", t.income_tax_rate),
                               ("Supplemental rate (bonuses)", "SupplementalTaxRate", t.supplemental_rate),
                               ("State tax", "StateTaxRate", t.state_tax_rate)):
        row = _named_input(book, ws, row, label, name, value / 1e6, fmt="rate_in")
    return row


def _rule_value(name: str, value):
    if name.endswith("_pct") or name == "pct_step":
        return value / 1e4
    if name in ("match_annual_cap", "after_tax_annual_cap"):
        return value / 100
    return value


def _rules_block(book: Book, ws, row: int) -> int:
    plan = book.plan
    ws.write_string(row, 0, "Plan rules (the Schedule's formulas were built for these; "
                    "to change one, edit the scenario and write the workbook again)", book.fmt["section"])
    row = _header(book, ws, row + 1, ["Rule", "Value", "", ""])
    rules = plan.scenario.plan
    for fld in fields(rules):
        value = getattr(rules, fld.name)
        if isinstance(value, tuple):  # the match tiers: shown above
            continue
        ws.write_string(row, 0, fld.name, book.fmt["text"])
        book.value(ws, row, 1, _rule_value(fld.name, value))
        row += 1
    for label, value in (("deferral_type", plan.scenario.goal.deferral_type),
                         ("roth_catch_up_required", book.facts.roth_catch_up)):
        ws.write_string(row, 0, label, book.fmt["text"])
        book.value(ws, row, 1, value)
        row += 1
    return row


def _sources_block(book: Book, ws, row: int) -> int:
    ws.write_string(row, 0, "Where each limit comes from", book.fmt["section"])
    row = _header(book, ws, row + 1, ["Limit", "", "", "Source"])
    for key, source in sorted(book.plan.limit_sources.items()):
        book.text(ws, row, 0, key)
        book.text(ws, row, 3, source, "wrap")
        _fit_rows(ws, row, source, 80)
        row += 1
    return row


def flatten(data, prefix: str = ""):
    """(dotted key, scalar) pairs of a TOML table: pay.salary, raise[0].effective, ..."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from flatten(value, f"{prefix}[{i}]")
    else:
        yield prefix, data


def _scenario_block(book: Book, ws, row: int) -> int:
    ws.write_string(row, 0, "The scenario as read", book.fmt["section"])
    row = _header(book, ws, row + 1, ["Key", "Value", "", ""])
    for key, value in flatten(book.plan.scenario.source):
        book.text(ws, row, 0, key)
        book.value(ws, row, 1, value)
        row += 1
    return row


# ---------------------------------------------------------------- Schedule


def schedule_index(facts: Facts) -> dict[str, int]:
    return {c.key: i for i, c in enumerate(schedule_columns(facts))}


def schedule_col(facts: Facts) -> dict[str, str]:
    return {key: xl_col_to_name(i) for key, i in schedule_index(facts).items()}


def _eligible_is_gross(plan: Plan, p: dict) -> bool:
    """Is this row's pay 401(k)-eligible before the 401(a)(17) cut? RSUs never are; a bonus
    as the scenario or the plan's bonus_eligible says."""
    if p["kind"] == "regular":
        return True
    if p["kind"] != "bonus":
        return False
    day = dt.date.fromisoformat(p["pay_date"])
    for bonus in plan.scenario.bonuses:
        if bonus.date == day and bonus.amount == _cents(p["gross"]):
            return plan.scenario.plan.bonus_eligible if bonus.eligible is None else bonus.eligible
    return p["eligible"] > 0


def write_schedule(book: Book) -> None:
    ws = book.wb.add_worksheet("Schedule")
    columns = schedule_columns(book.facts)
    col = schedule_col(book.facts)
    for i, c in enumerate(columns):
        ws.set_column(i, i, c.width)
        ws.write_string(0, i, c.header, book.fmt["header"])
        if c.note:
            ws.write_comment(0, i, c.note, {"x_scale": 1.6, "y_scale": 1.2})
    ws.set_row(0, 42)
    ws.freeze_panes(1, 1)
    _print_setup(ws, repeat_header=True)
    rows = row_values(book.plan, book.facts)
    for k, values in enumerate(rows):
        n = FIRST + k
        eligible_is_gross = _eligible_is_gross(book.plan, values)
        formulas = RowFormulas(book.facts, col, n, values["kind"], eligible_is_gross).all()
        for i, c in enumerate(columns):
            _schedule_cell(book, ws, n - 1, i, c, values, formulas.get(c.key))
    if rows:
        _schedule_checks(book, ws, len(rows), len(columns), col)


def _schedule_cell(book: Book, ws, row: int, i: int, c: Column, values: dict, formula: str | None) -> None:
    value = values.get(c.key)
    if c.key == "pay_date":
        ws.write_datetime(row, i, dt.date.fromisoformat(value), book.fmt["date"])
    elif c.key == "kind":
        book.text(ws, row, i, value)
    elif formula:
        book.formula(ws, row, i, formula, float(value), c.fmt)
    elif value is None:
        ws.write_blank(row, i, None, book.fmt[c.fmt])
    else:  # an input, or an amount no election changes (e.g. RSU pay, no match)
        ws.write_number(row, i, float(value), book.fmt[c.fmt])


def _schedule_checks(book: Book, ws, n_rows: int, n_cols: int, col: dict) -> None:
    """Percent cells take 0-100; a row turns red once a limit is exceeded (after an edit)."""
    last = FIRST + n_rows - 1
    rules = book.plan.scenario.plan
    for key, cap in (("deferral_pct", rules.max_deferral_pct), ("after_tax_pct", rules.max_after_tax_pct)):
        c = schedule_index(book.facts)[key]
        ws.data_validation(FIRST - 1, c, last - 1, c, {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
            "input_title": "Percent of eligible pay",
            "input_message": f"Type 9 for 9 %. The plan allows up to {cap / 1e4:g} %.",
            "error_title": "Not a percent", "error_message": "A percent from 0 to 100, e.g. 9 for 9 %."})
    over = (f"=OR(${col['ytd_deferral']}{FIRST}+OtherEmployerDeferral>DeferralLimit+CatchUpLimit+0.005,"
            f"${col['ytd_additions']}{FIRST}>AnnualAdditionsApplied+0.005)")
    ws.conditional_format(FIRST - 1, 0, last - 1, n_cols - 1, {"type": "formula", "criteria": over,
                                                                 "format": book.fmt["red"]})


# ---------------------------------------------------------------- Summary


class Totals:
    """The Summary's year totals: formulas over the Schedule's last row, or the year to date."""

    def __init__(self, book: Book):
        self.book = book
        self.col = schedule_col(book.facts)
        self.n = len(book.plan.periods)
        self.last = FIRST + self.n - 1

    def last_of(self, key: str, ytd_name: str) -> str:
        return f"Schedule!${self.col[key]}${self.last}" if self.n else ytd_name

    def column_sum(self, key: str) -> str:
        c = self.col[key]
        return f"SUM(Schedule!${c}${FIRST}:${c}${self.last})" if self.n else "0"

    def rows(self) -> list[tuple[str, str, str | None, str]]:
        """(label, defined name, formula, key of plan.totals)."""
        f = self.book.facts
        if f.roth_deferrals:
            ytd_roth = "+YtdDeferral"
        else:
            ytd_roth = f"+{_person_band('YtdDeferral')}" if f.roth_catch_up else ""
        return [
            ("Deferrals (pre-tax + Roth), catch-up included", "TotalDeferral",
             f"={self.last_of('ytd_deferral', 'YtdDeferral')}", "deferral"),
            ("  of which pre-tax", "TotalPretax", "=TotalDeferral-TotalRoth", "pretax"),
            ("  of which Roth", "TotalRoth", f"={self.column_sum('roth')}{ytd_roth}", "roth"),
            ("  of which catch-up", "TotalCatchUp", f"={_person_band('TotalDeferral')}", "catch_up"),
            ("After-tax contributions", "TotalAfterTax", f"={self.last_of('ytd_after_tax', 'YtdAfterTax')}",
             "after_tax"),
            ("Match true-up after year end", "TrueUp", self.true_up(), "true_up"),
            ("Employer match (true-up included)", "TotalMatch",
             f"={self.last_of('ytd_match', 'YtdMatch')}+TrueUp", "match"),
            ("Annual additions (415(c))", "TotalAdditions", self.additions(), "annual_additions"),
            ("Excess deferral to refund", "ExcessDeferral", f"={_person_excess('TotalDeferral')}",
             "excess_deferral"),
            ("Excess annual additions to refund", "ExcessAdditions", "=MAX(TotalAdditions-AnnualAdditionsApplied,0)",
             "excess_annual_additions"),
        ]

    def additions(self) -> str:
        d = "TotalDeferral"
        match = self.last_of("ytd_match", "YtdMatch")
        return f"={d}-{_person_band(d)}-{_person_excess(d)}+TotalAfterTax+{match}+TrueUp"

    def true_up(self) -> str | None:
        f = self.book.facts
        if not (f.true_up and f.tiers):
            return None
        matchable = "TotalDeferral" if f.match_catch_up else f"(TotalDeferral-{self.column_sum('catch_up')})"
        if f.pct_tiers:  # the match formula on the year's deferral and eligible pay
            due = pct_match(f, matchable, f"(YtdEligible+{self.column_sum('eligible')})")
        else:
            due = dollar_match(f, matchable)
        if f.match_cap:
            due = f"MIN({due},MatchAnnualCap)"
        return f"=MAX({due}-{self.last_of('ytd_match', 'YtdMatch')},0)"


def write_summary(book: Book) -> None:
    ws = book.wb.add_worksheet("Summary")
    plan = book.plan
    ws.set_column(0, 0, 44)
    ws.set_column(1, 3, 15)
    ws.set_column(4, 4, 3)
    _print_setup(ws)
    ws.write_string(0, 0, "401(k) plan, paycheck by paycheck", book.fmt["title"])
    row = 1
    facts = [("Name", plan.name), ("Tax year", plan.tax_year),
             ("Made by", "planner plan: elections found by the planner" if plan.command == "plan"
              else "planner check: the elections given, simulated")]
    if plan.ytd.get("as_of"):
        facts.append(("Re-plan: paid so far as of", dt.date.fromisoformat(plan.ytd["as_of"])))
    for label, value in facts:
        ws.write_string(row, 0, label, book.fmt["bold"])
        book.value(ws, row, 1, value, fmt="left")
        row += 1
    ws.merge_range(row, 0, row, 3, "Edit the yellow percent cells on Schedule (or the limits on Inputs): "
                   "amounts, totals and room left recalculate, and a Schedule row turns red where a limit is "
                   "exceeded.", book.fmt["note"])
    ws.set_row(row, 28)
    row = _totals_block(book, ws, row + 2)
    row = _room_block(book, ws, row + 1)
    row = _changes_block(book, ws, row + 1)
    _warnings_block(book, ws, row + 1)
    if plan.periods:
        ws.insert_chart(1, 5, chart(book), {"x_scale": 1.5, "y_scale": 1.6})


def _totals_block(book: Book, ws, row: int) -> int:
    totals = book.plan.totals
    ws.write_string(row, 0, "Totals for the year (amounts paid so far included)", book.fmt["section"])
    row += 1
    for label, name, formula, key in Totals(book).rows():
        ws.write_string(row, 0, label, book.fmt["text"])
        cached = float(totals.get(key, 0.0))
        if formula:
            book.formula(ws, row, 1, formula, cached, "money" if label.startswith(" ") else "money_bold")
        else:  # no true-up in this plan
            ws.write_number(row, 1, cached, book.fmt["money"])
        book.name(name, "Summary", row, 1)
        row += 1
    if "match_lost" in totals:
        ws.write_string(row, 0, "Match lost against placing the same deferral to keep it", book.fmt["text"])
        ws.write_number(row, 1, float(totals["match_lost"]), book.fmt["money"])
        ws.write_comment(row, 1, "A fixed number from the planner: finding the placement that keeps the match "
                         "needs the planner's solver, which a formula cannot run. It does not follow edits.")
        row += 1
    return row


def _room_rows(book: Book) -> list[tuple[str, str, str, float, float]]:
    """(label, limit formula, used formula, limit value, used value) for each limit."""
    plan, f, t = book.plan, book.facts, book.plan.totals
    applied = applied_limit(plan)
    eligible = f.ytd["eligible_pay"] + sum(p["eligible"] for p in plan.periods)
    rows = [
        ("Deferrals: 402(g) + catch-up (all employers)", "=DeferralLimit+CatchUpLimit",
         "=TotalDeferral+OtherEmployerDeferral", f.deferral_limit + f.catch_up, t["deferral"] + f.other_deferral),
        ("Annual additions: 415(c), at most the year's pay", "=AnnualAdditionsApplied", "=TotalAdditions",
         applied, t["annual_additions"]),
        ("Eligible pay: 401(a)(17) compensation limit", "=CompensationLimit",
         f"=YtdEligible+{Totals(book).column_sum('eligible')}", float(plan.limits["compensation"]), eligible),
    ]
    if f.after_tax_cap:
        rows.append(("After-tax: the plan's annual cap", "=AfterTaxCap", "=TotalAfterTax", f.after_tax_cap,
                     t["after_tax"]))
    if f.match_cap:
        rows.append(("Match: the plan's annual cap", "=MatchAnnualCap", "=TotalMatch", f.match_cap, t["match"]))
    return rows


def _room_block(book: Book, ws, row: int) -> int:
    ws.write_string(row, 0, "Limits and room left", book.fmt["section"])
    row = _header(book, ws, row + 1, ["", "Limit", "Used", "Room left"])
    first = row
    for label, limit_f, used_f, limit_v, used_v in _room_rows(book):
        ws.write_string(row, 0, label, book.fmt["text"])
        book.formula(ws, row, 1, limit_f, round(limit_v, 2))
        book.formula(ws, row, 2, used_f, round(used_v, 2))
        book.formula(ws, row, 3, f"=B{row + 1}-C{row + 1}", round(limit_v - used_v, 2), "money_bold")
        row += 1
    ws.conditional_format(first, 3, row - 1, 3, {"type": "cell", "criteria": "<", "value": -0.005,
                                                 "format": book.fmt["red"]})
    return row


def _changes_block(book: Book, ws, row: int) -> int:
    title = ("Election changes to make in the payroll portal" if book.plan.command == "plan"
             else "Elections in force (as given)")
    ws.write_string(row, 0, title, book.fmt["section"])
    planned = book.plan.command == "plan"
    row = _header(book, ws, row + 1, ["From the paycheck of", "Deferral %", "After-tax %",
                                      "Submit before (applies to)" if planned else ""])
    for e in book.plan.elections:
        ws.write_datetime(row, 0, dt.date.fromisoformat(e["from"]), book.fmt["date"])
        ws.write_number(row, 1, e["deferral_pct"], book.fmt["pct"])
        ws.write_number(row, 2, e["after_tax_pct"], book.fmt["pct"])
        if planned:
            ws.write_string(row, 3, f"{e['submit_before']} ({_applies_to(e)})", book.fmt["text"])
        row += 1
    return row


def _applies_to(election: dict) -> str:
    return "the bonus only" if election.get("applies_to") == "bonus" else "every paycheck"


def _warnings_block(book: Book, ws, row: int) -> int:
    ws.write_string(row, 0, "Warnings", book.fmt["section"])
    row += 1
    if not book.plan.warnings:
        ws.write_string(row, 0, "None.", book.fmt["note"])
        return row + 1
    for text in book.plan.warnings:
        ws.merge_range(row, 0, row, 3, "", book.fmt["wrap"])
        book.text(ws, row, 0, text, "wrap")
        _fit_rows(ws, row, text, 110)
        row += 1
    return row


def chart(book: Book):
    """Cumulative deferral, after-tax, match and annual additions through the year, against the limits."""
    ch = book.wb.add_chart({"type": "line"})
    col = schedule_index(book.facts)
    first, last = FIRST - 1, FIRST + len(book.plan.periods) - 2
    series = [("YTD deferral", "ytd_deferral", "#4472C4", "solid"),
              ("YTD after-tax", "ytd_after_tax", "#ED7D31", "solid"),
              ("YTD match", "ytd_match", "#70AD47", "solid"),
              ("YTD annual additions", "ytd_additions", "#7030A0", "solid"),
              ("402(g) + catch-up limit", "deferral_line", "#4472C4", "dash"),
              ("415(c) limit", "additions_line", "#7030A0", "dash")]
    for name, key, color, dash in series:
        ch.add_series({"name": name, "categories": ["Schedule", first, 0, last, 0],
                       "values": ["Schedule", first, col[key], last, col[key]],
                       "line": {"color": color, "width": 2.0 if dash == "solid" else 1.5, "dash_type": dash}})
    ch.set_title({"name": "Through the year against the limits"})
    ch.set_x_axis({"date_axis": True, "num_format": "mmm d", "major_gridlines": {"visible": False}})
    ch.set_y_axis({"num_format": "$#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    ch.set_legend({"position": "bottom"})
    return ch


# ---------------------------------------------------------------- Elections


def write_elections(book: Book) -> None:
    ws = book.wb.add_worksheet("Elections")
    plan = book.plan
    planned = plan.command == "plan"
    ws.set_column(0, 2, 18)
    ws.set_column(3, 4, 12)
    ws.set_column(5, 5, 11)
    ws.set_column(6, 6, 70)
    ws.freeze_panes(1, 0)
    _print_setup(ws, repeat_header=True)
    _header(book, ws, 0, ["From the paycheck of", "Submit before" if planned else "", "Last paycheck",
                          "Deferral %", "After-tax %", "Paychecks",
                          "What to do" if planned else "Elections in force (as given)"], height=30)
    for k, (e, covered) in enumerate(zip(plan.elections, _covered_dates(plan))):
        start = dt.date.fromisoformat(e["from"])
        ws.write_datetime(k + 1, 0, start, book.fmt["date"])
        if planned:
            ws.write_datetime(k + 1, 1, dt.date.fromisoformat(e["submit_before"]), book.fmt["date"])
        if covered:
            ws.write_datetime(k + 1, 2, covered[-1], book.fmt["date"])
        ws.write_number(k + 1, 3, e["deferral_pct"], book.fmt["pct"])
        ws.write_number(k + 1, 4, e["after_tax_pct"], book.fmt["pct"])
        ws.write_number(k + 1, 5, len(covered), book.fmt["number"])
        percents = f"deferral {e['deferral_pct']:g} % and after-tax {e['after_tax_pct']:g} %"
        if not planned:
            text = f"In force: {percents} from the paycheck of {start.isoformat()}"
        elif e.get("applies_to") == "bonus":
            text = f"Bonus election: {percents} for the bonus of {start.isoformat()} only; submit before {e['submit_before']}"
        else:
            verb = "Set" if k == 0 else "Change to"
            text = f"{verb} {percents} from the paycheck of {start.isoformat()}; submit before {e['submit_before']}"
        ws.write_string(k + 1, 6, text, book.fmt["text"])
    note = len(plan.elections) + 2
    ws.merge_range(note, 0, note, 6, "The planner's list, fixed when the workbook was written: percents edited "
                   "on the Schedule are not reflected here. 'Submit before' allows for the plan's election lag "
                   f"({plan.scenario.plan.election_lag} paychecks).", book.fmt["note"])
    ws.set_row(note, 27)


def _covered_dates(plan: Plan) -> list[list[dt.date]]:
    """Per election, the pay dates it applies to (RSU rows have no eligible pay): a bonus
    election its own bonus; a pay election the rows from its date to the next pay
    election, except bonuses that the plan takes apart."""
    separate = plan.scenario.plan.separate_bonus_election
    out = []
    for k, e in enumerate(plan.elections):
        bonus_only = e.get("applies_to") == "bonus"
        later = [n["from"] for n in plan.elections[k + 1:] if (n.get("applies_to") == "bonus") == bonus_only]
        end = e["from"] if bonus_only else (later[0] if later else "9999-12-31")

        def applies(p: dict) -> bool:
            if p["kind"] == "rsu" or not e["from"] <= p["pay_date"] <= end:
                return False
            if bonus_only:
                return p["kind"] == "bonus"
            return p["pay_date"] < end and not (separate and p["kind"] == "bonus")

        out.append([dt.date.fromisoformat(p["pay_date"]) for p in plan.periods if applies(p)])
    return out


# ---------------------------------------------------------------- writing


def write_workbook(plan: Plan, path: str | os.PathLike) -> None:
    """Write `plan` as an .xlsx workbook at `path`, atomically: the file appears whole or not at all."""
    facts = facts_of(plan)
    write_atomic(path, lambda tmp: _write(plan, facts, tmp))


def _write(plan: Plan, facts: Facts, filename: str) -> None:
    # strings never turn into formulas or links by themselves; scenario text goes through Book.text
    # in_memory: the parts are zipped from memory, so an interrupted run leaves no temporary files
    wb = xlsxwriter.Workbook(filename, {"strings_to_formulas": False, "strings_to_urls": False,
                                        "default_date_format": "yyyy-mm-dd", "in_memory": True})
    try:
        book = Book(wb, plan, facts, _formats(wb))
        wb.set_properties({"title": f"401(k) plan {plan.tax_year}", "subject": plan.name or "",
                           "comments": "Written by planner; formulas recalculate on load."})
        wb.set_calc_mode("auto")  # XlsxWriter also sets fullCalcOnLoad, so Excel recalculates on opening
        write_summary(book)
        write_schedule(book)
        write_elections(book)
        write_inputs(book)
        wb.worksheets()[0].activate()
    finally:
        try:
            wb.close()
        except xlsxwriter.exceptions.FileCreateError as e:  # XlsxWriter's wrapper of an OSError (a full disk)
            raise e.args[0] if e.args and isinstance(e.args[0], OSError) else OSError(str(e)) from None
