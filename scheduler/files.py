"""Files written whole or not at all, readable like any other file the user makes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write data to path through a temporary file in the same folder, so nobody ever sees
    half a file and a failed write keeps the old one; problems become OutputError."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"Cannot write {path}: the folder {folder} does not exist.")
    if path.is_dir():
        raise OutputError(f"Cannot write {path}: it is a folder; give a file name.")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, _usual_mode())  # mkstemp's file is private; rosters are shared
        os.replace(tmp, path)
        tmp = None
    except PermissionError:
        hint = " (is the file open in Excel?)" if path.suffix.lower() == ".xlsx" else ""
        raise OutputError(f"Cannot write {path}: permission denied{hint}.") from None
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path


def _usual_mode() -> int:
    """What open() would give a new file under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
