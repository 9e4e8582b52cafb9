"""Plan for many people at once: a CSV of people (or a folder of scenarios) in, one
summary row per person out.

A CSV row is one scenario with dotted column names (`pay.salary`, `bonus.0.date`). A cell
is read as a TOML value (`2025-03-14` a date, `true` a boolean, `[{rate=0.5, up_to_pct=4}]`
an array) or else kept as text, so `biweekly` needs no quotes; empty means not given.
Every row goes through `summarize_rows`, so `plan_many` (pandas) and `planner batch`
(streaming, a chunk of rows in memory at a time) give the same summary. A chunk is planned
together (`api.plan_all`: the solver over many people as arrays), each plan exactly what
planning that person alone gives.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import itertools
import math
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from typing import NamedTuple
from pathlib import Path

from .api import collector_paused, plan_all
from .errors import TOML_ERRORS, PlannerError, printable
from .limits import check_limits, supplied_years
from .scenario import known_field, match_shorthand, read_toml

SUMMARY_COLUMNS = ["row", "id", "status", "error", "name", "tax_year", "first_election", "elections",
                   "changes", "deferral", "catch_up", "match", "after_tax", "annual_additions", "excess",
                   "room_402g", "room_415c", "warnings"]
MONEY_COLUMNS = SUMMARY_COLUMNS[SUMMARY_COLUMNS.index("deferral"):SUMMARY_COLUMNS.index("warnings")]
TEXT_COLUMNS = {"id", "name"}  # labels, never read as TOML: a name "2025" stays text
MATCH_COLUMNS = {"plan.match", "plan.match_greater_of"}  # also take the CLI's 50:4 shorthand
WIDE_COLUMNS = ("error", "elections", "warnings")
REQUIRED_COLUMNS = ("tax_year", "pay.frequency", "pay.salary")  # (or a whole `pay` table column)


# ---------------------------------------------------------------- a row in


def parse_cell(text: str):
    """A cell as a TOML value, or the text itself when it is not one; None when empty."""
    value = _remembered_cell(text) if len(text) <= 200 else _cell(text)  # a long cell is not kept
    # each row its own arrays and tables (TOML's are plain lists and dicts: no isinstance, a batch reads millions)
    return _copy(value) if type(value) in (list, dict) else value


def _cell(text: str):
    text = text.strip()
    return _value(text) if text else None


def _value(text: str):
    """A stripped cell's value. The common cells are read without the TOML parser (a batch
    reads millions), as it would read them; their shapes cannot overlap, so they are tried
    in the order cells most often take."""
    if _TOML_INTEGER.match(text):
        return int(text) if len(text) < 4000 else text  # Python reads at most 4,300 digits
    if _TOML_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass  # not a real date: the parser says what it is
    elif _WORD.match(text):
        lowered = text.lower()
        if lowered in ("true", "false"):  # Excel writes TRUE/FALSE
            return lowered == "true"
        if text not in ("inf", "nan"):
            return text  # not a TOML value: kept as text
    elif _TOML_FLOAT.match(text):
        value = float(text)
        return text if math.isinf(value) else _whole(value)  # past a float: the text, as written
    elif _SPREADSHEET_MONEY.match(text):  # "$100,000" or "100,000.50", as spreadsheets export money
        value = float(text.lstrip("$").replace(",", "").strip())
        return text if math.isinf(value) else _whole(value)
    try:
        return _whole(tomllib.loads("v = " + text)["v"])
    except TOML_ERRORS:  # not TOML (or nested, or long, past what Python reads): the text
        return text


_remembered_cell = functools.lru_cache(maxsize=4096)(_cell)  # a batch's cells repeat: its year, dates, plan


def _copy(value):
    """A TOML value's own copy (its lists and tables; the rest cannot change)."""
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


_TOML_INTEGER = re.compile(r"[+-]?(0|[1-9][0-9]*)\Z")
_TOML_FLOAT = re.compile(r"[+-]?(0|[1-9][0-9]*)(\.[0-9]+([eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)\Z")
_TOML_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_SPREADSHEET_MONEY = re.compile(r"^\$?\s*\d{1,3}(,\d{3})+(\.\d+)?$|^\$\s*\d+(\.\d+)?$")


