"""The Excel workbook (issue 5): every formula, recalculated by an independent engine (the
`formulas` package), gives the planner's number; an edited percent moves the totals the way
payroll would; readers that never calculate see the planner's numbers; scenario text never
becomes a formula; an interrupted write leaves the previous file alone.

A recalculation takes the engine about a second a workbook, so each workbook is
recalculated once, and the examples' and cases' workbooks in parallel processes.
"""

from __future__ import annotations

import copy
import datetime as dt
import multiprocessing
import os
import re
import subprocess
import sys
import warnings
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import formulas  # a test dependency: when missing the suite fails, never skips
import openpyxl
import pytest

import planner
from planner.workbook import write_workbook

REPO = Path(__file__).resolve().parents[1]
CASES = REPO.parent / "shared" / "cases"
CENT = 0.01 + 1e-9

# Schedule headers -> the planner's period keys
PERIOD_COLUMNS = {"Gross": "gross", "Eligible pay": "eligible", "Deferral %": "deferral_pct",
                  "Deferral $": "deferral", "Pre-tax": "pretax", "Roth": "roth", "Catch-up": "catch_up",
                  "After-tax %": "after_tax_pct", "After-tax $": "after_tax", "Match": "match",
                  "Social Security": "social_security", "Medicare": "medicare", "Income tax": "income_tax",
                  "State tax": "state_tax", "Other deductions": "other_deductions", "Net pay": "net_pay"}
# Summary defined names -> the planner's totals keys
TOTAL_NAMES = {"TotalDeferral": "deferral", "TotalPretax": "pretax", "TotalRoth": "roth",
               "TotalCatchUp": "catch_up", "TotalAfterTax": "after_tax", "TotalMatch": "match", "TrueUp": "true_up",
               "TotalAdditions": "annual_additions", "ExcessDeferral": "excess_deferral",
               "ExcessAdditions": "excess_annual_additions"}
LIMIT_NAMES = ("DeferralLimit", "CatchUpLimit", "AnnualAdditionsLimit", "AnnualAdditionsApplied",
               "CompensationLimit", "OtherEmployerDeferral", "YtdDeferral", "YtdAfterTax", "YtdMatch", "YtdEligible")


# ---------------------------------------------------------------- helpers


def scenario_files() -> list[Path]:
    return sorted((REPO / "examples").glob("*.toml")) + sorted(CASES.glob("*.toml"))


def command_for(path: Path) -> str:
    """The case's own command; an example is checked when it gives elections, else planned."""
    expect = path.with_name(path.stem + ".expect.json")
    if expect.exists():
        import json

        return json.loads(expect.read_text())["command"]
    return "check" if "[[election]]" in path.read_text() else "plan"


def recalculate(path: Path) -> dict[tuple[str, str], object]:
    """Every cell's value as the `formulas` engine computes it: {(SHEET, "A1"): value}."""
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    out = {}
    for key, ranges in solution.items():
        sheet, _, cell = key.rpartition("!")
        if ":" not in cell:
            value = ranges.value[0, 0]
            out[(sheet.split("]")[-1].strip("'").upper(), cell)] = value if isinstance(value, str) else (
                float(value) if isinstance(value, int | float) else repr(value))  # plain, to cross processes
    return out


def _write_and_recalculate(job: tuple) -> dict:
    """In a worker process: plan or check the scenario, write its workbook, recalculate it."""
    source, command, out = job
    write_workbook(getattr(planner, command)(source), out)
    return recalculate(out)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> dict[str, tuple[planner.Plan, Path, dict]]:
    """Every example, case and feature variant, written and recalculated: {id: (plan, path, values)}."""
    folder = tmp_path_factory.mktemp("workbooks")
    sources = {p.stem: (p, command_for(p)) for p in scenario_files()}
    sources.update({name: (_variant(name), "check") for name in VARIANTS})
    jobs = [(source, command, folder / f"{key}.xlsx") for key, (source, command) in sources.items()]
    workers = min(os.cpu_count() or 1, 4)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            values = list(pool.map(_write_and_recalculate, jobs))
    else:
        values = [_write_and_recalculate(job) for job in jobs]
    return {key: (getattr(planner, command)(source), out, vals)
            for (key, (source, command)), (_, _, out), vals in zip(sources.items(), jobs, values)}


def formula_cells(path: Path):
    """(sheet, cell, formula, cached value) of every formula cell."""
    book, cached = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    yield ws.title, cell.coordinate, cell.value, cached[ws.title][cell.coordinate].value


