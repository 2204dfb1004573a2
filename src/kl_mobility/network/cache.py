"""On-disk cache of built networks, travel-time tables and demand features: the one reader.

Every cache file is written atomically (:func:`kl_mobility.io.atomic_file`) together with a
manifest beside it, ``<file>.manifest.json``: its size, its SHA-256 at write time and its
modification time. :func:`cache_file_ok` checks a file against its manifest before it is
used: size and modification time first (cheap); when only the modification time differs
(a copied cache) the full SHA-256 decides, and a match refreshes the manifest. A file
without a manifest, with another size or another content is *damaged*: it is reported in
one warning line and rebuilt, never used. Arrays are read with ``allow_pickle=False``, so
a planted cache file cannot run code.
"""

from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kl_mobility.io import atomic_file, file_sha256, remove_stale, write_json

__all__ = ["CACHE_ENV_VAR", "LOAD_ERRORS", "cache_file_ok", "default_cache_dir", "file_sha256",
           "manifest_path", "report_damaged", "write_cache_file"]

CACHE_ENV_VAR = "KL_MOBILITY_CACHE"

LOAD_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, KeyError, EOFError,
                                                zipfile.BadZipFile, TypeError)
"""What reading a damaged array file can raise (caught: the entry is rebuilt)."""

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """``$KL_MOBILITY_CACHE`` if set, else ``networks/`` in the current directory."""
    return Path(os.environ.get(CACHE_ENV_VAR, "networks"))


def manifest_path(path: str | Path) -> Path:
    """The manifest of the cache file ``path``: ``<file>.manifest.json`` beside it."""
    p = Path(path)
    return p.with_name(p.name + ".manifest.json")


def write_cache_file(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Write a cache file atomically with ``write(tmp_path)``, then its manifest."""
    path = Path(path)
    with atomic_file(path) as tmp:
        write(tmp)
        digest = file_sha256(tmp)
    st = path.stat()
    write_json(manifest_path(path), {"file": path.name, "size": st.st_size, "sha256": digest,
                                     "mtime_ns": st.st_mtime_ns})
    return path


def _problem(path: Path) -> str | None:
    """Why the cache file ``path`` cannot be trusted, or ``None`` when it matches its
    manifest."""
    import json

    mp = manifest_path(path)
    try:
        man = json.loads(mp.read_text(encoding="utf-8"))
        size, digest, mtime = int(man["size"]), str(man["sha256"]), int(man["mtime_ns"])
    except FileNotFoundError:
        return "no manifest (written by an older version or not by kl-mobility)"
    except (OSError, ValueError, KeyError, TypeError):
        return "its manifest is unreadable"
    st = path.stat()
    if st.st_size != size:
        return f"{st.st_size:,} bytes, {size:,} recorded (truncated or replaced)"
    if st.st_mtime_ns == mtime:
        return None
    if file_sha256(path) != digest:
        return "content differs from the SHA-256 recorded when it was written"
    write_json(mp, {**man, "mtime_ns": st.st_mtime_ns})  # a copy: same bytes, new time
    return None


def cache_file_ok(path: str | Path) -> bool:
    """Whether the cache file ``path`` exists and matches its manifest; a damaged one is
    reported (:func:`report_damaged`) and ``False`` returned, so the caller rebuilds it.
    Temporary files of a killed build of ``path`` are removed first."""
    path = Path(path)
    remove_stale(path)  # temporary files of a build that was killed
    if not path.is_file():
        return False
    problem = _problem(path)
    if problem is not None:
        report_damaged(path, problem)
        return False
    return True


def report_damaged(path: str | Path, problem: str) -> None:
    """The one warning line for a damaged cache file that is rebuilt."""
    log.warning("cache file %s is damaged (%s); rebuilding it", path, problem)