def _whole(value):
    """40.0 (a spreadsheet's age or year) is 40: a whole float is an integer."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def unflatten(cells: dict) -> dict:
    """{'pay.salary': 1, 'bonus.0.date': d} -> {'pay': {'salary': 1}, 'bonus': [{'date': d}]}."""
    steps = _steps(tuple(cells))
    return _nest(cells) if steps is None else _filled(steps, cells)


def _nest(cells: dict) -> dict:
    """unflatten, column by column."""
    data: dict = {}
    for column, value in cells.items():
        node = data
        *parents, last = column.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise PlannerError(column, f"conflicts with the column {part}")
        if last in node:
            raise PlannerError(column, "conflicts with another column")
        node[last] = value
    return {key: value if key == "limits" else _arrays(value) for key, value in data.items()}  # limits.2027.*: a year


class _Cell(NamedTuple):
    """Where a column's value goes in a shape; `arrays`: its own tables keyed by numbers
    become arrays too (not under limits, whose tables are keyed by year)."""

    column: str
    arrays: bool


class _Put(NamedTuple):
    """A step of filling a row's scenario: into container number `into` (0 the scenario's
    table, then each new one in turn) at `key` (None: appended to an array) goes `column`'s
    value or, with no column, a new empty `new` (dict or list), numbered next."""

    into: int
    key: str | None
    column: str | None
    arrays: bool  # (as _Cell's)
    new: type | None


@functools.lru_cache(maxsize=256)
def _steps(columns: tuple[str, ...]) -> tuple[_Put, ...] | None:
    """How these columns nest, worked out once for the many rows whose filled cells they are:
    the steps that build the nesting, in order. None when columns overlap (pay and
    pay.salary): then the cells' values decide (a table merges, anything else conflicts)."""
    try:
        shape = _nest({column: _Cell(column, column.split(".")[0] != "limits") for column in columns})
    except PlannerError:
        return None
    steps: list[_Put] = []

    def put(into: int, key, part) -> None:
        if isinstance(part, _Cell):
            steps.append(_Put(into, key, part.column, part.arrays, None))
            return
        number = 1 + sum(step.column is None for step in steps)
        steps.append(_Put(into, key, None, False, type(part)))
        for inner_key, inner in part.items() if isinstance(part, dict) else ((None, p) for p in part):
            put(number, inner_key, inner)

    for key, part in shape.items():
        put(0, key, part)
    return tuple(steps)


def _filled(steps: tuple[_Put, ...], cells: dict) -> dict:
    """The row's scenario: the steps taken with its cells' values (one loop: a batch fills
    millions of rows' dozen cells)."""
    made = [{}]
    for into, key, column, arrays, new in steps:
        if column is None:
            value = new()
            made.append(value)
        else:
            value = cells[column]
            if arrays and isinstance(value, dict):
                value = _arrays(value)
        if key is None:
            made[into].append(value)
        else:
            made[into][key] = value
    return made[0]


def _arrays(node):
    """Tables keyed by numbers ('bonus.0', 'bonus.1') become arrays in number order."""
    if not isinstance(node, dict):
        return node
    for key, value in node.items():
        if isinstance(value, dict):
            node[key] = _arrays(value)
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def read_row(row: dict) -> tuple[str | None, dict]:
    """(id, scenario dict) from a row of dotted columns; cells are text (CSV) or values."""
    cells = {}
    for column, raw in row.items():
        if column in TEXT_COLUMNS:
            if raw is not None and not isinstance(raw, (str, bool)):
                raw = str(raw)  # a DataFrame's numeric id or name column: labels all the same
            if isinstance(raw, str):
                raw = raw.strip() or None
        elif isinstance(raw, str):
            raw = parse_cell(raw)
        if raw is None:
            continue
        if column in MATCH_COLUMNS and isinstance(raw, str):
            raw = match_shorthand(raw, column)
        cells[column] = raw
    ident = cells.pop("id", None)
    return (None if ident is None else str(ident)), unflatten(cells)


# ---------------------------------------------------------------- a summary out


def election_text(election: dict) -> str:
    """'2025-01-10 12%/22%': from, deferral % / after-tax % (bonus-only elections say so)."""
    bonus = " bonus" if election.get("applies_to") == "bonus" else ""
    return f"{election['from']}{bonus} {_pct_text(election['deferral_pct'])}%/{_pct_text(election['after_tax_pct'])}%"


@functools.lru_cache(maxsize=4096)  # a batch's elections repeat a few percents
def _pct_text(pct: float) -> str:
    return f"{pct:g}"  # the same for equal numbers (9 and 9.0): one memory for both


