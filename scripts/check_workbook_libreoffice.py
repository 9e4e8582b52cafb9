"""Run:  python scripts/check_workbook_libreoffice.py [SCENARIO.toml ...]

Recalculates the planner's workbooks in LibreOffice and compares every formula with the
planner's number, within a cent. Without arguments it takes examples/*.toml and the shared
cases (../shared/cases/*.toml); a case runs its .expect.json command, an example with
[[election]] entries is checked, any other file is planned.

Each workbook is converted twice, headless, in a throwaway LibreOffice profile set to
always recalculate on load: as written (the file a person gets must open and recalculate),
and as a copy without cached values (so the numbers compared can only be LibreOffice's).
When LibreOffice (soffice) is not installed it says so and exits 0.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CENT = 0.01 + 1e-9
# LibreOffice keeps an .xlsx file's cached values unless told to recalculate on load (0 = always)
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def scenario_files(args: list[str]) -> list[Path]:
    if args:
        return [Path(a) for a in args]
    return sorted((REPO / "examples").glob("*.toml")) + sorted((REPO.parent / "shared" / "cases").glob("*.toml"))


def run_planner(path: Path):
    import planner

    expect = path.with_name(path.stem + ".expect.json")
    if expect.exists():
        command = json.loads(expect.read_text())["command"]
    else:
        command = "check" if "[[election]]" in path.read_text() else "plan"
    return getattr(planner, command)(path)


def convert(soffice: str, files: list[Path], outdir: Path, profile: Path) -> None:
    """One headless LibreOffice run: open each file, recalculate, save it as .xlsx in outdir."""
    cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), *map(str, files)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)


def compare(original: Path, converted: Path) -> list[str]:
    """Every formula cell of `original`: LibreOffice's value against the cached (planner's) one."""
    import warnings

    import openpyxl

    warnings.filterwarnings("ignore", module="openpyxl")  # it cannot read back every chart LibreOffice writes
    if not converted.exists():
        return [f"{converted.name}: LibreOffice wrote no file"]
    book = openpyxl.load_workbook(original)
    cached = openpyxl.load_workbook(original, data_only=True)
    recalculated = openpyxl.load_workbook(converted, data_only=True)
    bad, count = [], 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                count += 1
                want = cached[ws.title][cell.coordinate].value
                got = recalculated[ws.title][cell.coordinate].value
                if not isinstance(got, int | float) or abs(got - want) > CENT:
                    bad.append(f"{converted.name} {ws.title}!{cell.coordinate} {cell.value}: "
                               f"LibreOffice {got!r}, planner {want!r}")
    if count == 0:
        bad.append(f"{original.name}: no formulas")
    return bad


def main(argv: list[str]) -> int:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("LibreOffice (soffice) is not installed: nothing checked.")
        return 0
    import openpyxl

    from planner.workbook import write_workbook

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        profile = tmp / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(PROFILE)
        written, inputs = [], []
        for path in scenario_files(argv):
            original = tmp / f"{path.stem}.xlsx"
            write_workbook(run_planner(path), original)
            bare = tmp / f"{path.stem}-no-cached-values.xlsx"
            openpyxl.load_workbook(original).save(bare)  # openpyxl keeps formulas, drops cached values
            written.append(original)
            inputs += [original, bare]
        outdir = tmp / "recalculated"
        convert(soffice, inputs, outdir, profile)
        failures = 0
        for original in written:
            bad = (compare(original, outdir / original.name)
                   + compare(original, outdir / f"{original.stem}-no-cached-values.xlsx"))
            print(f"{'ok  ' if not bad else 'FAIL'} {original.stem}")
            for line in bad[:10]:
                print("     " + line)
            failures += bool(bad)
    print(f"{len(written) - failures} of {len(written)} workbooks recalculate in LibreOffice to the planner's numbers.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
