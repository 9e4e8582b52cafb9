"""Planning many people at once (`planner.plan_many`, `planner batch`): every person's
summary row is exactly what planning that person alone gives; bad rows are reported and
skipped; text never runs as a formula; bad INPUT or --out writes nothing.

A plan takes ~15 ms, so each person is planned alone once (the `expected` fixture) and both
batch paths are compared with that: plan_many over everyone, the CLI over a subset."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import planner
from planner.batch import (
    SUMMARY_COLUMNS,
    cell_text,
    flatten,
    open_batch,
    parse_cell,
    read_row,
    run_batch,
    summary_of,
    summarize_row,
    unflatten,
    write_people,
)
from planner.errors import PlannerError
from planner.export import safe_text
from planner.scenario import read_toml
from tests.helpers import REPO, run_cli

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CLI_PEOPLE = 100  # generated people also run through the CLI subprocess

# ---------------------------------------------------------------- people


def case_scenarios() -> list[tuple[str, dict]]:
    """(case name, scenario dict) for every shared case that `plan`s."""
    out = []
    for expect in sorted((SHARED / "cases").glob("*.expect.json")):
        if json.loads(expect.read_text())["command"] == "plan":
            name = expect.name[: -len(".expect.json")]
            out.append((name, read_toml(expect.with_name(name + ".toml"))))
    return out


FREQUENCIES = ("weekly", "biweekly", "semimonthly", "monthly")
PRESETS = ("amazon", "google", "microsoft", "meta", "generic")
MATCHES = ([{"rate": 0.5, "up_to_pct": 4}], [{"rate": 1, "up_to_pct": 3}, {"rate": 0.5, "up_to_pct": 5}],
           [{"rate": 1, "up_to_pct": 6}], [])


def generated_person(rng: random.Random, i: int) -> dict:
    """A random but plausible scenario; every 97th one has a bad salary (an error row)."""
    year = rng.choice((2025, 2025, 2026))
    frequency = rng.choice(FREQUENCIES)
    salary = -5 if i % 97 == 0 else rng.randrange(60_000, 500_000, 250) + rng.choice((0, 0, 0.5))
    data = {"name": f"Person {i}", "tax_year": year, "age": rng.randint(22, 66),
            "pay": {"frequency": frequency, "salary": salary}}
    if frequency in ("weekly", "biweekly"):
        jan1 = dt.date(year, 1, 1)
        data["pay"]["first_pay_date"] = jan1 + dt.timedelta(days=(4 - jan1.weekday()) % 7 + rng.choice((0, 7)))
    plan = {"preset": rng.choice(PRESETS)} if rng.random() < 0.3 else {"match": rng.choice(MATCHES)}
    if rng.random() < 0.6:
        plan["pct_step"] = rng.choice((1, 0.5, 0.1, 0.01))
    if rng.random() < 0.3:
        plan["match_true_up"] = rng.random() < 0.5
    data["plan"] = plan
    for key, date_key, amount_key, n in (("bonus", "date", "amount", rng.choice((0, 0, 1, 2))),
                                         ("raise", "effective", "salary", rng.choice((0, 0, 1))),
                                         ("rsu", "date", "value", rng.choice((0, 0, 0, 1)))):
        days = sorted({dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365)) for _ in range(n)})
        if days:
            data[key] = [{date_key: d, amount_key: rng.randrange(5_000, 80_000, 100)} for d in days]
    goal = rng.choice(({}, {}, {"after_tax": rng.randrange(0, 30_000, 1000)}, {"deferral_type": "roth"}))
    if goal:
        data["goal"] = goal
    return data


def shorthand(tiers: list[dict]) -> str:
    return ",".join(f"{t['rate'] * 100:g}:{t['up_to_pct']:g}" for t in tiers)


def as_cells(ident: str, data: dict, rng: random.Random) -> dict:
    """The dotted cells of one person (values, not yet text); some matches in 50:4 shorthand."""
    cells = {"id": ident, **flatten(data)}
    if cells.get("plan.match") and rng.random() < 0.5:
        cells["plan.match"] = shorthand(cells["plan.match"])
    return cells


@pytest.fixture(scope="module")
def people() -> list[tuple[str, dict, dict]]:
    """(id, scenario dict, cells) for the shared plan cases, then 1,000 generated people."""
    rng = random.Random(2025)
    scenarios = case_scenarios() + [(f"p{i:04d}", generated_person(rng, i)) for i in range(1, 1001)]
    return [(ident, data, as_cells(ident, data, rng)) for ident, data in scenarios]


def alone(ident: str, data: dict, limits: dict | None = None) -> dict:
    """The summary row planning this one person alone gives (without its row number)."""
    try:
        result = planner.plan(copy.deepcopy(data), limits=limits)
    except Exception as e:  # a planner bug is one person's error row in a batch, never the end of it
        error = f"{e.field}: {e.message}" if isinstance(e, PlannerError) else f"internal error: {type(e).__name__}: {e}"
        return {**dict.fromkeys(SUMMARY_COLUMNS), "id": ident, "status": "error", "error": error,
                "name": data.get("name"), "tax_year": data.get("tax_year")}
    return {"id": ident, "status": "ok", "error": "", **summary_of(result)}


@pytest.fixture(scope="module")
def expected(people) -> list[dict]:
    return [alone(ident, data) for ident, data, _ in people]


def read_summary(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def blanks_as_none(row: dict) -> dict:
    """A plan_many record with pandas' missing values (NaN, NA) as None."""
    import pandas as pd

    return {k: None if pd.api.types.is_scalar(v) and pd.isna(v) else v for k, v in row.items()}


