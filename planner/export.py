"""Files a plan is written to: JSON, CSV, and the workbook (planner/workbook.py).

Every file is written to a temporary name beside the target and renamed onto it, so an
interrupted run never leaves half a file or clobbers the previous one.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from .report import PERIOD_KEYS
from .result import Plan

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_text(value):
    """Text for a CSV cell: what a spreadsheet would run as a formula is made inert with a
    leading apostrophe; a carriage return becomes a line feed (unquoted, a CSV reader would
    take it for the end of the row, and the rest for a row of its own)."""
    if isinstance(value, str):
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def csv_record(values: list) -> str:
    """One CSV line of safe_text cells, exactly as csv.writer (the excel dialect, "\n" line
    ends) writes it, at a fraction of its cost (a batch writes millions): text is quoted when
    it holds a comma, a quote (doubled) or a line feed; None is an empty cell."""
    line = ",".join([_csv_text(value) if isinstance(value, str) else "" if value is None else str(value)
                     for value in values])
    return ('""' if values and not line else line) + "\n"  # a lone empty cell is quoted, not a blank line


def _csv_text(text: str) -> str:
    return _TEXT_CELLS.get(text) or remembered(_TEXT_CELLS, text, _csv_cell)


def _csv_cell(text: str) -> str:
    value = safe_text(text)  # no carriage return is left
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    return f'"{value}"' if "," in value or "\n" in value else value


_TEXT_CELLS: dict[str, str] = {}  # short text -> its CSV cell


def remembered(memo: dict[str, str], text: str, make) -> str:
    """make(text), kept in `memo` when the text is short (up to 1,000 characters, 4,096 of
    them at most): a batch's summaries repeat their warnings and elections."""
    made = make(text)
    if len(text) <= 1000:
        if len(memo) >= 4096:
            memo.clear()
        memo[text] = made
    return made


def no_folder(folder: Path) -> str:
    """Why an output cannot go into `folder`."""
    return f"{folder} is a file, not a folder" if folder.exists() else f"folder {folder} does not exist"


def write_atomic(path: str | Path, write) -> None:
    """Call write(tmp_path) for a temporary file beside `path`, then rename it onto `path`
    (onto the file a symbolic link points to: the link stays)."""
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:  # name the file asked for, not the temporary one
        raise OSError(e.errno, e.strerror, str(path)) from None
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _file_mode(path))  # mkstemp makes it private; an output is an ordinary file
        os.replace(tmp, path)
    except OSError as e:
        os.path.exists(tmp) and os.unlink(tmp)
        raise OSError(e.errno, e.strerror, str(path) if e.filename in (None, tmp) else e.filename) from None
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _file_mode(path: Path) -> int:
    """The replaced file's permissions, or the usual ones for a new file (umask applied)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_text(path: str | Path, text: str) -> None:
    def write(tmp):
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)

    write_atomic(path, write)


def to_csv(plan: Plan) -> str:
    """One row per paycheck, the JSON period keys as columns."""
    out = io.StringIO()
    columns = list(plan.periods[0]) if plan.periods else list(PERIOD_KEYS)  # a header even with no rows
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in plan.periods:
        writer.writerow({k: safe_text(v) for k, v in row.items()})
    return out.getvalue()


FORMATS = {".json": "json", ".csv": "csv", ".xlsx": "xlsx"}


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write the plan to `path` in the format its extension names (.json, .csv, .xlsx)."""
    kind = FORMATS.get(Path(path).suffix.lower())
    if kind == "json":
        write_text(path, plan.to_json() + "\n")
    elif kind == "csv":
        write_text(path, to_csv(plan))
    elif kind == "xlsx":
        from .workbook import write_workbook  # XlsxWriter is only imported on this path

        write_workbook(plan, path)
    else:
        raise ValueError(f"unknown output format for {path}")
