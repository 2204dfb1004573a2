"""On-disk cache of built networks and travel-time tables, with atomic writes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CACHE_ENV_VAR", "atomic_path", "default_cache_dir", "file_sha256"]

CACHE_ENV_VAR = "KL_MOBILITY_CACHE"


def default_cache_dir() -> Path:
    """``$KL_MOBILITY_CACHE`` if set, else ``networks/`` in the current directory."""
    return Path(os.environ.get(CACHE_ENV_VAR, "networks"))


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it onto ``target``.

    Readers never see a half-written file; on error the temporary file is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