def as_csv_text(row: dict) -> dict:
    return {k: "" if v is None else str(safe_text(v)) for k, v in row.items()}


# ---------------------------------------------------------------- same as planning alone


def test_generated_people_cover_the_features(people, expected):
    assert len(people) > 1000 and len(case_scenarios()) >= 10
    cells = [c for _, _, c in people]
    assert {c["pay.frequency"] for c in cells} == set(FREQUENCIES)
    assert any("bonus.1.date" in c for c in cells) and any("raise.0.salary" in c for c in cells)
    assert any(isinstance(c.get("plan.match"), str) for c in cells)  # the 50:4 shorthand
    assert any("ytd.as_of" in c for c in cells) and any("election.0.from" in c for c in cells)
    assert sum(e["error"] == "pay.salary: must not be negative, not -5" for e in expected) == 1000 // 97
    assert sum(e["status"] == "ok" for e in expected) > 980


def test_plan_many_equals_planning_each_alone(people, expected):
    import pandas as pd

    summary = planner.plan_many(pd.DataFrame([cells for _, _, cells in people]))
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == len(people)
    for number, (got, want) in enumerate(zip(summary.to_dict("records"), expected), 1):
        assert blanks_as_none(got) == {**want, "row": number}, f"row {number} ({want['id']})"


def test_cli_batch_equals_planning_each_alone(people, expected, tmp_path):
    subset = [p for p in people if not p[0].startswith("p")] + [p for p in people if p[0].startswith("p")][:CLI_PEOPLE]
    wanted = {ident: e for (ident, _, _), e in zip(people, expected)}
    source = write_people(tmp_path / "people.csv", [cells for _, _, cells in subset])
    result = run_cli("batch", source, "--out", tmp_path / "out", timeout=300)
    failed = sum(1 for e in wanted.values() if e["status"] == "error")
    assert result.returncode == (1 if failed else 0), result.stderr  # 1: a row failed, the rest planned
    rows = read_summary(tmp_path / "out" / "summary.csv")
    assert [r["id"] for r in rows] == [ident for ident, _, _ in subset]
    for number, (row, (ident, _, _)) in enumerate(zip(rows, subset), 1):
        assert row == as_csv_text({**wanted[ident], "row": number}), f"row {number} ({ident})"
    bad = [r for r in rows if r["status"] == "error"]
    assert bad and result.stderr.count("planner: row ") == len(bad)
    for r in bad:
        assert f"planner: row {r['row']} (line {int(r['row']) + 1}): {r['error']}\n" in result.stderr


def test_summary_columns_read_the_plan():
    scenario = read_toml(REPO / "examples" / "amazon-2025.toml")
    plan = planner.plan(scenario)
    row = planner.plan_many(__import__("pandas").DataFrame([flatten(scenario)])).iloc[0]
    assert row["status"] == "ok" and row["id"] == plan.name and row["row"] == 1
    for key in ("deferral", "catch_up", "match", "after_tax", "annual_additions"):
        assert row[key] == plan.totals[key]
    first = plan.elections[0]
    assert row["first_election"] == f"{first['from']} {first['deferral_pct']:g}%/{first['after_tax_pct']:g}%"
    assert row["elections"].count(";") == len(plan.elections) - 1 == row["changes"]
    assert row["room_402g"] == round(plan.limits["deferral"] + plan.limits["catch_up"] - plan.totals["deferral"], 2)
    assert row["room_415c"] == round(plan.limits["annual_additions_applied"] - plan.totals["annual_additions"], 2)


def test_example_csv_same_through_pandas_and_cli(tmp_path):
    import pandas as pd

    example = REPO / "examples" / "batch-people.csv"
    result = run_cli("batch", example, "--out", tmp_path / "s.xlsx")
    assert result.returncode == 0, result.stderr
    rows = read_summary(tmp_path / "s.csv")
    assert (tmp_path / "s.xlsx").is_file() and len(rows) == 5 and {r["status"] for r in rows} == {"ok"}
    frame = planner.plan_many(pd.read_csv(example))
    assert rows == [as_csv_text(blanks_as_none(r)) for r in frame.to_dict("records")]


# ---------------------------------------------------------------- cells and rows


def test_cells_are_toml_values_or_text():
    assert parse_cell("2025-03-14") == dt.date(2025, 3, 14)
    assert parse_cell(" 200000 ") == 200000 and parse_cell("0.5") == 0.5 and parse_cell("true") is True
    assert parse_cell("[{rate=0.5, up_to_pct=4}]") == [{"rate": 0.5, "up_to_pct": 4}]
    assert parse_cell("biweekly") == "biweekly" and parse_cell('"max"') == "max" and parse_cell("  ") is None
    ident, data = read_row({"id": " 7 ", "name": "2025", "tax_year": "2025", "pay.salary": "1e5",
                            "plan.match": "100:3,50:5", "bonus.1.date": "2025-06-13", "bonus.1.amount": "5000",
                            "bonus.0.date": "2025-03-14", "bonus.0.amount": "100", "raise.0.salary": ""})
    assert ident == "7" and data["name"] == "2025" and data["tax_year"] == 2025 and data["pay"] == {"salary": 1e5}
    assert data["plan"]["match"] == [{"rate": 1.0, "up_to_pct": 3.0}, {"rate": 0.5, "up_to_pct": 5.0}]
    assert data["bonus"] == [{"date": dt.date(2025, 3, 14), "amount": 100},
                             {"date": dt.date(2025, 6, 13), "amount": 5000}]
    assert "raise" not in data
    with pytest.raises(PlannerError, match="plan.match"):
        read_row({"plan.match": "fifty"})
    with pytest.raises(PlannerError, match="conflicts"):
        unflatten({"pay": 1, "pay.salary": 2})


