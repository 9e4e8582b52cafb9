"""The command line: parse, call one library function, print. Nothing is computed here.

Bad input of any kind ends in one line on standard error naming the field, exit code 2.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import PlannerError, printable
from .scenario import match_shorthand

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,  # help texts name TOML tables like [taxes]: no markup
                  help="Per-paycheck 401(k) elections for the mega backdoor Roth.")

# which flag sets which scenario field, so an error can name what the user typed
def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"planner {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Per-paycheck 401(k) elections for the mega backdoor Roth."""


FLAGS = {
    "--year": "tax_year", "--name": "name", "--age": "age", "--birth-date": "birth_date",
    "--salary": "pay.salary", "--frequency": "pay.frequency", "--first-pay-date": "pay.first_pay_date",
    "--prior-year-wages": "pay.prior_year_fica_wages",
    "--preset": "plan.preset", "--match": "plan.match", "--true-up": "plan.match_true_up",
    "--pct-step": "plan.pct_step", "--auto-stop": "plan.auto_stop_deferral",
    "--max-deferral-pct": "plan.max_deferral_pct", "--max-after-tax-pct": "plan.max_after_tax_pct",
    "--deferral": "goal.deferral", "--after-tax": "goal.after_tax", "--roth": "goal.deferral_type",
    "--strategy": "goal.strategy", "--min-net-pay": "goal.min_net_pay", "--use-rsu-proceeds": "goal.use_rsu_proceeds",
    "--as-of": "ytd.as_of", "--ytd-deferral": "ytd.deferral", "--ytd-after-tax": "ytd.after_tax",
    "--ytd-match": "ytd.match", "--ytd-eligible-pay": "ytd.eligible_pay",
}
FIELD_FLAG = {v: k for k, v in FLAGS.items()}


def fail(field: str, message: str) -> None:
    typer.echo(printable(f"planner: error: {field}: {message}"), err=True)
    raise typer.Exit(2)