def number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AssertionError(f"not a number: {value!r}") from None


def schedule_map(path: Path) -> dict[str, str]:
    """Schedule header -> column letter."""
    ws = openpyxl.load_workbook(path)["Schedule"]
    return {cell.value: cell.column_letter for cell in ws[1]}


def name_cells(path: Path) -> dict[str, tuple[str, str]]:
    """Defined name -> (sheet, cell)."""
    book = openpyxl.load_workbook(path)
    out = {}
    for name, dn in book.defined_names.items():
        sheet, cell = next(iter(dn.destinations))
        out[name] = (sheet, cell.replace("$", ""))
    return out


def assert_matches_plan(values, path: Path, plan: planner.Plan, what: str) -> None:
    """`values` ({(SHEET, cell): value}) show the plan's periods, running totals and totals."""
    cols = schedule_map(path)
    bad = []
    for k, period in enumerate(plan.periods):
        row = k + 2
        expected = {header: period[key] for header, key in PERIOD_COLUMNS.items() if key in period}
        expected.update({"YTD deferral": period.get("ytd_deferral"), "YTD after-tax": period.get("ytd_after_tax"),
                         "YTD match": period.get("ytd_match"),
                         "YTD annual additions": period.get("ytd_annual_additions")})
        for header, want in expected.items():
            if want is None:
                continue
            got = number(values[("SCHEDULE", f"{cols[header]}{row}")])
            if abs(got - want) > CENT:
                bad.append(f"Schedule {header} row {row} ({period['pay_date']}): {got} != {want}")
    names = name_cells(path)
    for name, key in TOTAL_NAMES.items():
        sheet, cell = names[name]
        got = number(values[(sheet.upper(), cell)])
        if abs(got - plan.totals[key]) > CENT:
            bad.append(f"Summary {name}: {got} != {plan.totals[key]}")
    assert not bad, f"{what}:\n" + "\n".join(bad[:20])


def assert_recalculates(path: Path, plan: planner.Plan, values: dict | None = None) -> None:
    """The engine's value of every formula cell is its cached value, and both are the planner's."""
    values = recalculate(path) if values is None else values
    cells = list(formula_cells(path))
    assert len(cells) > 10 * max(len(plan.periods), 1)
    bad = [f"{sheet}!{cell} {formula}: recalculated {values.get((sheet.upper(), cell))!r}, cached {cached!r}"
           for sheet, cell, formula, cached in cells
           if abs(number(values.get((sheet.upper(), cell))) - number(cached)) > CENT]
    assert not bad, "\n".join(bad[:20])
    assert_matches_plan(values, path, plan, "recalculated")


def with_elections(plan: planner.Plan, deferral: list, after_tax: list) -> dict:
    """The plan's scenario with one [[election]] per pay date giving these per-row percents."""
    by_date = {}
    for period, d, a in zip(plan.periods, deferral, after_tax):
        day = dt.date.fromisoformat(period["pay_date"])
        assert by_date.setdefault(day, (d, a)) == (d, a), "rows on one date share an election"
    data = copy.deepcopy(plan.scenario.source)
    data["election"] = [{"from": day, "deferral_pct": d, "after_tax_pct": a} for day, (d, a) in by_date.items()]
    return data


def edit_percents(src: Path, dst: Path, edits: dict[tuple[int, str], float]) -> None:
    """Type new percents into Schedule cells, as a person would: {(row index, header): percent}."""
    cols = schedule_map(src)
    book = openpyxl.load_workbook(src)
    for (k, header), value in edits.items():
        book["Schedule"][f"{cols[header]}{k + 2}"] = value
    book.save(dst)


# ---------------------------------------------------------------- scenarios for the rarer features

def _base(**plan_rules) -> dict:
    return {
        "name": "Features", "tax_year": 2025, "age": 52,
        "pay": {"frequency": "biweekly", "first_pay_date": dt.date(2025, 1, 10), "salary": 380000},
        "bonus": [{"date": dt.date(2025, 3, 14), "amount": 40000},
                  {"date": dt.date(2025, 6, 13), "amount": 10000, "eligible": False}],
        "rsu": [{"date": dt.date(2025, 5, 15), "value": 50000}],
        "plan": {"match": [{"rate": 1.0, "up_to_pct": 3}, {"rate": 0.5, "up_to_pct": 5}], **plan_rules},
        "election": [{"from": dt.date(2025, 1, 1), "deferral_pct": 15, "after_tax_pct": 10},
                     {"from": dt.date(2025, 7, 1), "deferral_pct": 30, "after_tax_pct": 20}],
        "goal": {"deferral": "max", "after_tax": "max"},
    }