def test_flatten_and_cell_text_read_back():
    for _, data in case_scenarios():
        cells = {k: cell_text(v) for k, v in flatten(data).items()}
        assert read_row(cells) == (None, data)


# ---------------------------------------------------------------- bad rows, text, folders, workbooks

HEADER = "id,name,tax_year,age,pay.frequency,pay.first_pay_date,pay.salary,plan.match\n"
GOOD = "{id},{name},2025,35,biweekly,2025-01-10,{salary},50:4\n"


def people_csv(path: Path, *rows: dict) -> Path:
    path.write_text(HEADER + "".join(GOOD.format(**{"id": "", "name": "N", "salary": 200000, **r}) for r in rows))
    return path


def test_bad_row_is_reported_with_its_number_and_skipped(tmp_path):
    source = people_csv(tmp_path / "in.csv", {"id": "a"}, {}, {"id": "c", "salary": -5}, {"id": "d", "salary": 150000})
    result = run_cli("batch", source, "--out", tmp_path / "out")
    assert result.returncode == 1  # the summary is written; a row failed
    assert result.stderr.splitlines()[0] == "planner: row 3 (line 4): pay.salary: must not be negative, not -5"
    rows = read_summary(tmp_path / "out" / "summary.csv")
    assert [(r["row"], r["id"], r["status"]) for r in rows] == [("1", "a", "ok"), ("2", "N", "ok"), ("3", "c", "error"),
                                                                 ("4", "d", "ok")]
    assert rows[2]["error"] == "pay.salary: must not be negative, not -5" and rows[2]["deferral"] == ""
    assert rows[3]["deferral"] == "23500.0"


