"""The command line: clean output on stdout, and bad input of any kind ending in one line
on stderr that names the field, exit code 2, no traceback and no file written."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import planner
from planner.errors import PlannerError
from tests.helpers import REPO, run_cli

BASE = """\
tax_year = 2025
age = 35

[pay]
frequency = "biweekly"
first_pay_date = 2025-01-10
salary = 200000

[plan]
match = [{ rate = 0.5, up_to_pct = 4 }]
"""

LIMITS_2027 = """\
deferral = 24000
catch_up = 8000
annual_additions = 72000
compensation = 360000
"""


@pytest.fixture
def base(tmp_path) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(BASE)
    return path


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_clean_failure(proc, *names: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr naming each of `names`."""
    assert proc.returncode == 2, f"exit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{proc.stderr}"
    for name in names:
        assert name in lines[0], f"{name!r} not named in: {lines[0]}"
    assert proc.stdout == "", proc.stdout
    return lines[0]


# ---------------------------------------------------------------- bad input

# (id, scenario text, field the message must name)
BAD_SCENARIOS = [
    ("unknown-key", BASE.replace("salary = 200000", "salry = 1"), "pay.salry"),
    ("negative-salary", BASE.replace("salary = 200000", "salary = -5"), "pay.salary"),
    ("non-numeric-salary", BASE.replace("salary = 200000", 'salary = "abc"'), "pay.salary"),
    ("bonus-outside-year", BASE + "\n[[bonus]]\ndate = 2024-12-20\namount = 1000\n", "bonus[0].date"),
    ("unknown-frequency", BASE.replace('"biweekly"', '"fortnightly"'), "pay.frequency"),
    ("year-without-limits", BASE.replace("2025", "2027"), "--limits"),
    ("malformed-toml", "tax_year = 2025\n[pay\n", "bad.toml"),
    ("unknown-top-key", "colour = 1\n" + BASE, "colour"),
    # past what Python itself reads or formats: still one line, naming the field or the file
    ("huge-integer", BASE.replace("salary = 200000", "salary = 1" + "0" * 400), "pay.salary"),
    ("huge-integer-for-text", BASE.replace('"biweekly"', "1" + "0" * 400), "pay.frequency"),
    ("integer-of-5000-digits", BASE.replace("salary = 200000", "salary = 1" + "0" * 5000), "bad.toml"),
    ("nested-3000-deep", BASE + "x = " + "[" * 3000 + "]" * 3000 + "\n", "bad.toml"),
    ("newline-in-text", BASE.replace('"biweekly"', '"bi\\nweekly"'), "pay.frequency"),
]


@pytest.mark.parametrize("text, field", [pytest.param(t, f, id=i) for i, t, f in BAD_SCENARIOS])
@pytest.mark.parametrize("command", ["plan", "check"])
def test_bad_scenario_fails_cleanly_and_writes_nothing(tmp_path, command, text, field):
    path = write(tmp_path, text)
    out = tmp_path / "plan.xlsx"
    proc = run_cli(command, path, "--format", "json", "--out", out)
    assert_clean_failure(proc, field)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name not in ("bad.toml",)], "stray files written"


@pytest.mark.parametrize("text, field", [pytest.param(t, f, id=i) for i, t, f in BAD_SCENARIOS])
def test_bad_scenario_leaves_an_existing_output_unchanged(tmp_path, text, field):
    path = write(tmp_path, text)
    out = tmp_path / "plan.json"
    out.write_text("previous plan\n")
    proc = run_cli("plan", path, "--out", out)
    assert_clean_failure(proc, field)
    assert out.read_text() == "previous plan\n"


def test_year_without_limits_names_tax_year_and_how_to_supply_them(tmp_path):
    line = assert_clean_failure(run_cli("plan", write(tmp_path, BASE.replace("2025", "2027"))), "tax_year", "2027")
    assert "--limits" in line