def _variant(name: str) -> dict:
    if name == "pct-tiers-unmatched-catch-up-true-up-cap":
        return _base(match_catch_up=False, match_true_up=True, match_annual_cap=9000)
    if name == "dollar-tiers-true-up-roth":
        data = _base(match=[{"rate": 1.0, "up_to_dollars": 5000}, {"rate": 0.5, "up_to_dollars": 12000}],
                     match_catch_up=False, match_true_up=True)
        data["goal"]["deferral_type"] = "roth"
        return data
    if name == "limit-pct-greater-of":
        return _base(match=[{"rate": 1.0, "up_to_limit_pct": 50}],
                     match_greater_of=[{"rate": 0.5, "up_to_limit_pct": 100}],
                     match_limit_includes_catch_up=True, match_annual_cap=14000)
    if name == "spillover-after-tax-auto-stop-cap":
        return _base(spillover_to_after_tax=True, auto_stop_after_tax=True, after_tax_annual_cap=25000)
    if name == "replan-other-employer-roth-catch-up-2026":
        data = _base(match=[{"rate": 1.0, "up_to_dollars": 6000}])
        data.update(tax_year=2026, ytd={"as_of": dt.date(2026, 6, 30), "deferral": 9000, "after_tax": 9000,
                                        "match": 2500, "eligible_pay": 210000, "other_employer_deferral": 12000})
        data["pay"].update(first_pay_date=dt.date(2026, 1, 9), prior_year_fica_wages=300000)
        for row in data["bonus"] + data["rsu"]:
            row["date"] = row["date"].replace(year=2026)
        data["election"] = [{"from": dt.date(2026, 7, 1), "deferral_pct": 40, "after_tax_pct": 20}]
        return data
    if name == "replan-at-year-end":  # nothing left to pay: the totals are the year to date
        data = _variant("replan-other-employer-roth-catch-up-2026")
        data["ytd"]["as_of"] = dt.date(2026, 12, 31)
        return data
    if name == "low-pay-415-half-cents-no-auto-stop":
        # 29,628 / 24 = 1,234.50 a paycheck: 3 % is 37.035, which payroll rounds up to 37.04
        return {"name": "Low pay", "tax_year": 2025, "age": 30,
                "pay": {"frequency": "semimonthly", "salary": 29628},
                "plan": {"match": [{"rate": 0.5, "up_to_pct": 6}], "auto_stop_deferral": False,
                         "auto_stop_after_tax": True, "max_after_tax_pct": 100, "max_total_pct": 100},
                "election": [{"from": dt.date(2025, 1, 1), "deferral_pct": 3, "after_tax_pct": 50},
                             {"from": dt.date(2025, 5, 1), "deferral_pct": 80, "after_tax_pct": 20}]}
    raise KeyError(name)


VARIANTS = ["pct-tiers-unmatched-catch-up-true-up-cap", "dollar-tiers-true-up-roth", "limit-pct-greater-of",
            "spillover-after-tax-auto-stop-cap", "replan-other-employer-roth-catch-up-2026",
            "low-pay-415-half-cents-no-auto-stop", "replan-at-year-end"]


# ---------------------------------------------------------------- recalculation


@pytest.mark.parametrize("key", [p.stem for p in scenario_files()])
def test_every_formula_recalculates_to_the_planners_value(key, recalculated):
    plan, path, values = recalculated[key]
    assert_recalculates(path, plan, values)


@pytest.mark.parametrize("key", VARIANTS)
def test_rarer_features_recalculate_too(key, recalculated):
    plan, path, values = recalculated[key]
    assert_recalculates(path, plan, values)


def test_half_cents_round_up_as_payroll_does(recalculated):
    plan, path, values = recalculated["low-pay-415-half-cents-no-auto-stop"]
    assert plan.periods[0]["deferral"] == 37.04  # the planner's half-up rounding of 3 % x 1,234.50
    assert values[("SCHEDULE", f"{schedule_map(path)['Deferral $']}2")] == pytest.approx(37.04, abs=1e-9)