def test_formula_text_is_neutralised_in_both_summaries(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    source = people_csv(tmp_path / "in.csv", {"id": "=1+2", "name": "@SUM(A1)"},
                        {"id": "-3", "name": '"=HYPERLINK(""x"")"'})
    result = run_cli("batch", source, "--out", tmp_path / "sum.csv")
    assert result.returncode == 0, result.stderr
    rows = read_summary(tmp_path / "sum.csv")
    assert [(r["id"], r["name"]) for r in rows] == [("'=1+2", "'@SUM(A1)"), ("'-3", "'=HYPERLINK(\"x\")")]
    sheet = openpyxl.load_workbook(tmp_path / "sum.xlsx").active
    header = [c.value for c in sheet[1]]
    cells = [sheet.cell(row, header.index(col) + 1) for row in (2, 3) for col in ("id", "name")]
    # xlsx keeps the text as written, in string cells that Excel never runs as formulas
    assert [c.value for c in cells] == ["=1+2", "@SUM(A1)", "-3", "=HYPERLINK(\"x\")"]
    assert {c.data_type for c in cells} == {"s"}
    assert sheet.cell(2, header.index("deferral") + 1).value == 23500  # numbers stay numbers


def test_xlsx_summary_holds_any_text_as_written(tmp_path):
    """The summary's own SpreadsheetML: characters XML cannot hold, text that looks like
    Excel's _xHHHH_ escape, markup, edge spaces and text past a cell's 32,767 characters."""
    openpyxl = pytest.importorskip("openpyxl")
    from planner.xlsx_table import XlsxTable

    texts = ["a<b & c>d", "bell\x07 and tab\t", "_x0041_ stays", "  edges  ", "é ✓ 𝄞", "x" * 40_000]
    book = XlsxTable(str(tmp_path / "t.xlsx"), "summary", ["id", "deferral", "changes"], money=["deferral"])
    for text in texts:
        book.add([text, 1234.5, 2])
    book.add([None, None, 0])
    book.close()
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [c.value for c in sheet[1]] == ["id", "deferral", "changes"] and sheet["A1"].font.b
    # read as Excel reads it: openpyxl leaves inline text's _xHHHH_ escapes to its caller
    from openpyxl.utils.escape import unescape

    assert [unescape(sheet.cell(r, 1).value) for r in range(2, 8)] == texts[:5] + ["x" * 32_767]
    assert [c.value for c in sheet[8]] == [None, None, 0]
    assert sheet["B2"].value == 1234.5 and sheet["B2"].number_format == "#,##0.00" and sheet["C2"].value == 2
    assert sheet.freeze_panes == "A2" and sheet.title == "summary"


def test_xlsx_summary_continues_on_a_new_sheet_past_excels_rows(tmp_path, monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    import planner.xlsx_table

    monkeypatch.setattr(planner.xlsx_table, "MAX_ROWS", 3)  # a header and two people a sheet
    source = people_csv(tmp_path / "in.csv", *({"id": f"p{k}"} for k in range(5)))
    assert run_batch(open_batch(source, tmp_path / "out")) == {"ok": 5, "error": 0}
    book = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx")
    assert book.sheetnames == ["summary", "summary 2", "summary 3"]
    ids = [[row[1] for row in sheet.iter_rows(values_only=True)] for sheet in book]
    assert ids == [["id", "p0", "p1"], ["id", "p2", "p3"], ["id", "p4"]]


def test_xlsx_summary_without_rows_still_has_its_header(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from planner.xlsx_table import XlsxTable

    XlsxTable(str(tmp_path / "t.xlsx"), "summary", SUMMARY_COLUMNS).close()
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [c.value for c in sheet[1]] == SUMMARY_COLUMNS and sheet.max_row == 1


def test_csv_record_is_what_csv_writer_writes():
    """The summary's own CSV lines: byte for byte csv.writer's, safe_text applied."""
    import io

    from planner.export import csv_record

    texts = ['say "hi"', "a,b", "two\nlines", "cr\r\nlf", "=1+2", "-3", "\tx", "", " edges ", "é ✓ 𝄞", "\x00", "'"]
    rows = [texts, [None, 0.0, -1234.5, 1e21, 7, True, "plain"], ["only"], [""], [None], [], ["", None]]
    for row in rows:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(["" if v is None else safe_text(v) for v in row])
        assert csv_record(row) == out.getvalue(), row


def test_a_carriage_return_in_a_cell_stays_in_its_row(tmp_path):
    """Unquoted, a bare CR would end the row for CSV readers, and what follows would be a row
    of its own, formula guard bypassed: it becomes a line feed, inside a quoted cell."""
    source = tmp_path / "in.csv"
    source.write_bytes((HEADER + 'a,"Ann\r=1+1",2025,35,biweekly,2025-01-10,200000,50:4\n').encode())
    assert run_cli("batch", source, "--out", tmp_path / "out").returncode == 0
    rows = read_summary(tmp_path / "out" / "summary.csv")
    assert [(r["id"], r["name"]) for r in rows] == [("a", "Ann\n=1+1")]


def test_a_long_bad_match_cell_is_cut_in_its_error(tmp_path):
    source = people_csv(tmp_path / "in.csv", {"id": "a"})
    source.write_text(source.read_text().replace("50:4", "x" * 1000))
    result = run_cli("batch", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and result.stderr.splitlines()[0].endswith('not "' + "x" * 60 + '..."')


def test_control_characters_in_file_names_are_printed_inert(tmp_path):
    """A file named with a terminal's escape code, or a newline: the error line escapes them."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "a\x1b[2Jb.toml").write_text('tax_year = "x"\n')
    (folder / "c\nd.toml").write_text('tax_year = "x"\n')
    result = run_cli("batch", folder, "--out", tmp_path / "out")
    assert result.returncode == 1 and "\x1b" not in result.stderr
    assert result.stderr.splitlines()[:2] == [
        "planner: a\\x1b[2Jb.toml: tax_year: must be a whole number from 1900 to 2200, not \"x\"",
        "planner: c\\nd.toml: tax_year: must be a whole number from 1900 to 2200, not \"x\""]


def test_plan_many_takes_numeric_labels_and_refuses_a_doubled_column():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([{"id": 7, "name": 2025, "tax_year": 2025, "pay.frequency": "biweekly", "pay.salary": 100000}])
    row = planner.plan_many(frame).loc[0]
    assert (row["id"], row["name"], row["status"]) == ("7", "2025", "ok")  # as read from a CSV by pandas
    with pytest.raises(PlannerError, match="column pay.salary appears more than once"):
        planner.plan_many(pd.DataFrame([[1, 2]], columns=["pay.salary", "pay.salary"]))


def test_out_names_a_folder_with_a_dot_or_a_pair_in_any_case(tmp_path):
    source = people_csv(tmp_path / "in.csv", {"id": "a"})
    assert run_cli("batch", source, "--out", tmp_path / "run.2025").returncode == 0
    assert sorted(p.name for p in (tmp_path / "run.2025").iterdir()) == ["summary.csv", "summary.xlsx"]
    assert run_cli("batch", source, "--out", tmp_path / "REP.CSV").returncode == 0
    assert (tmp_path / "REP.CSV").is_file() and (tmp_path / "REP.xlsx").is_file()


def test_a_summary_that_may_not_be_replaced_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    """A read-only (or another user's) summary.csv: said at once, not after the workbooks and
    summary.xlsx are in place (os.access as a user without the right; tests may run as root)."""
    import os

    source = people_csv(tmp_path / "in.csv", {"id": "a"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.csv").write_text("theirs\n")
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: real(path, mode) and Path(path).name != "summary.csv")
    with pytest.raises(PlannerError, match="summary.csv may not be written"):
        open_batch(source, out)
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv"]


def test_folder_of_toml_scenarios(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("amazon-2025", "bonuses-rsus-raise-2025"):
        (folder / f"{name}.toml").write_text((REPO / "examples" / f"{name}.toml").read_text())
    (folder / "broken.toml").write_text("tax_year = \n")
    (folder / "notes.txt").write_text("not a scenario")
    result = run_cli("batch", folder, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert result.stderr.startswith("planner: broken.toml: not valid TOML")
    rows = read_summary(tmp_path / "out" / "summary.csv")
    assert [(r["id"], r["status"]) for r in rows] == [("amazon-2025", "ok"), ("bonuses-rsus-raise-2025", "ok"),
                                                      ("broken", "error")]
    for row in rows[:2]:
        want = alone(row["id"], read_toml(folder / f"{row['id']}.toml"))
        assert row == as_csv_text({**want, "row": row["row"]})


def test_workbook_per_person(tmp_path):
    pytest.importorskip("planner.workbook", reason="the .xlsx plan writer (planner/workbook.py) is not importable")
    openpyxl = pytest.importorskip("openpyxl")
    source = people_csv(tmp_path / "in.csv", {"id": "ann"}, {"id": "bob/../x", "salary": -5}, {"id": "cy"})
    result = run_cli("batch", source, "--out", tmp_path / "out", "--workbooks")
    assert result.returncode == 1, result.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["1-ann.xlsx", "3-cy.xlsx", "summary.csv", "summary.xlsx"]
    assert [r["workbook"] for r in read_summary(out / "summary.csv")] == ["1-ann.xlsx", "", "3-cy.xlsx"]
    assert openpyxl.load_workbook(out / "1-ann.xlsx").sheetnames


def test_plan_files_per_person_as_json(tmp_path):
    """The same per-person path without the workbook writer: one JSON plan per person."""
    source = people_csv(tmp_path / "in.csv", {"id": "ann"}, {"id": "bob", "salary": -5})
    seen = []
    counts = run_batch(open_batch(source, tmp_path / "out"), ".json", seen.append)
    assert counts == {"ok": 1, "error": 1} and [s["id"] for s in seen] == ["ann", "bob"]
    ann = {"name": "N", "tax_year": 2025, "age": 35, "plan": {"match": [{"rate": 0.5, "up_to_pct": 4}]},
           "pay": {"frequency": "biweekly", "first_pay_date": dt.date(2025, 1, 10), "salary": 200000}}
    written = json.loads((tmp_path / "out" / "1-ann.json").read_text())
    assert written == json.loads(planner.plan(ann).to_json())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["1-ann.json", "summary.csv", "summary.xlsx"]


BAD_INPUTS = {  # file name -> contents (None: not created, a folder: "/")
    "missing.csv": None, "people.txt": HEADER, "binary.csv": b"tax_year\n\xff\xfe\x00", "empty.csv": "",
    "twice.csv": "age,age\n1,2\n", "no-scenarios": "/",
    "huge-cell.csv": HEADER + GOOD.format(id="a", name="N", salary=1) + '"' + "x" * 200_000 + '"\n',
    "no-salary.csv": "id,tax_year,pay.frequency\na,2025,biweekly\n",
    "overlap.csv": "id,tax_year,pay,pay.frequency,pay.salary\na,2025,,biweekly,1\n",
    # a quote never closed would take every row after it into one cell
    "unclosed.csv": HEADER + GOOD.format(id="a", name='"Ann', salary=1) + GOOD.format(id="b", name="B", salary=1),
    "unnamed.csv": "id,,tax_year,pay.frequency,pay.salary\na,999999,2025,biweekly,100000\n",
}


@pytest.mark.parametrize("source, out, message", [
    ("missing.csv", "out", "no such file"),
    ("people.txt", "out", "must be a .csv file"),
    ("binary.csv", "out", "not UTF-8"),
    ("empty.csv", "out", "no header row"),
    ("twice.csv", "out", "column age appears more"),
    ("huge-cell.csv", "out", "line 3: not valid CSV"),
    ("no-scenarios", "out", "no .toml scenario files"),
    ("ok.csv", "no/such/folder/x.csv", "does not exist"),
    ("ok.csv", "ok.csv/out", "ok.csv is a file, not a folder"),
    ("ok.csv", "plan.json", "must be a folder"),
    ("ok.csv", "no-such/run.2025", "folder"),
    ("no-salary.csv", "out", "has no column pay.salary"),
    ("overlap.csv", "out", "columns pay and pay.frequency overlap"),
    ("unclosed.csv", "out", "line 2: not valid CSV: a quoted cell is never closed"),
    ("unnamed.csv", "out", "column 2 of the header has no name"),
    ("summary.csv", ".", "summary.csv would overwrite INPUT"),  # the people file is never the summary
])
def test_bad_input_or_out_exits_2_and_writes_nothing(tmp_path, source, out, message):
    work = tmp_path / "work"
    work.mkdir()
    contents = BAD_INPUTS.get(source)
    if source in ("ok.csv", "summary.csv"):
        people_csv(work / source, {})
    elif contents == "/":
        (work / source).mkdir()
    elif isinstance(contents, bytes):
        (work / source).write_bytes(contents)
    elif contents is not None:
        (work / source).write_text(contents)
    before = sorted(p.name for p in work.iterdir())
    result = run_cli("batch", work / source, "--out", work / out)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
    assert sorted(p.name for p in work.iterdir()) == before


def test_a_summary_path_that_is_a_folder_fails_before_anything_is_written(tmp_path):
    source = people_csv(tmp_path / "in.csv", {"id": "a"})
    (tmp_path / "out" / "summary.csv").mkdir(parents=True)
    result = run_cli("batch", source, "--out", tmp_path / "out", "--workbooks")
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "summary.csv is a folder" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["summary.csv"]


def test_a_failed_batch_leaves_no_workbooks_and_names_the_path(tmp_path):
    """Every workbook waits in a hidden folder until the last row: when one cannot land
    (its name is taken by a folder), none does, nor any summary."""
    source = people_csv(tmp_path / "in.csv", {"id": "ann"}, {"id": "bob"}, {"id": "cy"})
    out = tmp_path / "out"
    (out / "3-cy.xlsx").mkdir(parents=True)
    result = run_cli("batch", source, "--out", out, "--workbooks", "-q")
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "3-cy.xlsx" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["3-cy.xlsx"]


def test_a_row_with_cells_missing_is_an_error_row(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(HEADER + GOOD.format(id="a", name="N", salary=200000) + "short,row\n")
    result = run_cli("batch", source, "--out", tmp_path / "out")
    assert result.returncode == 1
    columns = len(HEADER.strip().split(","))
    assert result.stderr.splitlines()[0] == f"planner: row 2 (line 3): cells: 2 given, the header has {columns} columns"
    rows = read_summary(tmp_path / "out" / "summary.csv")
    assert [(r["id"], r["status"]) for r in rows] == [("a", "ok"), ("short", "error")]  # its id, as far as it goes


def test_a_cell_under_a_trailing_unnamed_column_is_an_error_row(tmp_path):
    """Trailing commas in the header name no column: empty cells under them are nothing,
    a value there is out of place (it would be dropped without a word)."""
    source = tmp_path / "in.csv"
    source.write_text(HEADER.strip() + ",,\n" + GOOD.format(id="a", name="N", salary=200000).strip() + ",,\n"
                      + GOOD.format(id="b", name="N", salary=200000).strip() + ",,x\n")
    result = run_cli("batch", source, "--out", tmp_path / "out")
    columns = len(HEADER.strip().split(","))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (f"planner: row 2 (line 3): cells: {columns + 2} given, the header "
                                             f"has {columns} columns")
    assert [r["status"] for r in read_summary(tmp_path / "out" / "summary.csv")] == ["ok", "error"]


@pytest.mark.parametrize("limits, field", [
    (5, "limits"), ({"2027": 5}, "limits.2027"), ({"2027": {"bogus": 1}}, "limits.2027.bogus"),
    ({"2027": {"deferral": "x"}}, "limits.2027.deferral"),
])
def test_plan_many_checks_its_limits_even_when_no_one_is_of_their_year(limits, field):
    with pytest.raises(PlannerError) as raised:
        planner.plan_many([{"tax_year": 2025, "pay.frequency": "biweekly", "pay.salary": 100000}], limits=limits)
    assert raised.value.field == field


def test_a_year_without_built_in_limits_takes_limits_per_year_or_per_person(tmp_path):
    """2027: the error row says how to supply limits; `--limits FILE` with a [2027] table gives
    them to the 2027 people only (plan_many's limits=, too), limits.* columns to one person;
    each plan is plan()'s with them. A flat file, which would replace every year's built-in
    limits, is refused."""
    from tests.test_cli import LIMITS_2027

    limits_file = tmp_path / "limits-2027.toml"
    limits_file.write_text("[2027]\n" + LIMITS_2027)
    source = tmp_path / "in.csv"
    source.write_text(HEADER + GOOD.replace("2025", "2027").format(id="a", name="N", salary=200000)
                      + GOOD.format(id="b", name="N", salary=200000))
    result = run_cli("batch", source, "--out", tmp_path / "plain")
    assert result.returncode == 1 and "tax_year: no IRS limits are built in for 2027" in result.stderr
    assert "--limits FILE" in result.stderr
    result = run_cli("batch", source, "--out", tmp_path / "out", "--limits", limits_file)
    assert result.returncode == 0, result.stderr
    rows = read_summary(tmp_path / "out" / "summary.csv")
    people = [read_row(r)[1] for r in read_summary(source)]
    assert rows[0] == as_csv_text({**alone("a", people[0], limits=read_toml(limits_file)), "row": "1"})
    assert rows[1] == as_csv_text({**alone("b", people[1]), "row": "2"})  # 2025 keeps its own, no note
    assert (rows[0]["deferral"], rows[1]["deferral"]) == ("24000.0", "23500.0")
    frame = planner.plan_many([{"id": "a", "tax_year": 2027, "pay.frequency": "biweekly", "pay.salary": 200000,
                                "limits.deferral": 25000, "limits.catch_up": 8000, "limits.annual_additions": 72000,
                                "limits.compensation": 360000}])
    assert frame.loc[0, "deferral"] == 25000  # the person's own limits.* columns
    own = {"id": "a", "tax_year": 2027, "pay.frequency": "biweekly", "pay.salary": 200000, "limits.2027.deferral": 25000,
           "limits.2027.catch_up": 8000, "limits.2027.annual_additions": 72000, "limits.2027.compensation": 360000}
    assert planner.plan_many([own]).loc[0, "deferral"] == 25000  # a year's table as columns too
    assert planner.plan_many([own], limits=limits_file).loc[0, "deferral"] == 25000  # theirs win over the file's
    frame = planner.plan_many([{"id": "a", "tax_year": 2027, "pay.frequency": "biweekly", "pay.salary": 200000}],
                              limits=limits_file)
    assert frame.loc[0, "status"] == "ok" and frame.loc[0, "deferral"] == 24000
    flat = tmp_path / "flat.toml"
    flat.write_text(LIMITS_2027)
    result = run_cli("batch", source, "--out", tmp_path / "flat", "--limits", flat)
    assert result.returncode == 2 and "--limits: give a table for each year in a batch" in result.stderr
    with pytest.raises(PlannerError, match="give a table for each year"):
        planner.plan_many([{"tax_year": 2027}], limits=flat)
    result = run_cli("batch", source, "--out", tmp_path / "bad", "--limits", tmp_path / "none.toml")
    assert result.returncode == 2 and result.stderr.startswith("planner: error: --limits: cannot read limits file")


def test_cells_past_what_python_reads_are_error_rows(tmp_path):
    """4,301 digits, 500 brackets, a 401-digit number: each row's own one-line error, the
    batch goes on (a folder's scenario files likewise)."""
    source = people_csv(tmp_path / "in.csv", {"id": "digits", "salary": "9" * 4301}, {"id": "deep", "salary": "[" * 500},
                        {"id": "huge", "salary": "1" + "0" * 400}, {"id": "fine"})
    result = run_cli("batch", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    rows = read_summary(tmp_path / "out" / "summary.csv")
    assert [(r["id"], r["status"]) for r in rows] == [("digits", "error"), ("deep", "error"), ("huge", "error"),
                                                      ("fine", "ok")]
    assert rows[2]["error"] == "pay.salary: must be at most $1,000,000,000, not a number of about 400 digits"
    assert all(len(r["error"]) < 200 for r in rows)
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "deep.toml").write_text("tax_year = 2025\nx = " + "[" * 3000 + "]" * 3000 + "\n")
    (folder / "amazon.toml").write_text((REPO / "examples" / "amazon-2025.toml").read_text())
    result = run_cli("batch", folder, "--out", tmp_path / "out2")
    assert result.returncode == 1 and "deep.toml: not valid TOML: arrays or tables nested too deeply" in result.stderr


def test_a_csv_with_only_a_header_is_bad_input(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(HEADER)
    result = run_cli("batch", source, "--out", tmp_path / "out")
    assert result.returncode == 2 and "has no people" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_interrupted_batch_leaves_nothing(tmp_path, monkeypatch):
    """Ctrl-C after the second person: no workbook, no summary, the folder the batch
    created is gone again, and no temporary file is left anywhere (XlsxWriter's included)."""
    import tempfile

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    source = people_csv(tmp_path / "in.csv", {"id": "ann"}, {"id": "bob"}, {"id": "cy"})
    seen = []

    def interrupt(summary):
        seen.append(summary["id"])
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(open_batch(source, tmp_path / "out"), ".xlsx", interrupt)
    assert seen == ["ann", "bob"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "system-tmp"]
    assert list(system_tmp.iterdir()) == []


@pytest.mark.parametrize("workbooks", [[], ["--workbooks"]])
def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, workbooks):
    """Files may grow to 16 KB (RLIMIT_FSIZE, as a nearly full disk): the summary cannot be
    written. One line, exit 2, nothing left behind, and no file's finalizer says more."""
    resource = pytest.importorskip("resource")
    import signal
    import subprocess
    import sys

    source = people_csv(tmp_path / "in.csv", *({"id": f"p{k}"} for k in range(200)))

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), no signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (16_000, 16_000))

    proc = subprocess.run([sys.executable, "-m", "planner", "batch", str(source), "--out", str(tmp_path / "out"),
                           *workbooks], capture_output=True, text=True, cwd=REPO, timeout=120, preexec_fn=small_files)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "cannot write" in proc.stderr and "File too large" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_spreadsheet_exports_read_as_numbers_and_errors_name_the_column():
    """A spreadsheet writes 40.0 for an age and $100,000 for money; an error names the CSV
    column (bonus.0.date), as the person typed it, not the TOML path bonus[0].date."""
    assert parse_cell("40.0") == 40 and isinstance(parse_cell("40.0"), int)
    assert parse_cell("$100,000") == 100_000 and parse_cell("100,000.50") == 100_000.5
    assert parse_cell("$250") == 250 and parse_cell("1,5") == "1,5"  # not money: kept as text
    ident, data = read_row({"tax_year": "2025.0", "age": "40.0", "pay.salary": "$200,000",
                            "pay.frequency": "biweekly", "goal.after_tax": "MAX"})
    assert data["tax_year"] == 2025 and data["age"] == 40 and data["pay"]["salary"] == 200_000
    assert summarize_row({"tax_year": "2025", "age": "40.0", "pay.salary": "$200,000", "pay.frequency": "biweekly",
                          "goal.after_tax": "MAX"}, 1)["status"] == "ok"
    bad = summarize_row({"tax_year": "2025", "pay.salary": "100000", "pay.frequency": "biweekly",
                         "bonus.0.date": "2024-03-01", "bonus.0.amount": "1000"}, 1)
    assert bad["status"] == "error" and bad["error"].startswith("bonus.0.date: ")


def test_an_error_names_the_rows_own_column_when_an_earlier_entry_is_empty():
    """bonus.0.* empty: the first bonus is the bonus.1 columns, and its error says so."""
    row = {"tax_year": "2025", "pay.salary": "100000", "pay.frequency": "biweekly", "bonus.0.date": "",
           "bonus.0.amount": " ", "bonus.1.date": "2025-03-01", "bonus.1.amount": "1000",
           "bonus.2.date": "2024-03-01", "bonus.2.amount": "1000"}
    assert summarize_row(row, 1)["error"] == "bonus.2.date: 2024-03-01 is outside the tax year 2025"
    frame = planner.plan_many([{**row, "bonus.2.date": None, "bonus.2.amount": None, "bonus.1.amount": -5}])
    assert frame["error"][0] == "bonus.1.amount: must not be negative, not -5"


def test_a_persons_own_limits_go_over_those_supplied_key_by_key_alone_and_in_a_batch():
    """2027 (no limits built in): the file gives the year's limits, the person's own [limits]
    (limits.* columns) change some of them; planning alone, with the file flat or per year,
    and the batch agree."""
    year_2027 = {"deferral": 24_500, "catch_up": 8_000, "annual_additions": 72_000, "compensation": 360_000}
    person = {"tax_year": 2027, "age": 52, "pay": {"frequency": "biweekly", "salary": 200_000},
              "limits": {"deferral": 25_000}}
    for supplied in (year_2027, {2027: year_2027}, {"2027": year_2027}):
        alone_plan = planner.plan(copy.deepcopy(person), limits=supplied)
        assert (alone_plan.limits["deferral"], alone_plan.totals["deferral"]) == (25_000, 33_000)
        assert alone_plan.limits["annual_additions"] == 72_000
    others = {"tax_year": 2027, "age": 52, "pay.frequency": "biweekly", "pay.salary": 200_000}
    frame = planner.plan_many([{**others, "limits.deferral": 25_000}, others], limits={2027: year_2027})
    assert list(frame["status"]) == ["ok", "ok"] and list(frame["deferral"]) == [33_000, 32_500]
    assert frame.iloc[0]["room_415c"] == summary_of(planner.plan(person, limits=year_2027))["room_415c"]


def test_plan_many_a_cell_holding_an_array_is_that_persons_error():
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"tax_year": [2025, 2025], "pay.frequency": ["biweekly"] * 2, "pay.salary": [200_000] * 2,
                          "bonus.0.date": ["2025-03-14"] * 2, "bonus.0.amount": [5000, np.array([1, 2])]})
    out = planner.plan_many(frame)
    assert list(out["status"]) == ["ok", "error"]
    assert out["error"][1] == "bonus.0.amount: must be an amount in dollars and cents, not a list"


def test_a_reader_gone_from_standard_error_does_not_stop_the_batch(tmp_path):
    """`planner batch ... 2>&1 | head -1`: the first error line is read, the pipe closed;
    the batch still plans everyone and writes its summary (exit 1: a row failed)."""
    rows = [{"tax_year": 2025, "pay.frequency": "biweekly", "pay.salary": -5 if i % 2 else 100_000}
            for i in range(400)]
    source = write_people(tmp_path / "people.csv", rows)
    child = subprocess.Popen([sys.executable, "-m", "planner", "batch", str(source), "--out", str(tmp_path / "out")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    assert child.stderr.readline().startswith(b"planner: row 2 (line 3): pay.salary: ")
    child.stderr.close()
    assert child.wait(timeout=60) == 1
    assert len(read_summary(tmp_path / "out" / "summary.csv")) == 400


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGHUP"])
def test_a_terminated_batch_leaves_nothing(tmp_path, signum):
    """SIGTERM (`kill`, `timeout`, a cancelled CI job) and SIGHUP (the terminal closed)
    unwind like Ctrl-C: exit 128 + the signal and neither the output folder nor a
    temporary file is left."""
    import signal
    import subprocess
    import sys
    import time

    source = people_csv(tmp_path / "in.csv", *({"id": f"p{i}"} for i in range(400)))
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "planner", "batch", str(source), "--out", str(out),
                              "--workbooks", "--quiet"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    deadline = time.monotonic() + 30
    while not any(out.glob(".planner-batch-*/*.xlsx")) and time.monotonic() < deadline:
        time.sleep(0.02)  # until the first workbook is staged: the batch is under way
    child.send_signal(getattr(signal, signum))
    _, err = child.communicate(timeout=30)
    assert child.returncode == 128 + getattr(signal, signum) and err.strip() == "planner: interrupted", err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_out_in_a_missing_folder_says_which(tmp_path):
    source = people_csv(tmp_path / "in.csv", {"id": "a"})
    result = run_cli("batch", source, "--out", tmp_path / "no" / "such" / "out")
    assert result.returncode == 2 and result.stderr.strip() == (
        f"planner: error: --out: folder {tmp_path / 'no' / 'such'} does not exist (only the last folder of --out "
        "is created)")


@pytest.mark.parametrize("text", ["0", "007", "-0", "+5", "12", "1_000", "1e5", "1.5", "-1.50", "1.", ".5", "inf",
                                  "+inf", "biweekly", "a-b", "2025-02-30", "2025-13-01", "2025-01-10", "2025-1-10",
                                  "1979-05-27T07:32:00", "abc def", "12abc", "0x1F", "40.0", "9999999999999999999999"])
def test_cells_read_as_the_toml_parser_reads_them(text):
    """parse_cell reads the common cells without the TOML parser; it must agree with it."""
    import tomllib

    try:
        expected = tomllib.loads("v = " + text)["v"]
        expected = int(expected) if isinstance(expected, float) and expected.is_integer() else expected
    except tomllib.TOMLDecodeError:
        expected = text
    got = parse_cell(text)
    assert (got, type(got)) == (expected, type(expected))