def summary_of(plan, **first) -> dict:
    """The summary columns a Plan fills (everything but row, id, status and error), after
    the `first` columns given (row=..., id=...: one dict built, not two merged)."""
    totals, limits = plan.totals, plan.limits
    elections = [election_text(e) for e in plan.elections]
    other_employer = plan.ytd.get("other_employer_deferral", 0.0)
    applied = limits.get("annual_additions_applied", limits["annual_additions"])
    # the rooms added up in cents, exact (a Plan's dollars are whole cents): what rounding
    # their float sums to the cent gives, without round(x, 2)'s cost (nor its -0.0)
    room_402g = (round(limits["deferral"] * 100) + round(limits["catch_up"] * 100) - round(other_employer * 100)
                 - round(totals["deferral"] * 100))
    room_415c = round(applied * 100) - round(totals["annual_additions"] * 100)
    return dict(first, name=plan.name, tax_year=plan.tax_year,
                first_election=elections[0] if elections else "", elections="; ".join(elections),
                changes=max(len(elections) - 1, 0),  # changes after the first election
                deferral=totals.get("deferral", 0.0), catch_up=totals.get("catch_up", 0.0),
                match=totals.get("match", 0.0), after_tax=totals.get("after_tax", 0.0),
                annual_additions=totals.get("annual_additions", 0.0), excess=totals.get("excess", 0.0),
                room_402g=room_402g / 100, room_415c=room_415c / 100, warnings=" | ".join(plan.warnings))


def _failed(number: int, ident: str | None, data: dict, error: str) -> dict:
    name, year = data.get("name"), data.get("tax_year")
    return {**dict.fromkeys(SUMMARY_COLUMNS), "row": number, "id": ident or str(number), "status": "error",
            "error": error, "name": name if isinstance(name, str) else None,
            "tax_year": year if isinstance(year, int) and not isinstance(year, bool) else None}


# rows planned together: memory stays flat (about 85 MB) and the columnar solver gets fuller
# arrays (1,024 rows: about 8% slower, 20 MB less)
CHUNK = 2048


def plan_rows(items: list[tuple[int, str | None, dict | PlannerError]], periods: bool = False,
              limits: dict | None = None, field_name=None) -> list[tuple[dict, object]]:
    """(summary, Plan or None) for each (row number, id, scenario dict), planned together; a
    bad scenario is an error row, never raised, and so is an item whose scenario could not
    be read (a PlannerError in its place). With `periods`, plans keep their per-paycheck
    table (for a workbook each); `limits` give years their limits, a table each ([2027]
    deferral = ...), to the people of those years (see batch_limits); `field_name(k, field)`
    names the field of item k's error as its input does (a CSV's columns)."""
    readable = [data for _, _, data in items if isinstance(data, dict)]
    planned = iter(_plan_by_year(readable, limits, periods))
    out = []
    for k, (number, ident, data) in enumerate(items):
        result = next(planned) if isinstance(data, dict) else data
        data = data if isinstance(data, dict) else {}
        name = data.get("name") if isinstance(data.get("name"), str) else None
        if isinstance(result, PlannerError):
            field = field_name(k, result.field) if field_name else result.field
            out.append((_failed(number, ident or name, data, f"{field}: {result.message}"), None))
        elif isinstance(result, Exception):  # one person's bug must not stop a million-row batch
            out.append((_failed(number, ident or name, data,
                                f"internal error: {result.__class__.__name__}: {result}"), None))
        else:
            out.append((summary_of(result, row=number, id=ident or name or str(number), status="ok", error=""),
                        result))
    return out


def batch_limits(limits: dict | None, origin: str = "--limits") -> dict | None:
    """Limits for a batch: a table per year, never one flat table that would replace the
    limits built in for every year a batch holds. Each year's numbers are checked now, whether
    or not anyone of that year comes."""
    if limits is not None and not isinstance(limits, dict):
        raise PlannerError(origin, "expected a dict of limits or the path to a limits TOML file")
    if limits and not supplied_years(limits):
        raise PlannerError(origin, "give a table for each year in a batch ([2027] then deferral = ..., "
                                   "catch_up = ...), so that years with limits built in keep theirs")
    check_limits(limits, origin)  # (whether a year's table is complete is told to that year's people)
    return limits