def test_the_common_features_are_live_formulas(tmp_path):
    """Amounts, match, year-to-date columns and totals are formulas in every row."""
    plan = planner.check(_variant("pct-tiers-unmatched-catch-up-true-up-cap"))
    write_workbook(plan, tmp_path / "p.xlsx")
    cols = schedule_map(tmp_path / "p.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx")["Schedule"]
    for header in ("Deferral $", "Pre-tax", "Catch-up", "After-tax $", "Match", "YTD deferral", "YTD after-tax",
                   "YTD match", "YTD annual additions"):
        for k in range(len(plan.periods)):
            assert ws[f"{cols[header]}{k + 2}"].data_type == "f", (header, k)
    deferral = ws[f"{cols['Deferral $']}2"].value
    assert "DeferralLimit" in deferral and "CatchUpLimit" in deferral  # the auto-stop, over the named limits
    names = name_cells(tmp_path / "p.xlsx")
    book = openpyxl.load_workbook(tmp_path / "p.xlsx")
    for name in TOTAL_NAMES:
        sheet, cell = names[name]
        assert book[sheet][cell].data_type == "f", name


# ---------------------------------------------------------------- editing a percent


def _edit_and_compare(plan: planner.Plan, edits: dict, tmp_path: Path) -> None:
    write_workbook(plan, tmp_path / "plan.xlsx")
    edit_percents(tmp_path / "plan.xlsx", tmp_path / "edited.xlsx", edits)
    deferral = [p["deferral_pct"] for p in plan.periods]
    after_tax = [p["after_tax_pct"] for p in plan.periods]
    for (k, header), value in edits.items():
        (deferral if header == "Deferral %" else after_tax)[k] = value
    expected = planner.check(with_elections(plan, deferral, after_tax))
    assert expected.totals["deferral"] != plan.totals["deferral"] or expected.totals["after_tax"] != plan.totals[
        "after_tax"], "the edit must change the year"
    assert_matches_plan(recalculate(tmp_path / "edited.xlsx"), tmp_path / "plan.xlsx", expected, "after the edit")


def test_editing_a_percent_moves_the_year_as_payroll_would(tmp_path):
    """Front-loading more early: the auto-stop comes sooner and match is lost, as planner.check says."""
    plan = planner.check(CASES / "c01-frontload-match-lost.toml")
    _edit_and_compare(plan, {(2, "Deferral %"): 45, (5, "Deferral %"): 3, (9, "After-tax %"): 30}, tmp_path)


def test_editing_a_replan_with_catch_up_and_dollar_bands(tmp_path):
    plan = planner.check(_variant("replan-other-employer-roth-catch-up-2026"))
    regular = [k for k, p in enumerate(plan.periods)
               if [q["pay_date"] for q in plan.periods].count(p["pay_date"]) == 1]
    _edit_and_compare(plan, {(regular[0], "Deferral %"): 90, (regular[3], "After-tax %"): 45}, tmp_path)


def test_editing_with_true_up_and_unmatched_catch_up(tmp_path):
    plan = planner.check(_variant("pct-tiers-unmatched-catch-up-true-up-cap"))
    _edit_and_compare(plan, {(1, "Deferral %"): 50, (4, "Deferral %"): 0, (6, "After-tax %"): 0}, tmp_path)


# ---------------------------------------------------------------- net pay


def test_net_pay_follows_the_pretax_deferral(tmp_path):
    data = _base()
    data["taxes"] = {"income_tax_rate": 0.24, "supplemental_rate": 0.22, "state_tax_rate": 0.05,
                     "other_deductions": 250}
    plan = planner.check(data)
    write_workbook(plan, tmp_path / "plan.xlsx")
    assert "Net pay" in schedule_map(tmp_path / "plan.xlsx")
    assert_recalculates(tmp_path / "plan.xlsx", plan)

    edit_percents(tmp_path / "plan.xlsx", tmp_path / "edited.xlsx", {(0, "Deferral %"): 40, (1, "After-tax %"): 5})
    deferral = [p["deferral_pct"] for p in plan.periods]
    after_tax = [p["after_tax_pct"] for p in plan.periods]
    deferral[0], after_tax[1] = 40, 5
    expected = planner.check(with_elections(plan, deferral, after_tax))
    assert expected.periods[0]["net_pay"] != plan.periods[0]["net_pay"]
    assert_matches_plan(recalculate(tmp_path / "edited.xlsx"), tmp_path / "plan.xlsx", expected, "net pay")


# ---------------------------------------------------------------- what readers that never calculate see


