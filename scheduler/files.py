"""Files written whole or not at all, readable like any other file the user makes."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import OutputError


def check_target(path: str | os.PathLike) -> Path:
    """The path, if a file can be written there as far as can be told before writing."""
    path = Path(path)
    if not path.parent.is_dir():
        raise OutputError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    if path.is_dir():
        raise OutputError(f"Cannot write {path}: it is a folder; give a file name.")
    return path


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write data to path through a temporary file in the same folder, so nobody ever sees
    half a file and a failed write keeps the old one; problems become OutputError."""
    path = check_target(path)
    folder = path.parent
    tmp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        # os.open, not mkstemp: the file gets the permissions the umask gives any new file
        # (mkstemp's are private, and rosters and printouts are shared).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
    except PermissionError:
        raise OutputError(f"Cannot write {path}: you may not create files in the folder "
                          f"{folder}.") from None
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
        tmp = None
    except PermissionError:
        hint = " (is the file open in Excel?)" if path.suffix.lower() == ".xlsx" else ""
        raise OutputError(f"Cannot write {path}: permission denied{hint}.") from None
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return path
