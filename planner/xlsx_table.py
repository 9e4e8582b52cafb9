"""A table written to an .xlsx workbook row by row, in constant memory: SpreadsheetML
written directly (the batch summary: a general library's work per cell was a fifth of a
batch's time). Excel, LibreOffice and openpyxl read it."""

from __future__ import annotations

import re
import zipfile

from .export import remembered

MAX_ROWS = 1_048_576  # Excel's sheet size


class XlsxTable:
    """A table as a workbook, streamed: each sheet's XML goes into the zip as rows come (a
    thousand rows in memory at most), text as inline strings that Excel never runs as
    formulas, numbers as numbers; a bold, frozen header; `money` columns as #,##0.00, `wide`
    ones wider. Past Excel's 1,048,576 rows it continues on a new sheet ("name 2")."""

    def __init__(self, path: str, name: str, columns: list[str], money=(), wide=()):
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)  # fast: tables are long
        self.name, self.columns, self.wide = name, columns, wide
        self.money = [' s="2"' if c in money else "" for c in columns]
        # each column's cell XML up to its row number, and from it to a number's value: a
        # row's cells are these pieces around its number, text and values
        self.cells = [(f'<c r="{_column_letters(i)}', f'"{money}><v>') for i, money in enumerate(self.money)]
        self.sheets, self.stream, self.rows, self.row = 0, None, [], MAX_ROWS
        self.texts: dict[str, str] = {}  # short text -> its XML (see export.remembered)

    def _new_sheet(self) -> None:
        self._end_sheet()
        self.sheets += 1
        self.stream = self.zip.open(f"xl/worksheets/sheet{self.sheets}.xml", "w", force_zip64=True)
        widths = []
        for i, (column, money) in enumerate(zip(self.columns, self.money), 1):
            width = 40 if column in self.wide else 12
            style = money.replace("s=", "style=")  # the column's format: its blank cells too
            widths.append(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"{style}/>')
        selected = ' tabSelected="1"' if self.sheets == 1 else ""
        self.stream.write((f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
                           f'<sheetViews><sheetView{selected} workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                           'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView>'
                           f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{"".join(widths)}</cols><sheetData>'
                           ).encode())
        self.row = 0
        self.add(self.columns, style=' s="1"')  # the header, bold

    def add(self, values: list, style: str = "") -> None:
        if self.row >= MAX_ROWS:
            self._new_sheet()
        self.row += 1
        n = str(self.row)  # once, not for every cell
        text_start = f'"{style} t="inlineStr"><is>'
        cells, texts = [], self.texts
        for (start, number_start), value in zip(self.cells, values):
            if isinstance(value, str):
                xml = texts.get(value) or remembered(texts, value, _xml_text)
                cells.append(f'{start}{n}{text_start}{xml}</is></c>')
            elif value is not None:  # an int or a float: repr is exact and valid XML
                cells.append(f'{start}{n}{number_start}{value!r}</v></c>')
        self.rows.append(f'<row r="{n}">{"".join(cells)}</row>')
        if len(self.rows) >= 1000:
            self._flush()

    def _flush(self) -> None:
        self.stream.write("".join(self.rows).encode())
        self.rows.clear()

    def _end_sheet(self) -> None:
        if self.stream is not None:
            self._flush()
            self.stream.write(b"</sheetData></worksheet>")
            self.stream.close()

    def discard(self) -> None:
        """Let go of the file after a failure (it is deleted), whatever state it is in."""
        for close in ((self.stream.close,) if self.stream else ()) + (self.zip.close,):
            try:
                close()
            except (OSError, ValueError):  # a full disk again, or a zip left mid-entry
                pass
        self.zip.fp = None  # nothing left for the zip's finalizer to write

    def close(self) -> None:
        if self.stream is None:
            self._new_sheet()  # a header even for an empty batch
        self._end_sheet()
        names = [self.name] + [f"{self.name} {k}" for k in range(2, self.sheets + 1)]
        sheets = "".join(f'<sheet name="{name}" sheetId="{k}" r:id="rId{k}"/>' for k, name in enumerate(names, 1))
        links = "".join(f'<Relationship Id="rId{k}" Type="{_RELS}/worksheet" Target="worksheets/sheet{k}.xml"/>'
                        for k in range(1, self.sheets + 1))
        links += f'<Relationship Id="rId{self.sheets + 1}" Type="{_RELS}/styles" Target="styles.xml"/>'
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{_SHEET_TYPE}"/>'
                            for k in range(1, self.sheets + 1))
        head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        parts = {
            "[Content_Types].xml": f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                                   f'<Default Extension="rels" ContentType="{_PACKAGE_RELS_TYPE}"/>'
                                   '<Default Extension="xml" ContentType="application/xml"/>'
                                   f'<Override PartName="/xl/workbook.xml" ContentType="{_WORKBOOK_TYPE}"/>'
                                   f'<Override PartName="/xl/styles.xml" ContentType="{_STYLES_TYPE}"/>'
                                   f'{overrides}</Types>',
            "_rels/.rels": f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
                           f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><bookViews><workbookView/></bookViews>'
                               f'<sheets>{sheets}</sheets></workbook>',
            "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PACKAGE_RELS}">{links}</Relationships>',
            "xl/styles.xml": _STYLES,
        }
        for name, xml in parts.items():
            self.zip.writestr(name, head + xml)
        self.zip.close()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_PACKAGE_RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_WORKBOOK_TYPE, _STYLES_TYPE, _SHEET_TYPE = (f"{_OFFICE}.sheet.main+xml", f"{_OFFICE}.styles+xml",
                                             f"{_OFFICE}.worksheet+xml")
# cell styles: 0 plain, 1 bold (the header), 2 money (built-in number format 4: #,##0.00)
_STYLES = (f'<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
# what XML cannot hold (escaped as _xHHHH_, Excel's way), and text that reads as such an escape
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
EXCEL_MAX_TEXT = 32_767  # characters a cell holds


def _xml_text(text: str) -> str:
    text = text[:EXCEL_MAX_TEXT].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not text.isprintable() or "_x" in text:  # what _NOT_XML matches is never printable
        text = _NOT_XML.sub(lambda m: "_x005F" + m[0] if len(m[0]) > 1 else f"_x{ord(m[0]):04X}_", text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<t{space}>{text}</t>"


def _column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