def test_cached_values_are_the_planners_numbers(tmp_path):
    pd = pytest.importorskip("pandas")
    plan = planner.check(_variant("replan-other-employer-roth-catch-up-2026"))
    write_workbook(plan, tmp_path / "plan.xlsx")
    frame = pd.read_excel(tmp_path / "plan.xlsx", sheet_name="Schedule")
    assert len(frame) == len(plan.periods)
    assert [d.date().isoformat() for d in frame["Pay date"]] == [p["pay_date"] for p in plan.periods]
    for header, key in PERIOD_COLUMNS.items():
        if header in frame:
            assert frame[header].tolist() == pytest.approx([p[key] for p in plan.periods], abs=CENT), header
    for header, key in (("YTD deferral", "ytd_deferral"), ("YTD annual additions", "ytd_annual_additions")):
        if key in plan.periods[0]:
            assert frame[header].tolist() == pytest.approx([p[key] for p in plan.periods], abs=CENT)
    cached = openpyxl.load_workbook(tmp_path / "plan.xlsx", data_only=True)
    assert_matches_plan({(s.upper(), c): cached[s][c].value for s in cached.sheetnames
                         for row in cached[s].iter_rows() for c in [cell.coordinate for cell in row]},
                        tmp_path / "plan.xlsx", plan, "cached")


# ---------------------------------------------------------------- structure: sheets, names, chart, polish


def test_workbook_structure(tmp_path):
    plan = planner.plan(CASES / "c11-catch-up-outside-415c-2025.toml")
    path = tmp_path / "plan.xlsx"
    write_workbook(plan, path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # anything openpyxl has to guess at is a file Excel might "repair"
        book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Schedule", "Elections", "Inputs"]
    assert set(LIMIT_NAMES) | set(TOTAL_NAMES) <= set(book.defined_names)
    schedule = book["Schedule"]
    assert schedule.freeze_panes == "B2"
    setup = schedule.page_setup  # one page wide (fitToWidth 1 is the default, so left out), any number tall
    assert setup.orientation == "landscape" and setup.fitToWidth in (None, 1) and setup.fitToHeight == 0
    assert schedule.sheet_properties.pageSetUpPr.fitToPage
    rules = [r for cf in schedule.conditional_formatting for r in cf.rules]
    assert any("DeferralLimit" in r.formula[0] and "AnnualAdditionsApplied" in r.formula[0] for r in rules)
    assert schedule.data_validations.dataValidation  # percent cells take 0-100
    cols = schedule_map(path)
    assert schedule[f"{cols['Deferral $']}2"].number_format.startswith("$")
    assert schedule[f"{cols['Deferral %']}2"].number_format == 'General"%"'
    assert schedule.column_dimensions[cols["YTD annual additions"]].width > 10

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        workbook_xml = z.read("xl/workbook.xml").decode()
        chart_xml = z.read([n for n in names if n.startswith("xl/charts/chart")][0]).decode()
    assert not any("vba" in n.lower() for n in names)  # no macros
    assert 'fullCalcOnLoad="1"' in workbook_xml
    series = re.findall(r"<c:ser>.*?</c:ser>", chart_xml, re.S)
    refs = [re.search(r"<c:val><c:numRef><c:f>(.*?)</c:f>", s).group(1) for s in series]
    for header in ("YTD deferral", "YTD after-tax", "YTD match", "402(g) + catch-up limit", "415(c) limit applied"):
        assert any(f"${cols[header]}$2:" in ref for ref in refs), header


def test_a_full_disk_is_an_os_error_naming_the_file(tmp_path, monkeypatch):
    """XlsxWriter wraps the OSError of a full disk in its own FileCreateError; the writer
    hands on the OSError, which the CLI turns into its one line (`--out: cannot write ...`)."""
    import xlsxwriter

    from planner.export import write_plan

    def full(self):
        raise xlsxwriter.exceptions.FileCreateError(OSError(28, "No space left on device"))

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    out = tmp_path / "plan.xlsx"
    with pytest.raises(OSError) as info:
        write_plan(planner.plan(REPO / "examples" / "amazon-2025.toml"), out)
    assert info.value.errno == 28 and info.value.filename == str(out)
    assert list(tmp_path.iterdir()) == []


def test_import_planner_does_not_load_the_workbook_writer_nor_numpy():
    """A plan's cold start: numpy and pandas come in for many people (columnar) and tables only."""
    heavy = ("xlsxwriter", "planner.workbook", "numpy", "pandas", "planner.columnar")
    code = f"import sys, planner; loaded = [m for m in {heavy!r} if m in sys.modules]; assert not loaded, loaded"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# ---------------------------------------------------------------- safety


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(1)"])
def test_scenario_text_never_becomes_a_formula(name, tmp_path):
    data = _variant("low-pay-415-half-cents-no-auto-stop")
    data["name"] = name
    plan = planner.check(data)
    path = tmp_path / "plan.xlsx"
    write_workbook(plan, path)
    book = openpyxl.load_workbook(path)
    hits = [(ws.title, c) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == name]
    assert len(hits) >= 2  # on Summary and in the scenario on Inputs
    for _, cell in hits:
        assert cell.data_type == "s" and cell.quotePrefix  # text, kept as text when retyped in Excel
    with zipfile.ZipFile(path) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert not any(name.lstrip("=+-@")[:5] in f for f in re.findall(r"<f>(.*?)</f>", sheets))


def test_write_is_atomic(tmp_path, monkeypatch):
    import planner.workbook as workbook

    plan = planner.check(_variant("low-pay-415-half-cents-no-auto-stop"))
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"the previous workbook")
    os.chmod(path, 0o640)

    def broken(book):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(workbook, "write_inputs", broken)
    with pytest.raises(RuntimeError, match="interrupted"):
        write_workbook(plan, path)
    assert path.read_bytes() == b"the previous workbook"
    assert os.listdir(tmp_path) == ["plan.xlsx"]  # no temporary file left behind

    monkeypatch.undo()
    write_workbook(plan, path)
    assert os.listdir(tmp_path) == ["plan.xlsx"]
    assert zipfile.is_zipfile(path) and (path.stat().st_mode & 0o777) == 0o640  # replaced, same permissions