def _plan_by_year(scenarios: list[dict], limits: dict | None, periods: bool) -> list:
    """plan_all, the limits given only to the people of the years they name (the others would
    each be told that the limits supplied are for another year)."""
    years = set(supplied_years(limits))  # (a person's own limits.* columns go over them, key by key)
    mine = [k for k, data in enumerate(scenarios) if data.get("tax_year") in years]
    if not mine or len(mine) == len(scenarios):
        return plan_all(scenarios, limits if mine else None, periods)
    out: list = [None] * len(scenarios)
    chosen = set(mine)
    others = [k for k in range(len(scenarios)) if k not in chosen]
    for group, given in ((mine, limits), (others, None)):
        for k, result in zip(group, plan_all([scenarios[k] for k in group], given, periods)):
            out[k] = result
    return out


def summarize_rows(rows: list[tuple[int, dict]], periods: bool = False,
                   limits: dict | None = None) -> list[tuple[dict, object]]:
    """The function both `plan_many` and `planner batch` use: (row number, row of dotted
    columns, or the _BadRow a CSV record turned out to be) -> (summary dict
    (SUMMARY_COLUMNS), Plan or None), in order."""
    items = []
    for number, row in rows:
        if isinstance(row, _BadRow):  # cells out of place in the CSV
            items.append((number, row.ident, row.error))
            continue
        try:
            items.append((number, *read_row(row)))
        except PlannerError as e:
            ident = row.get("id")
            items.append((number, str(ident).strip() if ident else None, e))
    return plan_rows(items, periods, limits, field_name=lambda k, field: _column_name(field, rows[k][1]))


def _column_name(field: str, row: dict) -> str:
    """A scenario's field (`bonus[0].date`) as the row's column: an array's entries are the
    numbers whose cells are filled, in order, so with bonus.0.* empty the first is bonus.1."""
    found = re.match(r"(\w+)\[(\d+)\]", field)
    if found and isinstance(row, dict):
        name, k = found.group(1), int(found.group(2))
        numbers = sorted({int(parts[1]) for column, value in row.items()
                          if (parts := column.split("."))[0] == name and len(parts) > 1 and parts[1].isdigit()
                          and value is not None and str(value).strip()})
        if k < len(numbers):
            field = f"{name}[{numbers[k]}]{field[found.end():]}"
    return re.sub(r"\[(\d+)\]", r".\1", field)


def summarize_row(row: dict, number: int) -> dict:
    """One row's summary dict, as `summarize_rows` gives it."""
    return summarize_rows([(number, row)])[0][0]


def _chunks(items, size: int = CHUNK):
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# ---------------------------------------------------------------- pandas


def _from_pandas(value, pd):
    """A DataFrame cell as a plain Python value; missing (NaN, NaT, NA) is None."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):  # a date unless it has a time of day
        value = value.to_pydatetime()
        return value.date() if value.time() == dt.time() else value
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":
        value = value.tolist()  # a scalar's Python value; an array (in an object column) a list
    if isinstance(value, float) and value.is_integer():
        return int(value)  # pandas turns an int column with blanks into floats: undo it
    return value


def plan_many(frame, limits: dict | str | Path | None = None):
    """One summary row per person for a DataFrame (or a list of dicts) whose columns are the
    scenario's dotted fields (`pay.salary`, `bonus.0.date`, ...; optional `id`). Row numbers
    count from 1, whatever the frame's index. `limits` (a dict, or a TOML file's path) give
    IRS limits for years not built in, a table per year ({2027: {"deferral": ...}}), to the
    people of those years (as `planner batch --limits` does)."""
    import pandas as pd

    if isinstance(frame, list) and all(isinstance(row, dict) for row in frame):
        frame = pd.DataFrame(frame)  # rows of dotted cells
    if not isinstance(frame, pd.DataFrame):
        raise PlannerError("frame", "expected a pandas DataFrame (or a list of dicts) with one person "
                                    f"per row, not {type(frame).__name__}")
    columns = [str(c) for c in frame.columns]
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise PlannerError("frame", f"column {doubled[0]} appears more than once")
    people = ((number, {c: _from_pandas(v, pd) for c, v in zip(columns, values)})
              for number, values in enumerate(frame.itertuples(index=False, name=None), 1))
    if isinstance(limits, (str, Path)):
        from .limits import read_limits_file

        limits = read_limits_file(limits, origin="limits")
    limits = batch_limits(limits, "limits")
    rows = [summary for chunk in _chunks(people) for summary, _ in summarize_rows(chunk, limits=limits)]
    # whole numbers stay whole where error rows leave blanks (plain int columns would turn float)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS).astype({"tax_year": "Int64", "changes": "Int64"})


# ---------------------------------------------------------------- a scenario to a row


def flatten(data: dict, prefix: str = "") -> dict:
    """The inverse of `unflatten`: dotted columns for a scenario dict (top-level arrays of
    tables are numbered: bonus.0.date; arrays inside tables, like plan.match, stay one cell)."""
    cells = {}
    for key, value in data.items():
        name = prefix + key
        if isinstance(value, dict):
            cells.update(flatten(value, name + "."))
        elif not prefix and isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, table in enumerate(value):
                cells.update(flatten(table, f"{name}.{i}."))
        else:
            cells[name] = value
    return cells


def write_people(path, rows: list[dict]):
    """Write flattened scenarios (dotted keys, as `flatten` gives) as a batch input CSV."""
    columns = list(dict.fromkeys(c for row in rows for c in row))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows([cell_text(row.get(c)) for c in columns] for row in rows)
    return path


def cell_text(value) -> str:
    """A value as a CSV cell that `parse_cell` reads back to the same value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if parse_cell(value) == value else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(cell_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {cell_text(v)}" for k, v in value.items()) + "}"
    return value.isoformat() if hasattr(value, "isoformat") else repr(value)


