"""Writing files atomically: into a temporary name in the target's folder, renamed over the
target once complete, so a failure never leaves a partial file under the final name."""

from __future__ import annotations

import os
import secrets
from typing import Any, BinaryIO, Callable


def write_atomic(path, write: Callable[[BinaryIO], Any]) -> str:
    """Calls `write(file)` on a new file next to `path` and renames it to `path` when `write`
    returns; on any error the temporary file is removed and the error propagates. Returns the
    path written (as a string). The file gets the usual permissions (0o666 less the umask)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path}: folder {folder} does not exist")
    base = os.path.basename(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def write_bytes_atomic(path, data: bytes) -> str:
    """Writes `data` to `path` atomically (see `write_atomic`); returns the path."""
    return write_atomic(path, lambda f: f.write(data))