def test_elections_sheet_dates_each_change_and_keeps_bonus_elections_apart(tmp_path):
    """A separate bonus election applies to its bonus only (Wed 2025-03-12, off-cycle): the
    pay election before it covers the 8 regular paychecks from Jan 10 to Apr 18, the bonus
    election 1; every change carries the date by which it must be submitted."""
    data = {"tax_year": 2025, "age": 35,
            "pay": {"frequency": "biweekly", "first_pay_date": dt.date(2025, 1, 10), "salary": 150_000},
            "bonus": [{"date": dt.date(2025, 3, 12), "amount": 100_000}],
            "plan": {"match": [{"rate": 0.5, "up_to_pct": 4}], "separate_bonus_election": True}}
    plan = planner.plan(data)
    path = tmp_path / "plan.xlsx"
    write_workbook(plan, path)
    rows = list(openpyxl.load_workbook(path)["Elections"].iter_rows(min_row=2, max_row=len(plan.elections) + 1,
                                                                     values_only=True))
    pay = next(row for e, row in zip(plan.elections, rows) if e["applies_to"] == "pay")
    bonus = next(row for e, row in zip(plan.elections, rows) if e["applies_to"] == "bonus")
    assert (pay[0].date(), pay[2].date(), pay[5]) == (dt.date(2025, 1, 10), dt.date(2025, 4, 18), 8)
    assert (bonus[0].date(), bonus[1].date(), bonus[5]) == (dt.date(2025, 3, 12),) * 2 + (1,)
    assert "bonus of 2025-03-12 only" in bonus[6]
    for e, row in zip(plan.elections, rows):
        assert row[1].date().isoformat() == e["submit_before"]


def test_rsu_cash_used_is_on_the_schedule(tmp_path):
    """With RSU proceeds allowed, paychecks below the take-home floor are explained on the
    Schedule: the sale cash drawn on each and the cash left, as the plan has them."""
    data = planner.load_scenario(REPO / "examples" / "rsu-vests-floor-2026.toml")
    from dataclasses import replace

    plan = planner.plan(replace(data, goal=replace(data.goal, use_rsu_proceeds=True)))
    path = tmp_path / "plan.xlsx"
    write_workbook(plan, path)
    ws = openpyxl.load_workbook(path)["Schedule"]
    header = [c.value for c in ws[1]]
    used, left = header.index("RSU cash used"), header.index("RSU cash left")
    rows = list(ws.iter_rows(min_row=2, max_row=len(plan.periods) + 1, values_only=True))
    assert [r[used] for r in rows] == [p["rsu_cash_drawn"] for p in plan.periods]
    assert [r[left] for r in rows] == [p["rsu_cash_left"] for p in plan.periods]
    assert any(p["rsu_cash_drawn"] > 0 for p in plan.periods)