# ---------------------------------------------------------------- the streaming batch


@dataclass(frozen=True)
class Batch:
    """A checked batch: where people come from and where the summary goes."""

    source: Path
    csv_path: Path
    xlsx_path: Path
    total: int  # people to plan, for a progress bar
    limits: dict | None = None  # IRS limits for years not built in (--limits FILE)

    @property
    def folder(self) -> Path:
        return self.csv_path.parent

    @property
    def is_folder_input(self) -> bool:
        return self.source.is_dir()


def open_batch(source: str | Path, out: str | Path, limits: dict | None = None) -> Batch:
    """Check INPUT and --out before anything is written; a PlannerError names the culprit.
    `limits` (read from --limits FILE) apply to every person, as `plan`'s."""
    from .export import no_folder

    limits = batch_limits(limits)
    source, out = Path(source), Path(out)
    if not source.exists():
        raise PlannerError(str(source), "no such file or folder")
    if source.is_dir():
        total = len(_toml_files(source))
        if not total:
            raise PlannerError(str(source), "folder has no .toml scenario files")
    elif source.suffix.lower() == ".csv":
        total = _check_csv(source)
        if not total:
            raise PlannerError(str(source), "has no people: only a header row")
    else:
        raise PlannerError(str(source), "must be a .csv file (one person per row) or a folder of .toml scenarios")
    suffix = out.suffix.lower()
    folder_name = not suffix[1:].isalpha()  # results, run.2025: a folder; plan.json: a file's name
    if suffix in (".csv", ".xlsx") and not out.is_dir():
        if not out.parent.is_dir():
            raise PlannerError("--out", no_folder(out.parent))
        other = ".xlsx" if suffix == ".csv" else ".csv"  # REP.CSV: REP.CSV and REP.xlsx
        csv_path, xlsx_path = (out, out.with_suffix(other)) if suffix == ".csv" else (out.with_suffix(other), out)
    elif out.is_dir() or (not out.exists() and folder_name and out.parent.is_dir()):
        csv_path, xlsx_path = out / "summary.csv", out / "summary.xlsx"
    elif not out.exists() and folder_name:
        note = "" if out.parent.exists() else " (only the last folder of --out is created)"
        raise PlannerError("--out", no_folder(out.parent) + note)
    else:
        raise PlannerError("--out", f"{out} must be a folder (created if missing) or a .csv/.xlsx file")
    for path in (csv_path, xlsx_path):
        if path.is_dir():
            raise PlannerError("--out", f"{path} is a folder, where the summary would be written")
        if path.exists() and not os.access(path, os.W_OK):  # found now, not after the other files are in place
            raise PlannerError("--out", f"{path} may not be written (read-only, or another user's)")
        if source.is_file() and path.exists() and path.samefile(source):
            raise PlannerError("--out", f"{path} would overwrite INPUT")
    return Batch(source, csv_path, xlsx_path, total, limits)


def _toml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.toml") if p.is_file())


