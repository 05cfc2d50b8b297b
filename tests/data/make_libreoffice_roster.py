"""Rebuild libreoffice_roster.xlsx: a minimal roster written by openpyxl, then saved by LibreOffice.

LibreOffice stores some cells differently from Excel (booleans as =TRUE() formulas,
times and dates as numbers with formats), which the reader must accept.
Needs `soffice` (apt-get install libreoffice-calc). Run: python3 tests/data/make_libreoffice_roster.py
"""

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent.parent)]

from builders import minimal_roster, set_cell, write_workbook  # noqa: E402


def roster_sheets():
    sheets = minimal_roster()
    for row in sheets["Slots"][1:]:  # real time cells instead of text
        row[1] = dt.time(*map(int, row[1].split(":")))
        row[2] = dt.time(*map(int, row[2].split(":")))
    set_cell(sheets, "Groups", 2, "Required", True)
    set_cell(sheets, "Groups", 3, "Required", False)
    set_cell(sheets, "Rooms", 2, "Capacity", "=5*2")
    set_cell(sheets, "Patients", 2, "ID", 1001)
    set_cell(sheets, "Patients", 3, "ID", 1002)
    set_cell(sheets, "Patients", 4, "Keep apart", 1002)
    set_cell(sheets, "Patients", 7, "Role model", True)
    return sheets


def main():
    with tempfile.TemporaryDirectory() as folder:
        source = write_workbook(Path(folder) / "libreoffice_roster.xlsx", roster_sheets())
        out = Path(folder) / "out"
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
             "--outdir", str(out), str(source)],
            check=True, capture_output=True,
        )
        shutil.copy(out / source.name, HERE / source.name)
    print(f"wrote {HERE / source.name}")


if __name__ == "__main__":
    main()