@pytest.mark.parametrize("value, shown", [("1" + "0" * 3000, "a number of about 3000 digits"), ("1e300", "1e+300")])
def test_a_limit_past_a_billion_dollars_is_one_line(tmp_path, value, shown):
    limits = write(tmp_path, LIMITS_2027.replace("24000", value), "limits.toml")
    line = assert_clean_failure(run_cli("plan", "--year", "2027", "--salary", "100000", "--frequency", "monthly",
                                        "--limits", limits), "--limits.deferral")
    assert f"must be at most $1,000,000,000, not {shown}" in line


def test_year_with_a_limits_file_works(tmp_path):
    scenario = write(tmp_path, BASE.replace("2025", "2027"), "y2027.toml")
    limits = write(tmp_path, LIMITS_2027, "limits.toml")
    proc = run_cli("plan", scenario, "--limits", limits, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["tax_year"] == 2027
    assert out["limits"]["deferral"] == 24000
    assert out["totals"]["deferral"] == 24000
    assert out["totals"]["annual_additions"] <= 72000


def test_missing_file(tmp_path):
    out = tmp_path / "plan.xlsx"
    proc = run_cli("plan", tmp_path / "nothere.toml", "--out", out)
    assert_clean_failure(proc, "nothere.toml")
    assert not out.exists()


def test_unreadable_file_a_directory(tmp_path):
    folder = tmp_path / "a-folder.toml"
    folder.mkdir()
    out = tmp_path / "plan.xlsx"
    proc = run_cli("plan", folder, "--out", out)
    assert_clean_failure(proc, "a-folder.toml")
    assert not out.exists()


@pytest.mark.parametrize("flags, field", [
    (["--match", "abc"], "--match"),
    (["--match", "50"], "--match"),
    (["--match", "50:x"], "--match"),
    (["--format", "xml"], "--format"),
    (["--salary", "-1"], "salary"),
    (["--frequency", "daily"], "frequency"),
    (["--first-pay-date", "2025-13-40"], "--first-pay-date"),
    (["--bonus", "2025-03-14"], "--bonus"),
    (["--age", "1" + "0" * 400], "--age"),
    (["--year", "1" + "0" * 400], "--year"),
])
def test_bad_flag_fails_cleanly_and_writes_nothing(base, tmp_path, flags, field):
    out = tmp_path / "plan.xlsx"
    proc = run_cli("plan", base, *flags, "--out", out)
    assert_clean_failure(proc, field)
    assert not out.exists()


def test_bad_format_for_check(tmp_path):
    path = write(tmp_path, BASE + "\n[[election]]\nfrom = 2025-01-01\ndeferral_pct = 10\n", "check.toml")
    assert_clean_failure(run_cli("check", path, "--format", "xml"), "--format")


def test_bad_out_extension(base, tmp_path):
    out = tmp_path / "plan.txt"
    assert_clean_failure(run_cli("plan", base, "--out", out), "--out")
    assert not out.exists()


# ---------------------------------------------------------------- good output


def test_plan_json_is_the_only_thing_on_stdout(base):
    proc = run_cli("plan", base, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)  # raises if anything else is there
    for key in ("name", "tax_year", "limits", "periods", "totals", "elections", "warnings"):
        assert key in out
    assert out["totals"]["deferral"] == 23500
    assert "Traceback" not in proc.stderr


def test_plan_csv_has_a_header_and_a_row_per_paycheck(base):
    proc = run_cli("plan", base, "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 26
    assert {"pay_date", "deferral_pct", "deferral", "after_tax", "match"} <= set(rows[0])
    assert rows[0]["pay_date"] == "2025-01-10"


def test_plan_table_is_the_default(base):
    proc = run_cli("plan", base)
    assert proc.returncode == 0, proc.stderr
    assert "2025-01-10" in proc.stdout or "Jan" in proc.stdout


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_out_writes_the_file(base, tmp_path, suffix):
    out = tmp_path / f"x{suffix}"
    proc = run_cli("plan", base, "--format", "json", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()
    printed = json.loads(proc.stdout)
    text = out.read_text()
    if suffix == ".json":
        assert json.loads(text) == printed
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == len(printed["periods"])
        assert [r["pay_date"] for r in rows] == [p["pay_date"] for p in printed["periods"]]


def test_out_replaces_an_existing_file(base, tmp_path):
    out = tmp_path / "x.json"
    out.write_text("old")
    proc = run_cli("plan", base, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["tax_year"] == 2025


def test_check_json(tmp_path):
    path = write(tmp_path, BASE + "\n[[election]]\nfrom = 2025-01-01\ndeferral_pct = 20\n", "check.toml")
    proc = run_cli("check", path, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["totals"]["deferral"] == 23500
    assert "excess" in out["totals"] and "match_lost" in out["totals"]


def test_replan_without_ytd_eligible_pay(tmp_path):
    """ytd.eligible_pay is optional (estimated from the calendar): a re-plan without it works."""
    path = write(tmp_path, BASE + "\n[ytd]\nas_of = 2025-06-30\ndeferral = 10000\nafter_tax = 5000\nmatch = 1000\n",
                 "replan.toml")
    proc = run_cli("plan", path, "--format", "json")
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["totals"]["deferral"] == 23500
    assert all(p["pay_date"] > "2025-06-30" for p in out["periods"])


def test_flags_alone_build_a_scenario():
    proc = run_cli("plan", "--year", "2025", "--salary", "200000", "--frequency", "biweekly",
                   "--first-pay-date", "2025-01-10", "--match", "50:4", "--age", "35", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"]["match"] == 4000.10


def test_a_field_missing_from_a_table_the_flags_build_names_its_flag():
    assert_clean_failure(run_cli("plan", "examples/amazon-2025.toml", "--ytd-deferral", "5000"), "--as-of")


def test_flag_without_file_names_the_flag():
    proc = run_cli("plan", "--year", "2025", "--salary", "200000", "--frequency", "daily", "--format", "json")
    assert_clean_failure(proc, "--frequency")


def test_help():
    proc = run_cli("--help")
    assert proc.returncode == 0, proc.stderr
    for command in ("plan", "check", "limits"):
        assert command in proc.stdout


def test_limits_2025_prints_the_402g_limit_and_its_notice():
    proc = run_cli("limits", "2025")
    assert proc.returncode == 0, proc.stderr
    assert "23,500" in proc.stdout
    assert "Notice" in proc.stdout


def test_limits_2027_fails():
    assert_clean_failure(run_cli("limits", "2027"), "2027")


def test_limits_2027_with_a_file(tmp_path):
    proc = run_cli("limits", "2027", "--limits", write(tmp_path, LIMITS_2027, "limits.toml"))
    assert proc.returncode == 0, proc.stderr
    assert "24,000" in proc.stdout


# ---------------------------------------------------------------- found by a new user's trial


@pytest.mark.parametrize("flags, named", [
    (["--salary", "abc"], "--salary"),
    (["--salry", "5"], "--salry"),
    (["--year", "abc"], "--year"),
])
def test_usage_errors_are_one_line(flags, named, tmp_path):
    out = tmp_path / "plan.xlsx"
    assert_clean_failure(run_cli("plan", *flags, "--out", out), named)
    assert not out.exists()


def test_limits_with_a_bad_year_is_one_line():
    assert_clean_failure(run_cli("limits", "abc"), "year")


def test_scenario_text_is_never_read_as_markup(tmp_path):
    """A name with [/] once crashed the table with a rich MarkupError traceback."""
    path = write(tmp_path, BASE.replace("tax_year = 2025", 'name = "Me [/] [draft] plan"\ntax_year = 2025'))
    proc = run_cli("plan", path)
    assert proc.returncode == 0, proc.stderr
    assert "Me [/] [draft] plan" in proc.stdout


def test_help_shows_table_names(tmp_path):
    assert "[taxes]" in run_cli("plan", "--help").stdout
    assert "[[election]]" in run_cli("check", "--help").stdout


def test_check_without_elections_is_an_error(base):
    assert_clean_failure(run_cli("check", base), "election")


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert run_cli("plan", path, "--format", "json").returncode == 0


def test_binary_file_and_folder_say_what_is_wrong(tmp_path):
    binary = tmp_path / "x.toml"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    assert "UTF-8" in assert_clean_failure(run_cli("plan", binary), str(binary))
    assert "folder" in assert_clean_failure(run_cli("plan", tmp_path), str(tmp_path))


def test_bad_text_is_shown_cut_short_and_inert(tmp_path):
    """An error repeats at most 60 characters of a bad value, its control characters escaped
    (a terminal's escape codes are not run; a newline does not split the line)."""
    line = assert_clean_failure(run_cli("plan", write(tmp_path, BASE.replace("salary = 200000", 'salary = "' + "y" * 500 + '"'))),
                                "pay.salary")
    assert line.endswith('not "' + "y" * 60 + '..."')
    line = assert_clean_failure(run_cli("plan", write(tmp_path, BASE.replace('"biweekly"', '"a\\u001b[31mRED"'))),
                                "pay.frequency")
    assert "\x1b" not in line and 'not "a\\x1b[31mRED"' in line


def test_datetime_and_bool_are_shown_as_written(tmp_path):
    line = assert_clean_failure(run_cli("plan", write(tmp_path, BASE + "[[bonus]]\ndate = 2025-03-01T09:00:00\namount = 1\n")),
                                "bonus[0].date")
    assert "2025-03-01T09:00:00" in line and "datetime" not in line
    line = assert_clean_failure(run_cli("plan", write(tmp_path, BASE.replace("salary = 200000", "salary = true"))),
                                "pay.salary")
    assert "true" in line and "True" not in line


@pytest.mark.parametrize("text, field", [
    (BASE.replace("salary = 200000", "salary = 1e12"), "pay.salary"),
    (BASE + "[[raise]]\neffective = 2025-06-01\nsalary = 1\n[[raise]]\neffective = 2025-06-01\nsalary = 2\n", "raise"),
])
def test_absurd_and_duplicate_values(tmp_path, text, field):
    assert_clean_failure(run_cli("plan", write(tmp_path, text)), field)


def test_match_flag_takes_the_toml_form_its_error_names(base):
    """The --match error names two forms; both work (the TOML one for a rate below 1 %)."""
    short = run_cli("plan", base, "--match", "50:4", "--format", "json")
    toml = run_cli("plan", base, "--match", "[{rate=0.5, up_to_pct=4}]", "--format", "json")
    assert short.returncode == toml.returncode == 0, toml.stderr
    assert json.loads(short.stdout)["totals"] == json.loads(toml.stdout)["totals"]
    assert_clean_failure(run_cli("plan", base, "--match", "[{rate=0.5,"), "--match", "not a valid TOML list")


def test_match_shorthand_rate_is_a_percent(base):
    assert_clean_failure(run_cli("plan", base, "--match", "0.5:4"), "--match")


def test_nothing_left_to_plan_is_said_and_csv_keeps_its_header(tmp_path):
    path = write(tmp_path, BASE + "[ytd]\nas_of = 2025-12-31\ndeferral = 10000\nafter_tax = 0\nmatch = 2000\n")
    proc = run_cli("plan", path, "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("pay_date,kind,gross,eligible,deferral_pct")
    warnings = json.loads(run_cli("plan", path, "--format", "json").stdout)["warnings"]
    assert any("nothing to plan" in w for w in warnings), warnings
    assert not any("not reached" in w for w in warnings), warnings  # said once, not again as shortfalls


def test_replan_without_amounts_and_unused_room_are_said(tmp_path):
    """as_of only: nothing assumed silently; every paycheck past 401(a)(17): room left is said."""
    warnings = json.loads(run_cli("plan", write(tmp_path, BASE + "[ytd]\nas_of = 2025-06-30\n"), "--format",
                                  "json").stdout)["warnings"]
    assert any("no year-to-date amounts" in w for w in warnings), warnings
    rich_person = BASE.replace("salary = 200000", "salary = 900000") + "[ytd]\nas_of = 2025-06-30\ndeferral = 10000\n"
    warnings = json.loads(run_cli("plan", write(tmp_path, rich_person), "--format", "json").stdout)["warnings"]
    assert any("too little eligible pay" in w and "13,500.00" in w for w in warnings), warnings


def test_goal_above_the_limit_is_said(tmp_path):
    path = write(tmp_path, BASE + "[goal]\ndeferral = 50000\n")
    out = json.loads(run_cli("plan", path, "--format", "json").stdout)
    assert out["totals"]["deferral"] == 23500
    assert any("goal.deferral" in w and "23,500.00" in w for w in out["warnings"]), out["warnings"]


def test_the_library_rejects_what_is_not_a_scenario():
    import planner

    for bad in (42, None, "tax_year = 2025\n[pay]\n"):
        with pytest.raises(planner.PlannerError) as info:
            planner.plan(bad)
        assert info.value.field == "scenario"


# ---------------------------------------------------------------- found by a second trial


def test_low_pay_defers_what_415c_allows(tmp_path):
    """$20,000 a year, 100 % deferral allowed: 415(c) caps deferral + match at the year's pay,
    so the plan defers 98 % (19,600.10) and keeps the match instead of deferring nothing."""
    out = json.loads(run_cli("plan", "--year", "2025", "--age", "35", "--salary", "20000", "--frequency",
                             "biweekly", "--match", "50:4", "--max-deferral-pct", "100", "--format", "json").stdout)
    t = out["totals"]
    assert (t["deferral"], t["match"]) == (19600.1, 399.88)
    assert t["annual_additions"] <= out["limits"]["annual_additions_applied"]
    assert any("415(c) limit of the year's pay" in w for w in out["warnings"]), out["warnings"]


def test_out_onto_a_folder_is_one_line(base, tmp_path):
    folder = tmp_path / "d.xlsx"
    folder.mkdir()
    assert_clean_failure(run_cli("plan", base, "--out", folder), "--out")


def test_limits_replacing_a_built_in_year_are_said(base, tmp_path):
    limits = write(tmp_path, LIMITS_2027, "limits.toml")
    out = json.loads(run_cli("plan", base, "--limits", limits, "--format", "json").stdout)
    assert out["limits"]["deferral"] == 24000
    assert any("built in for 2025 are replaced" in w for w in out["warnings"]), out["warnings"]


def test_tax_rates_over_100_percent(tmp_path):
    path = write(tmp_path, BASE + "[taxes]\nincome_tax_rate = 0.8\nstate_tax_rate = 0.3\n")
    assert_clean_failure(run_cli("plan", path), "taxes")


def test_terminal_escapes_in_a_name_are_not_printed(tmp_path):
    path = write(tmp_path, BASE.replace("tax_year = 2025", 'name = "a\\u001b[31mred"\ntax_year = 2025'))
    proc = run_cli("plan", path)
    assert proc.returncode == 0 and "\x1b" not in proc.stdout


def test_an_election_lag_over_the_rest_of_the_year_is_said(tmp_path):
    text = (REPO / "examples" / "raise-replan-2025.toml").read_text().replace("election_lag = 1", "election_lag = 12")
    out = json.loads(run_cli("plan", write(tmp_path, text), "--format", "json").stdout)
    assert out["elections"] == []
    assert any("covers every paycheck left" in w for w in out["warnings"]), out["warnings"]
    assert any("election lag keeps already exceed" in w for w in out["warnings"]), out["warnings"]


def test_batch_reads_excel_booleans_and_fails_when_every_row_fails(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("id,tax_year,age,pay.frequency,pay.salary,plan.match_true_up\n"
                    "a,2025,35,biweekly,200000,TRUE\n")
    proc = run_cli("batch", good, "--out", tmp_path / "g", "-q")
    assert proc.returncode == 0, proc.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("id,tax_year,pay.frequency,pay.salary\nb,2025,biweekly,-5\n")
    proc = run_cli("batch", bad, "--out", tmp_path / "b", "-q")
    assert proc.returncode == 1 and "row 1 (line 2): pay.salary" in proc.stderr
    typo = tmp_path / "typo.csv"
    typo.write_text("id,tax_year,pay.frequency,pay.salary,pay.salry\nc,2025,biweekly,100000,\n")
    assert_clean_failure(run_cli("batch", typo, "--out", tmp_path / "t"), "pay.salry")
    assert not (tmp_path / "t").exists()


def test_flags_override_fields_of_a_file(base):
    """--salary and --age replace the file's values; the rest of the file still holds.
    350,000 / 26 = 13,461.54 a paycheck; age 51 adds the 7,500 catch-up."""
    proc = run_cli("plan", base, "--salary", "350000", "--age", "51", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["periods"][0]["gross"] == 13461.54
    assert out["periods"][0]["pay_date"] == "2025-01-10"  # the file's first_pay_date
    assert out["limits"]["catch_up"] == 7500
    assert out["totals"]["deferral"] == 31000


def test_limits_table_in_the_scenario_works_end_to_end(tmp_path):
    text = BASE.replace("2025", "2027") + "\n[limits]\n" + LIMITS_2027.replace("24000", "25000")
    proc = run_cli("plan", write(tmp_path, text, "y2027.toml"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["limits"]["deferral"] == 25000
    assert out["totals"]["deferral"] == 25000


def test_table_marks_cut_no_match_and_over_limit_paychecks(tmp_path):
    """20 % every paycheck at $175,000 with no auto-stop of after-tax: the 18th paycheck is
    cut at 402(g), the later ones earn no match, and 30 % after-tax runs past 415(c)."""
    text = BASE.replace("salary = 200000", "salary = 175000").replace(
        "up_to_pct = 4", "up_to_pct = 8") + "\n[[election]]\nfrom = 2025-01-01\ndeferral_pct = 20\nafter_tax_pct = 30\n"
    proc = run_cli("check", write(tmp_path, text, "check.toml"))
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[1]: line for line in proc.stdout.splitlines()
            if line.split() and line.split()[0].isdigit() and len(line.split()) > 2}
    assert "cut" in rows["2025-09-05"]  # the 18th paycheck
    assert "no match" in rows["2025-09-19"]
    assert "over limit" in rows["2025-12-26"]
    assert "cut" not in rows["2025-01-10"] and "over limit" not in rows["2025-01-10"]


def test_out_that_cannot_be_created_names_it_not_a_temporary_file(base):
    """The file is written before anything is printed: no result on stdout from a failed run."""
    proc = run_cli("plan", base, "--out", "/proc/plan.json", "--format", "json")
    message = assert_clean_failure(proc, "--out")
    assert message == "planner: error: --out: cannot write /proc/plan.json: No such file or directory"


def test_out_without_a_file_name(base):
    assert_clean_failure(run_cli("plan", base, "--out", ""), "--out", "needs a file name")


def test_limits_for_another_year_and_an_empty_limits_file_are_said(tmp_path):
    scenario = write(tmp_path, BASE.replace("2025", "2027"), "y2027.toml")
    other = write(tmp_path, "[2028]\n" + LIMITS_2027, "l2028.toml")
    message = assert_clean_failure(run_cli("plan", scenario, "--limits", other), "limits")
    assert "are for 2028, not for 2027" in message
    empty = write(tmp_path, "", "empty.toml")
    assert_clean_failure(run_cli("plan", scenario, "--limits", empty), "--limits", "has no limits")


def test_limits_lists_the_years_of_a_limits_file_and_never_cuts_a_source(tmp_path):
    other = write(tmp_path, "[2027]\n" + LIMITS_2027, "l2027.toml")
    proc = run_cli("limits", "--limits", other)
    assert proc.returncode == 0, proc.stderr
    assert "IRS limits 2026" in proc.stdout and "IRS limits 2027" in proc.stdout
    narrow = run_cli("limits", "2026", env={"COLUMNS": "80"})
    assert "…" not in narrow.stdout


def test_after_tax_goal_above_the_limit_is_said(tmp_path):
    proc = run_cli("plan", write(tmp_path, BASE + "\n[goal]\nafter_tax = 100000\n", "g.toml"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert any("goal.after_tax of $100,000.00 is more than the 415(c) limit" in w for w in out["warnings"])
    assert out["totals"]["annual_additions"] <= 70_000


def test_check_says_when_no_election_covers_the_first_paychecks(tmp_path):
    text = BASE + "\n[[election]]\nfrom = 2025-03-01\ndeferral_pct = 10\nafter_tax_pct = 0\n"
    proc = run_cli("check", write(tmp_path, text, "c.toml"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    # Jan 10, Jan 24, Feb 7, Feb 21
    assert "No election is in force before 2025-03-01: the 4 paychecks before it are taken at 0 %." in out["warnings"]
    assert [p["deferral_pct"] for p in out["periods"][:5]] == [0, 0, 0, 0, 10]


@pytest.mark.parametrize("args, line", [
    (["--match", "150:4"], "planner: error: --match: RATE is a percent from 0 to 100, not 150"),
    (["--salary", "-5"], "planner: error: --salary: must not be negative, not -5"),
])
def test_flag_errors_name_the_flag_even_with_a_file(base, args, line):
    for with_file in ([base], []):
        proc = run_cli("plan", *with_file, "--year", "2025", "--frequency", "biweekly", "--salary", "200000", *args)
        assert assert_clean_failure(proc) == line


def test_unknown_preset_names_the_argument():
    assert assert_clean_failure(run_cli("presets", "nope")).startswith("planner: error: NAME: unknown preset 'nope'")


# ---------------------------------------------------------------- from the second new user's trial


@pytest.mark.parametrize("args", [["limits"], ["presets"], ["presets", "amazon"], ["--help"],
                                  ["plan", "examples/amazon-2025.toml"]])
def test_a_full_standard_output_is_one_line_exit_2(args):
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "planner", *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "planner: error: output: cannot write standard output: No space left on device"]


@pytest.mark.parametrize("args", [["limits"], ["plan", "examples/amazon-2025.toml"],
                                  ["plan", "examples/amazon-2025.toml", "--format", "json"],
                                  ["check", "examples/check-20-percent-2025.toml", "--format", "csv"]])
def test_a_closed_standard_output_is_one_line_exit_2(args):
    """Started with standard output closed (`>&-`): Python gives no sys.stdout at all."""
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "planner", *args], stderr=subprocess.PIPE, text=True, cwd=REPO,
                          timeout=60, preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [
        "planner: error: output: cannot write standard output: Bad file descriptor"], proc.stderr


@pytest.mark.parametrize("suffix", [".json", ".xlsx"])
def test_a_full_standard_output_after_out_is_written_says_so(tmp_path, suffix):
    """--out is written first and whole; a standard output that fails after it is named as
    such, not as --out."""
    import subprocess
    import sys

    out = tmp_path / f"plan{suffix}"
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "planner", "plan", "examples/amazon-2025.toml", "--format", "json",
                               "--out", str(out)], stdout=full, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [
        f"wrote {out}", "planner: error: output: cannot write standard output: No space left on device"]
    assert out.stat().st_size > 0


def test_age_flag_replaces_the_files_birth_date_and_the_other_way_round(tmp_path):
    by_age = run_cli("plan", "examples/catch-up-age-51-2025.toml", "--age", "40", "--format", "json")
    assert by_age.returncode == 0, by_age.stderr
    assert json.loads(by_age.stdout)["limits"]["catch_up"] == 0
    born = run_cli("plan", "examples/amazon-2025.toml", "--birth-date", "1970-01-01", "--format", "json")
    assert born.returncode == 0, born.stderr
    assert json.loads(born.stdout)["limits"]["catch_up"] == 7500
    assert_clean_failure(run_cli("plan", "--year", "2025", "--salary", "1", "--frequency", "monthly",
                                 "--age", "40", "--birth-date", "1970-01-01"), "--age")


def test_a_preset_under_a_files_own_match_keeps_that_match_whole():
    """Google's $3,000 floor completes Google's formula, not the file's 50 % up to 4 %."""
    proc = run_cli("plan", "examples/amazon-2025.toml", "--preset", "google", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"]["match"] == 4000.10


def test_values_in_any_case(base):
    proc = run_cli("plan", base, "--deferral", "MAX", "--format", "JSON")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"]["deferral"] > 0


def test_an_election_with_only_a_date_is_an_error(tmp_path):
    path = write(tmp_path, BASE + "\n[[election]]\nfrom = 2026-01-01\n")
    assert_clean_failure(run_cli("check", path), "election[0]", "deferral_pct")


def test_limits_for_another_year_only_are_said(base, tmp_path):
    limits = write(tmp_path, "[2027]\ndeferral = 25000\n", "limits.toml")
    proc = run_cli("plan", base, "--limits", limits, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert any("supplied are for 2027, not 2025" in w for w in json.loads(proc.stdout)["warnings"])


def test_limits_command_names_its_year_argument():
    line = assert_clean_failure(run_cli("limits", "2027"), "YEAR", "--limits FILE")
    assert "tax_year" not in line


def test_totals_table_counts_an_earlier_employers_deferral(tmp_path):
    path = write(tmp_path, BASE + "\n[ytd]\nas_of = 2025-06-30\ndeferral = 0\nafter_tax = 0\nmatch = 0\n"
                                  "other_employer_deferral = 20000\n")
    proc = run_cli("plan", path)
    assert proc.returncode == 0, proc.stderr
    earlier = next(line for line in proc.stdout.splitlines() if "earlier employer" in line)
    assert "20,000.00" in earlier
    deferral = next(line for line in proc.stdout.splitlines() if line.strip().startswith("Deferral (402(g)"))
    total, limit, room = deferral.split()[-3:]
    assert float(room.replace(",", "")) == round(float(limit.replace(",", "")) - 20_000
                                                 - float(total.replace(",", "")), 2)


def test_match_shorthand_takes_a_percent_with_decimals_as_written():
    """14.3 % is the rate 0.143 (not the float 14.3 / 100 = 0.14300000000000002, finer than
    a rate may be); a percent finer than a rate's millionths is refused, saying so."""
    from planner.scenario import match_shorthand

    assert match_shorthand("14.3:6,33.3333:8") == [{"rate": 0.143, "up_to_pct": 6}, {"rate": 0.333333, "up_to_pct": 8}]
    rates = [t["rate"] for t in match_shorthand(",".join(f"{k / 10}:6" for k in range(10, 1000)))]
    assert rates == [k / 1000 for k in range(10, 1000)]
    planner.plan({"tax_year": 2025, "pay": {"frequency": "biweekly", "salary": 100_000},
                  "plan": {"match": match_shorthand("14.3:6")}})
    with pytest.raises(PlannerError) as e:
        match_shorthand("14.33333333:6")
    assert e.value.message == "RATE is a percent with at most 4 decimals, not 14.33333333"


@pytest.mark.parametrize("match, said", [("500:4", "from 0 to 100, not 500"), ("0.5:4", "50 for 50 %"),
                                         ("50:x", "like 50:4")])
def test_match_shorthand_errors_echo_what_was_typed(base, match, said):
    assert said in assert_clean_failure(run_cli("plan", base, "--match", match), "--match")


def test_choices_in_any_case_and_huge_numbers_echoed_short(base, tmp_path):
    path = write(tmp_path, BASE.replace('"biweekly"', '"Biweekly"') + '\n[goal]\ndeferral_type = "ROTH"\n')
    proc = run_cli("plan", path, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"]["roth"] == 23_500
    line = assert_clean_failure(run_cli("plan", base, "--salary", "1e300"), "--salary")
    assert line.endswith("not 1e+300")


def test_out_through_a_symbolic_link_writes_its_target(base, tmp_path):
    target = tmp_path / "kept.json"
    target.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    proc = run_cli("plan", base, "--out", link)
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and json.loads(target.read_text())["tax_year"] == 2025


def test_a_year_without_limits_from_a_flag_names_the_flag():
    """Found by a fresh clone's trial: --year 2027 named the field tax_year, not the flag typed."""
    line = assert_clean_failure(run_cli("plan", "--year", "2027", "--age", "35", "--salary", "200000",
                                        "--frequency", "biweekly"), "--year", "--limits FILE")
    assert "tax_year" not in line.split(":")[1]