def _check_csv(path: Path) -> int:
    """Read the whole file once (UTF-8 text, valid CSV, a header) and count the people in it,
    so a bad file fails before any output exists: seconds, against hours of planning."""
    reader, start = None, 1  # start: the first line of the record being read
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, strict=True)  # an unclosed quote is an error, not the rest of the file in one cell
            header = next(reader, None)
            people, start = 0, reader.line_num + 1
            for record in reader:
                people += any(map(str.strip, record))
                start = reader.line_num + 1
    except OSError as e:
        raise PlannerError(str(path), f"cannot read: {e.strerror or e.__class__.__name__}") from None
    except UnicodeDecodeError:
        raise PlannerError(str(path), "is not UTF-8 text (save it as CSV UTF-8)") from None
    except csv.Error as e:
        if "end of data" in str(e):
            raise PlannerError(str(path), f"line {start}: not valid CSV: a quoted cell is never closed") from None
        raise PlannerError(str(path), f"line {reader.line_num}: not valid CSV: {e}") from None
    columns = [c.strip() for c in header or []]
    if not any(columns):
        raise PlannerError(str(path), "has no header row (the first row names the columns: tax_year, pay.salary, ...)")
    named = _named(columns)
    if "" in columns[:named]:  # its cells would be read as no field at all
        raise PlannerError(str(path), f"column {columns.index('') + 1} of the header has no name "
                                      "(name it or remove it)")
    doubled = sorted({c for c in columns if c and columns.count(c) > 1})
    if doubled:
        raise PlannerError(str(path), f"column {doubled[0]} appears more than once")
    unknown = [c for c in columns if c and c != "id" and not known_field(c)]
    if unknown:  # a typo in a header would otherwise be ignored wherever its cells are empty
        raise PlannerError(str(path), f"column {unknown[0]} is not a scenario field (e.g. pay.salary, bonus.0.date)")
    # what would fail every row is said once, for the file
    missing = [c for c in REQUIRED_COLUMNS if c not in columns and c.split(".")[0] not in columns]
    if missing:
        raise PlannerError(str(path), f"has no column {missing[0]} (every person needs "
                                      f"{', '.join(REQUIRED_COLUMNS)})")
    for column in columns:
        inside = [c for c in columns if column and c.startswith(column + ".")]
        if inside:
            raise PlannerError(str(path), f"columns {column} and {inside[0]} overlap: give one or the other")
    return people


def _named(header: list[str]) -> int:
    """How many columns the header names: all but its trailing empty ones (trailing commas)."""
    return len(header) - len(list(itertools.takewhile(lambda c: not c, reversed(header))))


class _BadRow(NamedTuple):
    error: PlannerError
    ident: str | None


def _csv_rows(path: Path):
    """(number, line, row dict or _BadRow) per non-blank record; numbers count people
    from 1 (header not counted), `line` is the record's first line in the file."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        header = [c.strip() for c in next(reader)]
        named = _named(header)
        id_at = header.index("id") if "id" in header else None
        number, line = 0, reader.line_num + 1
        try:
            for record in reader:
                first, line = line, reader.line_num + 1
                if not any(map(str.strip, record)):
                    continue  # blank lines and spreadsheets' trailing empty rows are no one
                number += 1
                extra = len(record) > named and any(map(str.strip, record[named:]))
                if len(record) < named or extra:  # cells out of place would land in the wrong fields
                    ident = record[id_at].strip() if id_at is not None and id_at < len(record) else ""
                    yield number, first, _BadRow(PlannerError("cells", f"{len(record)} given, the header has "
                                                                     f"{named} columns"), ident or None)
                    continue
                row = dict(zip(header, record))
                row.pop("", None)  # the trailing unnamed columns (trailing commas) are empty here
                yield number, first, row
        except csv.Error as e:
            raise PlannerError(str(path), f"line {reader.line_num}: not valid CSV: {e}") from None


def batch_rows(batch: Batch, periods: bool = False):
    """(summary, Plan or None) per person, in input order, a chunk of people at a time;
    with `periods`, each Plan keeps its per-paycheck table. For a summary only, the cycle
    collector is paused from reading a chunk to the use of its last row, and runs once its
    objects are freed: it never traces them (they are most of what is alive). Plans with
    periods go to workbooks, whose writer leaves cycles to collect as they come."""
    chunks = _chunks(enumerate(_toml_files(batch.source), 1) if batch.is_folder_input else _csv_rows(batch.source))
    while True:
        with contextlib.nullcontext() if periods else collector_paused():
            chunk = next(chunks, None)
            if chunk is None:
                return
            planned = _planned_chunk(batch, chunk, periods)
            yield from planned
            del chunk, planned  # freed before the collector resumes


def _planned_chunk(batch: Batch, chunk: list, periods: bool) -> list[tuple[dict, object]]:
    """(summary, Plan or None) per person of a chunk: (number, path) of a folder's files, or
    (number, line, row) of CSV records."""
    if batch.is_folder_input:
        return plan_rows([(number, path.stem, _read_scenario(path)) for number, path in chunk],
                         periods=periods, limits=batch.limits)
    planned = summarize_rows([(number, row) for number, _, row in chunk], periods, batch.limits)
    for (_, line, _), (summary, _) in zip(chunk, planned):
        summary["line"] = line  # for the error line; not a summary column
    return planned


def _read_scenario(path: Path) -> dict | PlannerError:
    """A folder's scenario file, or its error named by the file (`notes.toml: not valid TOML`)."""
    try:
        return read_toml(path)
    except PlannerError as e:
        return PlannerError(path.name, e.message)