def _date(flag: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PlannerError(flag, f"expected a date like 2025-03-14, not {text!r}") from None


def _number(flag: str, text: str) -> float:
    try:
        value = float(text.replace(",", "").lstrip("$"))
        return int(value) if value.is_integer() else value  # 200000, as typed, not 200000.0
    except ValueError:
        raise PlannerError(flag, f"expected a number, not {text!r}") from None


def _pairs(flag: str, items: list[str], right: str) -> list[tuple[dt.date, float]]:
    out = []
    for item in items:
        day, sep, value = item.partition(":")
        if not sep:
            raise PlannerError(flag, f"expected DATE:{right} like 2025-06-01:220000, not {item!r}")
        out.append((_date(flag, day), _number(flag, value)))
    return out


def _goal(flag: str, text: str):
    return "max" if text.strip().lower() == "max" else _number(flag, text)


def overrides_from_flags(values: dict) -> dict:
    """Dotted scenario keys for the flags given (None = not given)."""
    out = {}
    converters = {
        "--birth-date": lambda v: _date("--birth-date", v), "--first-pay-date": lambda v: _date("--first-pay-date", v),
        "--as-of": lambda v: _date("--as-of", v), "--match": lambda v: match_shorthand(v, "--match"),
        "--deferral": lambda v: _goal("--deferral", v), "--after-tax": lambda v: _goal("--after-tax", v),
        "--roth": lambda v: "roth" if v else "pretax",
    }
    for flag, value in values.items():
        if value is None or flag not in FLAGS:
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # typer gives floats: keep 200000 as typed, not 200000.0
        out[FLAGS[flag]] = converters.get(flag, lambda v: v)(value)
    return out


def _scenario(file: Optional[Path], flags: dict, raises: list[str], bonuses: list[str], rsus: list[str]):
    from .scenario import read_toml, scenario_from_dict, set_path

    data = read_toml(file) if file else {}
    given = overrides_from_flags(flags)
    for flag_key, other in (("age", "birth_date"), ("birth_date", "age")):
        if flag_key in given:  # --age replaces the file's birth_date, and the other way round
            data.pop(other, None)
    for key, value in given.items():
        set_path(data, key, value)
    if raises:  # flags add to what the file has
        data.setdefault("raise", []).extend({"effective": d, "salary": v} for d, v in _pairs("--raise", raises, "SALARY"))
    if bonuses:
        data.setdefault("bonus", []).extend({"date": d, "amount": v} for d, v in _pairs("--bonus", bonuses, "AMOUNT"))
    if rsus:
        data.setdefault("rsu", []).extend({"date": d, "value": v} for d, v in _pairs("--rsu", rsus, "VALUE"))
    return scenario_from_dict(data)


def _flag_of(field: str, flags: dict, no_file: bool, lists: dict) -> str | None:
    """The flag that set `field` (or the table it is part of: plan.match[0].rate is --match)."""
    by_flags = {key.split(".")[0] for flag, key in FLAGS.items() if "." in key and flags.get(flag) is not None}
    for flag, key in FLAGS.items():
        given = no_file or flags.get(flag) is not None
        if given and (field == key or field.startswith((key + "[", key + "."))):
            return flag
        if field == key and key.split(".")[0] in by_flags:  # missing from a table the flags build ([ytd])
            return flag
    for flag, items in lists.items():  # --raise DATE:SALARY and friends, when the file has none
        if items and no_file and field.startswith(flag[2:] + "["):
            return flag
    return None


def _limits(path: Optional[Path]) -> dict | None:
    from .limits import read_limits_file

    return read_limits_file(path) if path else None


def _emit(plan, fmt: str, out: Optional[Path], view: str = "schedule") -> None:
    from .export import FORMATS, no_folder, to_csv, write_plan

    if out is not None:
        if out.suffix.lower() not in FORMATS:
            raise PlannerError("--out", f"a file name ending in .xlsx, .json or .csv, not {str(out)!r}"
                               if out.name else "needs a file name ending in .xlsx, .json or .csv")
        if not out.parent.is_dir():
            raise PlannerError("--out", no_folder(out.parent))
        if out.is_dir():
            raise PlannerError("--out", f"{out} is a folder")
        # the file first: a run that cannot write it fails before printing a result
        write_plan(plan, out)
        typer.echo(f"wrote {out}", err=True)
    try:
        if fmt == "json":
            sys.stdout.write(plan.to_json() + "\n")
        elif fmt == "csv":
            sys.stdout.write(to_csv(plan))
        else:
            from .table import print_plan

            print_plan(plan, view=view)
        sys.stdout.flush()
    except OSError as e:  # standard output full or closed: main() says so (not --out, which is written)
        raise _StandardOutputFailed(e.errno, e.strerror) from None


class _StandardOutputFailed(OSError):
    pass


FORMAT_CHOICES = ("table", "json", "csv")
VIEWS = ("schedule", "cashflow")
VIEW_OPTION = typer.Option("schedule", "--view", help="Table view: schedule | cashflow (net pay; needs [taxes]).")


def _run(command: str, file, fmt, out, limits, flags, raises, bonuses, rsus, view="schedule") -> None:
    import planner

    try:
        fmt, view = fmt.lower(), view.lower()
        if fmt not in FORMAT_CHOICES:
            raise PlannerError("--format", f"must be one of {', '.join(FORMAT_CHOICES)}, not {fmt!r}")
        if view not in VIEWS:
            raise PlannerError("--view", f"must be one of {', '.join(VIEWS)}, not {view!r}")
        scenario = _scenario(file, flags, raises, bonuses, rsus)
        if view == "cashflow" and scenario.taxes is None:
            raise PlannerError("--view", "cashflow needs a [taxes] table in the scenario to estimate net pay")
        result = getattr(planner, command)(scenario, limits=_limits(limits))
        _emit(result, fmt, out, view)
    except PlannerError as e:  # name what the user typed: --year for tax_year, --match for plan.match[0].rate
        flag = _flag_of(e.field, flags, file is None, {"--raise": raises, "--bonus": bonuses, "--rsu": rsus})
        fail(flag or e.field, e.message)
    except _StandardOutputFailed:
        raise
    except OSError as e:  # the output could not be written (a full disk, a read-only file)
        target = e.filename or out or "standard output"
        fail("--out" if out is not None else "output", f"cannot write {target}: {e.strerror or e}")


FILE_ARG = typer.Argument(None, help="Scenario TOML file (see the README); flags override its fields.",
                          show_default=False)


@app.command("plan")
def plan_command(
    file: Optional[Path] = FILE_ARG,
    fmt: str = typer.Option("table", "--format", "-f", help="table | json | csv on standard output."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Also write the plan to a .xlsx, .json or .csv file."),
    limits: Optional[Path] = typer.Option(None, "--limits", help="TOML file with IRS limits for a year not built in."),
    year: Optional[int] = typer.Option(None, "--year", help="Tax year."),
    name: Optional[str] = typer.Option(None, "--name", help="A label for the plan."),
    age: Optional[int] = typer.Option(None, "--age", help="Age on Dec 31 of the tax year."),
    birth_date: Optional[str] = typer.Option(None, "--birth-date", help="Instead of --age, e.g. 1974-06-01."),
    salary: Optional[float] = typer.Option(None, "--salary", help="Annual base salary on Jan 1."),
    frequency: Optional[str] = typer.Option(None, "--frequency", help="weekly | biweekly | semimonthly | monthly"),
    first_pay_date: Optional[str] = typer.Option(None, "--first-pay-date",
                                                 help="A regular pay date (weekly, biweekly)."),
    prior_year_wages: Optional[float] = typer.Option(None, "--prior-year-wages", help="Last year's W-2 box 3 here."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Employer preset (see `planner presets`)."),
    match: Optional[str] = typer.Option(None, "--match", help="Match tiers RATE%:UP_TO_PCT, e.g. 50:4 or 100:3,50:5."),
    true_up: Optional[bool] = typer.Option(None, "--true-up/--no-true-up"),
    auto_stop: Optional[bool] = typer.Option(None, "--auto-stop/--no-auto-stop", help="Payroll stops deferral at 402(g)."),
    pct_step: Optional[float] = typer.Option(None, "--pct-step", help="Elections are multiples of this percent."),
    max_deferral_pct: Optional[float] = typer.Option(None, "--max-deferral-pct", help="Plan's cap per paycheck."),
    max_after_tax_pct: Optional[float] = typer.Option(None, "--max-after-tax-pct", help="Plan's cap per paycheck."),
    deferral: Optional[str] = typer.Option(None, "--deferral", help="'max' or dollars for the year."),
    after_tax: Optional[str] = typer.Option(None, "--after-tax", help="'max', dollars, or 0."),
    roth: Optional[bool] = typer.Option(None, "--roth/--pretax", help="Deferral type."),
    strategy: Optional[str] = typer.Option(None, "--strategy", help="even | front-load"),
    min_net_pay: Optional[float] = typer.Option(None, "--min-net-pay", help="Take-home floor per paycheck."),
    use_rsu_proceeds: Optional[bool] = typer.Option(None, "--use-rsu-proceeds/--no-rsu-proceeds",
                                                    help="RSU sale cash may cover paychecks below the floor."),
    view: str = VIEW_OPTION,
    raises: list[str] = typer.Option([], "--raise", help="DATE:SALARY, repeatable; added to the file's [[raise]] entries."),
    bonuses: list[str] = typer.Option([], "--bonus", help="DATE:AMOUNT, repeatable; added to the file's [[bonus]] entries."),
    rsus: list[str] = typer.Option([], "--rsu", help="DATE:VALUE, repeatable; added to the file's [[rsu]] entries."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Re-plan: paychecks on/before this date are paid."),
    ytd_deferral: Optional[float] = typer.Option(None, "--ytd-deferral", help="Re-plan: deferred so far (paystub)."),
    ytd_after_tax: Optional[float] = typer.Option(None, "--ytd-after-tax", help="Re-plan: after-tax so far."),
    ytd_match: Optional[float] = typer.Option(None, "--ytd-match", help="Re-plan: match so far."),
    ytd_eligible_pay: Optional[float] = typer.Option(None, "--ytd-eligible-pay",
                                                     help="Re-plan: eligible pay so far (401(a)(17))."),
):
    """Find the elections that reach 402(g), keep the full match and fill 415(c)."""
    flags = {k: v for k, v in locals().items()
             if k not in ("file", "fmt", "out", "limits", "raises", "bonuses", "rsus", "view")}
    _run("plan", file, fmt, out, limits, _flag_names(flags), raises, bonuses, rsus, view)


def _flag_names(values: dict) -> dict:
    return {"--" + k.replace("_", "-"): v for k, v in values.items()}


@app.command("check")
def check_command(
    file: Path = typer.Argument(..., help="Scenario TOML file with [[election]] entries.", show_default=False),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json | csv on standard output."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Also write the result to a .xlsx, .json or .csv file."),
    limits: Optional[Path] = typer.Option(None, "--limits", help="TOML file with IRS limits for a year not built in."),
    view: str = VIEW_OPTION,
):
    """Simulate the elections in force: when each limit is reached, match lost, excess."""
    _run("check", file, fmt, out, limits, {}, [], [], [], view)


@app.command("limits")
def limits_command(
    year: Optional[int] = typer.Argument(None, help="Tax year (default: every built-in year)."),
    limits: Optional[Path] = typer.Option(None, "--limits", help="TOML file with limits for a year not built in."),
):
    """Print the IRS limits for a year with their sources."""
    from rich.console import Console
    from rich.table import Table

    from .limits import built_in_years, limits_for, limits_rows, supplied_years

    try:
        supplied = _limits(limits)
        named = supplied_years(supplied)
        years = [year] if year is not None else sorted(set(built_in_years()) | set(named))
        for y in years:
            table = Table(title=f"IRS limits {y}", header_style="bold")
            for column in ("Limit", "Amount", "Source"):
                table.add_column(column, justify="right" if column == "Amount" else "left",
                                 overflow="fold")  # a source's address is never cut short
            for row in limits_rows(limits_for(y, supplied if not named or y in named else None)):
                table.add_row(*row)
            Console().print(table)
    except PlannerError as e:
        fail("YEAR" if e.field == "tax_year" else e.field, e.message)


@app.command("presets")
def presets_command(
    name: Optional[str] = typer.Argument(None, help="A preset to show fact by fact (default: list them all).",
                                         show_default=False),
):
    """List the employer presets, or show one preset's facts: value, status and source."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from .presets import load_preset, preset_facts, preset_names

    try:
        if name is None:
            table = Table(title="Employer presets (plan.preset)", header_style="bold")
            table.add_column("Name")
            table.add_column("Description")
            table.add_column("Facts as of", no_wrap=True)
            for preset in preset_names():
                data = load_preset(preset)
                table.add_row(preset, data.get("description", ""), str(data.get("facts_as_of", "")))
            Console().print(table)
            return
        data = load_preset(name)
        console = Console()
        table = Table(title=f"Preset {name}: {escape(data.get('description', ''))}", header_style="bold",
                      show_lines=True)
        table.add_column("Key", no_wrap=True)
        table.add_column("Value", min_width=12)
        table.add_column("Status", no_wrap=True)
        table.add_column("Source", overflow="fold")
        facts = preset_facts(name)
        for fact in facts:
            status = f"[yellow]{fact['status']}[/]" if fact["status"] == "assumed" else escape(fact["status"])
            table.add_row(_fact_key(fact), escape(_toml_value(fact["value"])), status,
                          escape(fact["source"].replace(" ; ", "\n")))
        console.print(table)
        for fact in facts:
            text = ". ".join(t.rstrip(".") for t in (fact["summary"], fact["note"]) if t)
            console.print(f"[bold]{_fact_key(fact)}[/]: {escape(text)}.")
        console.print(f"Facts as of {data.get('facts_as_of', 'an unknown date')}. Assumed facts have one source or "
                      "none: set the key in your scenario's \\[plan] to override one.")
    except PlannerError as e:
        fail("NAME" if e.field == "plan.preset" else e.field, e.message)


def _fact_key(fact: dict) -> str:
    return f"plan.{fact['key']}" if fact["plan_key"] else f"{fact['key']} (info)"


def _toml_value(value) -> str:
    """A preset value as it would be written in a scenario's [plan] table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


@app.command("batch")
def batch_command(
    source: Path = typer.Argument(..., metavar="INPUT", show_default=False,
                                  help="CSV, one person per row, columns the scenario's dotted fields "
                                       "(tax_year, pay.salary, bonus.0.date, ...; optional id); or a folder of .toml scenarios."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for summary.csv and summary.xlsx (created if missing), "
                                                      "or a .csv/.xlsx file (its sibling of the other type is written too)."),
    workbooks: bool = typer.Option(False, "--workbooks", help="Also write one workbook per person beside the summary."),
    limits: Optional[Path] = typer.Option(None, "--limits", help="TOML file of IRS limits for a year not built in "
                                                                 "(or limits.* columns per person)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no closing line (bad rows are still reported)."),
):
    """Plan for many people at once: one summary row per person; a bad row is reported and skipped
    (exit code 1 when any row failed, 0 when all were planned)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from .batch import error_line, open_batch, run_batch

    try:
        batch = open_batch(source, out, _limits(limits))
    except PlannerError as e:
        fail(e.field, e.message)
    class ReportConsole(Console):
        def on_broken_pipe(self) -> None:
            """Its reader gone (`2>&1 | head -1`): rich would end the program, yet a batch goes
            on (its summary holds every row's error), telling no one."""
            self.quiet = True

    console = ReportConsole(stderr=True)
    progress = Progress(TextColumn("planning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=console, disable=quiet or not console.is_terminal, transient=True)
    task = progress.add_task("planning", total=batch.total or None)

    def tell(text: str) -> None:
        try:
            console.print(escape(text), highlight=False, soft_wrap=True)
        except OSError:  # standard error closed (`2>&-`): the batch goes on, as for a reader gone
            console.quiet = True

    def on_row(summary: dict) -> None:
        if summary["status"] == "error":  # through the progress console, so the bar stays intact
            tell(error_line(batch, summary))
        progress.advance(task)

    try:
        with progress:
            counts = run_batch(batch, ".xlsx" if workbooks else None, on_row)
    except PlannerError as e:  # INPUT turned out unreadable half-way: no summary is left behind
        fail(e.field, e.message)
    except OSError as e:
        fail("--out", f"cannot write {e.filename or batch.folder}: {e.strerror or e}")
    people = counts["ok"] + counts["error"]
    if not quiet:
        tell(f"planned {people} {'person' if people == 1 else 'people'} ({counts['error']} with errors); "
             f"wrote {batch.csv_path} and {batch.xlsx_path}")
    if counts["error"]:
        raise typer.Exit(1)  # the summary is written, but a script must be able to tell a row failed


_SIGNALS: list[int] = []  # SIGTERM or SIGHUP received


class _ClosedOutput(io.TextIOBase):
    """Standard output when the process has none: every write is an OSError (EBADF)."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def _terminated(signum, frame) -> None:
    """SIGTERM (`kill`, `timeout`, a cancelled CI job) and SIGHUP (the terminal closed)
    unwind like Ctrl-C, so no temporary file is left behind."""
    _SIGNALS.append(signum)
    raise KeyboardInterrupt


def main() -> None:
    """The console script: usage errors (a bad flag value, an unknown flag) become the same
    one line as every other bad input, exit code 2."""
    import signal

    signal.signal(signal.SIGTERM, _terminated)
    if hasattr(signal, "SIGHUP"):  # the terminal closed: the same clean unwind (exit 129)
        signal.signal(signal.SIGHUP, _terminated)
    sys.unraisablehook = _quiet_finalizers
    if sys.stdout is None:  # started with standard output closed (`>&-`): writing it fails as a full one does
        sys.stdout = _ClosedOutput()
    try:
        code = app(standalone_mode=False)  # typer returns 130 for Ctrl-C
    except (KeyboardInterrupt, typer.Abort):
        code = 130
    except OSError as e:  # standard output closed or full (`planner limits > /dev/full`, a closed pipe)
        _quiet_stdout()
        typer.echo(f"planner: error: output: cannot write standard output: {e.strerror or e}", err=True)
        code = 2
    except Exception as e:  # click's usage errors (newer typer vendors click: match by shape)
        if not (hasattr(e, "format_message") and hasattr(e, "exit_code")):
            raise
        if type(e).__name__.startswith("NoArgsIsHelp"):
            typer.echo(e.format_message())
            code = 0
        else:
            typer.echo(f"planner: error: {' '.join(e.format_message().split())}", err=True)
            code = e.exit_code
    if code == 130 or _SIGNALS:
        typer.echo("planner: interrupted", err=True)
        code = 128 + _SIGNALS[0] if _SIGNALS else 130
    sys.exit(code or 0)


def _quiet_finalizers(unraisable) -> None:
    """A file left open by a failed write is closed when it is collected; on a full disk that
    fails again, after the failure was said in one line: that second report is noise."""
    if not isinstance(unraisable.exc_value, OSError):
        sys.__unraisablehook__(unraisable)


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so flushing it at exit raises nothing more."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
