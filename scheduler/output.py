"""Write every output of a schedule into a folder, all or nothing.

Everything is rendered into a hidden staging folder inside the target first;
only when all files exist are they moved into place, each with an atomic
rename. A failure leaves the folder as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .changes import Changes
from .domain import Roster
from .errors import OutputError
from .quality import Quality, measure
from .solution import Schedule

AUDIENCES = ("master", "staff", "patients", "rooms", "report")


def output_names(pdf: bool = True, changes: bool = False) -> list[str]:
    names = ["schedule.json", "schedule.xlsx"]
    for audience in AUDIENCES + (("changes",) if changes else ()):
        names.append(f"{audience}.html")
        if pdf:
            names.append(f"{audience}.pdf")
    return names


def schedule_json(roster: Roster, schedule: Schedule, quality: Quality | None = None,
                  changes: Changes | None = None) -> str:
    data = schedule.to_dict()
    data["quality"] = (quality or measure(roster, schedule)).to_dict()
    if changes is not None:
        data["changes"] = changes.to_dict()
    data["generated"] = {
        "by": f"scheduler {__version__}",
        "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "roster": Path(roster.source).name if roster.source else None,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@dataclass
class Outputs:
    written: list[Path]  # every file this run wrote
    removed: list[str]  # names of earlier outputs it removed, as they would no longer match


def write_outputs(roster: Roster, schedule: Schedule, out_dir: Path, pdf: bool = True,
                  protect: tuple[Path, ...] = (), changes: Changes | None = None,
                  quality: Quality | None = None) -> Outputs:
    """Render everything, then move it into out_dir.

    protect: files that must never be overwritten (the roster itself).
    changes: the comparison with last week; adds changes.html and a `changes` object.
    quality: the week's measure, if the caller has it (on a large week it takes seconds).
    """
    # Imported here so `validate` and `init` never pay for Jinja2/WeasyPrint.
    from .writers.html import printouts
    from .writers.report import render_report
    from .writers.xlsx import render_xlsx

    out_dir = Path(out_dir)
    names = output_names(pdf, changes=changes is not None)
    _check_target(out_dir, names, protect)
    staging = Path(tempfile.mkdtemp(prefix=".scheduler-", dir=out_dir))
    try:
        quality = quality or measure(roster, schedule)
        (staging / "schedule.json").write_text(schedule_json(roster, schedule, quality, changes),
                                               encoding="utf-8")
        render_xlsx(roster, schedule, staging / "schedule.xlsx")
        prints = printouts(roster, schedule)
        pages = {audience: p.html() for audience, p in prints.items()}
        pages["report"] = render_report(roster, schedule, quality)
        if changes is not None:
            from .writers.changes import render_changes

            pages["changes"] = render_changes(roster, changes, schedule)
        for audience in pages:
            (staging / f"{audience}.html").write_text(pages[audience], encoding="utf-8")
        if pdf:
            from .writers.pdf import render_pdfs

            parts = {a: prints[a].parts() if a in prints else [pages[a]] for a in pages}
            for audience, data in render_pdfs(parts).items():
                (staging / f"{audience}.pdf").write_bytes(data)
        written = []
        for name in names:
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
        # Files from an earlier run that this run does not write would no longer match.
        removed = []
        for stale in sorted(set(output_names(True, changes=True)) - set(names)):
            if (out_dir / stale).is_file():
                (out_dir / stale).unlink()
                removed.append(stale)
        return Outputs(written, removed)
    except OSError as exc:
        raise OutputError(f"Could not write the schedule into {out_dir}: {exc.strerror or exc}.") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_target(out_dir: Path, names: list[str], protect: tuple[Path, ...]) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} is a file, not a folder; choose another --out folder.")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Could not create the folder {out_dir}: {exc.strerror or exc}.") from exc
    guarded = {p.resolve() for p in protect}
    for name in names:
        if (out_dir / name).resolve() in guarded:
            raise OutputError(
                f"Writing {name} into {out_dir} would overwrite your roster; "
                f"choose another --out folder or rename the roster."
            )