def error_line(batch: Batch, summary: dict) -> str:
    """The stderr line for a bad row: 'planner: row 7 (line 8): pay.salary: ...' (a file's
    name for a folder)."""
    where = f"{summary['id']}.toml" if batch.is_folder_input else f"row {summary['row']}"
    if "line" in summary:
        where += f" (line {summary['line']})"
    error = summary["error"]
    return printable(f"planner: {error}" if error.startswith(where + ":") else f"planner: {where}: {error}")


def workbook_name(summary: dict, suffix: str) -> str:
    """A file name per person that cannot collide: the row number, then the id made safe."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", str(summary["id"])).strip("._-")[:60]
    stem = str(summary["row"]) if slug in ("", str(summary["row"])) else f"{summary['row']}-{slug}"
    return stem + suffix


def run_batch(batch: Batch, workbooks: str | None = None, on_row=None) -> dict:
    """Plan every person and stream the summary to batch.csv_path and batch.xlsx_path
    (each under a temporary name until the end). `workbooks` (".xlsx" or ".json") also
    writes each person's plan beside them. on_row(summary) is called after each person.
    Returns counts: {"ok": n, "error": m}."""
    from .export import (  # only here: `import planner` stays quick
        csv_record,
        write_atomic,
        write_plan,
    )
    from .xlsx_table import XlsxTable

    columns = SUMMARY_COLUMNS + (["workbook"] if workbooks else [])
    counts = {"ok": 0, "error": 0}
    created = not batch.folder.exists()
    batch.folder.mkdir(exist_ok=True)
    # each person's workbook waits in a hidden folder until the last row: a failed or
    # interrupted batch leaves nothing behind, a finished one everything
    staging = Path(tempfile.mkdtemp(prefix=".planner-batch-", dir=batch.folder)) if workbooks else None

    def write(csv_tmp: str, xlsx_tmp: str) -> None:
        book = XlsxTable(xlsx_tmp, "summary", columns, money=MONEY_COLUMNS, wide=WIDE_COLUMNS)
        try:
            with open(csv_tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(csv_record(columns))
                for summary, result in batch_rows(batch, periods=bool(workbooks)):
                    if workbooks and result is not None:
                        summary["workbook"] = workbook_name(summary, workbooks)
                        write_plan(result, staging / summary["workbook"])
                    counts[summary["status"]] += 1
                    values = list(map(summary.get, columns))
                    fh.write(csv_record(values))
                    book.add(values)
                    if on_row:
                        on_row(summary)
            book.close()
        except BaseException:
            book.discard()
            raise
        if staging is not None:
            _move_into(staging, batch.folder)

    try:
        # both summaries under temporary names until the last row: a failed batch leaves none
        write_atomic(batch.csv_path, lambda csv_tmp: write_atomic(
            batch.xlsx_path, lambda xlsx_tmp: write(csv_tmp, xlsx_tmp)))
    except BaseException:
        if created and not any(p for p in batch.folder.iterdir() if p != staging):
            shutil.rmtree(batch.folder, ignore_errors=True)
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return counts


def _move_into(staging: Path, folder: Path) -> None:
    """Move every staged file into `folder`, after checking that none lands on a folder."""
    files = sorted(staging.iterdir())
    for f in files:
        if (folder / f.name).is_dir():
            raise IsADirectoryError(21, "is a folder", str(folder / f.name))
    for f in files:
        os.replace(f, folder / f.name)
