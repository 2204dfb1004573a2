"""The one writer of kl-mobility: strict JSON, atomic files and folders, output checks.

Every file and folder the package writes goes through this module:

- :func:`json_text` / :func:`write_json`: strict JSON (RFC 8259). Non-finite floats
  (NaN, +-inf) become ``null``, numpy scalars and arrays plain numbers and lists; the
  encoder runs with ``allow_nan=False``, so ``NaN`` or ``Infinity`` can never reach a file.
- :func:`atomic_file`: a temporary file beside the target, renamed onto it when the block
  ends without an error (readers see the old file or the new one, never half of one).
- :func:`staged_dir`: the same for a whole folder. The folder carries a marker file
  (:data:`MARKER`) that identifies it as written by kl-mobility; an existing folder
  without the marker (a user's own folder) or an existing file is never replaced:
  :class:`OutputError` says so in one line.
- :func:`check_output_dir` / :func:`check_output_file`: the same checks plus writability,
  made *before* a long computation so that it does not fail at the end.
- Staging folders and temporary files carry the host and process id in their names;
  those of processes that no longer run (a killed run) are removed by the next writer of
  the same target (:func:`remove_stale`).
- :class:`FolderLock`: an exclusive lock on a folder (a batch), so two processes cannot
  write the same batch at once; the second gets one clear line.
- :func:`file_manifest` / :func:`verify_manifest`: sizes and SHA-256 of a folder's files,
  recorded when it is written and checked when it is reused.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import shutil
import socket
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kl_mobility.errors import InputError

__all__ = [
    "LOCK_NAME",
    "MARKER",
    "FolderLock",
    "OutputError",
    "atomic_file",
    "check_output_dir",
    "check_output_file",
    "file_manifest",
    "file_sha256",
    "is_kl_folder",
    "json_safe",
    "json_text",
    "remove_stale",
    "staged_dir",
    "verify_manifest",
    "write_json",
    "write_text",
]

MARKER = ".kl-mobility"
"""Name of the marker file in every folder kl-mobility writes (a small JSON document)."""

LOCK_NAME = ".kl-mobility.lock"
"""Name of the lock file of :class:`FolderLock` inside the locked folder."""

_STAGE_TAG = "kl-staging"
_TMP_TAG = "kl-tmp"


class OutputError(InputError):
    """An output place that cannot be used: not writable, or holding something that
    kl-mobility did not write (never replaced)."""


# ----------------------------------------------------------------------------- JSON
def json_safe(value: Any) -> Any:
    """``value`` as plain JSON types: mappings (keys as strings), lists, finite floats,
    ints, strings, booleans and ``None``. Non-finite floats become ``None``; numpy
    scalars and arrays become numbers and lists; paths and other objects their ``str``."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int | str):
        return value
    if hasattr(value, "to_dict") and callable(value.to_dict):  # a DataFrame or a record
        try:
            return json_safe(value.to_dict(orient="records"))
        except TypeError:
            return json_safe(value.to_dict())
    return str(value)


def json_text(data: Any, *, indent: int | None = 2, sort_keys: bool = False,
              compact: bool = False) -> str:
    """Strict JSON text of ``data`` (see :func:`json_safe`), ending in a newline unless
    ``compact``."""
    safe = json_safe(data)
    if compact:
        return json.dumps(safe, separators=(",", ":"), sort_keys=sort_keys, allow_nan=False)
    return json.dumps(safe, indent=indent, sort_keys=sort_keys, allow_nan=False) + "\n"


def write_json(path: str | Path, data: Any, *, indent: int | None = 2,
               sort_keys: bool = False, compact: bool = False) -> Path:
    """Write ``data`` as strict JSON to ``path`` atomically."""
    return write_text(path, json_text(data, indent=indent, sort_keys=sort_keys, compact=compact))


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    path = Path(path)
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- names
def _owner_tag() -> str:
    host = socket.gethostname().replace(".", "_").replace("-", "_") or "host"
    return f"{host}-{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(name: str, prefix: str) -> bool:
    """Whether ``name`` (``<prefix><host>-<pid>-<hex>``) belongs to a process of this host
    that no longer runs."""
    rest = name[len(prefix):]
    parts = rest.rsplit("-", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host = socket.gethostname().replace(".", "_").replace("-", "_") or "host"
    return parts[0] == host and not _pid_alive(int(parts[1]))


def remove_stale(target: str | Path) -> int:
    """Remove the staging folders and temporary files of ``target`` left by processes of
    this host that no longer run (a killed run); returns how many were removed. Those of
    running processes (another writer at work) are left alone."""
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return 0
    removed = 0
    for tag in (_STAGE_TAG, _TMP_TAG):
        prefix = f".{target.name}.{tag}-"
        for p in parent.glob(f".{glob_escape(target.name)}.{tag}-*"):
            if _stale(p.name, prefix):
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
                removed += 1
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob metacharacters escaped."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


# ----------------------------------------------------------------------------- checks
def is_kl_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder written by kl-mobility: it holds :data:`MARKER`, or it
    is a run folder of a version before the marker (``run.json`` naming the scenario and
    seed beside ``kpis.json``)."""
    p = Path(path)
    if not p.is_dir() or p.is_symlink():
        return False
    if (p / MARKER).is_file():
        return True
    if (p / "run.json").is_file() and (p / "kpis.json").is_file():
        try:
            info = json.loads((p / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(info, dict) and {"scenario", "seed"} <= set(info)
    return False


def _check_parent(path: Path, what: str) -> None:
    parent = path.parent
    for anc in (parent, *parent.parents):
        if anc.exists():
            if not anc.is_dir():
                raise OutputError(f"{path}: cannot write the {what}: {anc} is a file, not a "
                                  "folder")
            break
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the folder {parent} for the {what} "
                          f"({exc.strerror or exc})") from None
    probe = parent / f".{path.name}.{_TMP_TAG}-{_owner_tag()}-probe"
    try:
        probe.write_bytes(b"")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the {what} into {parent} "
                          f"({exc.strerror or exc})") from None
    with contextlib.suppress(OSError):
        probe.unlink()


def check_output_dir(path: str | Path, *, what: str = "result folder") -> Path:
    """Check, before computing, that ``path`` can receive a result folder: its parent can
    be created and written, and ``path`` is absent, an empty folder or a folder that
    kl-mobility wrote (:data:`MARKER`). Anything else (a file, a folder of other files, a
    symbolic link) raises :class:`OutputError`: it is never replaced."""
    path = Path(path)
    if path.is_symlink():
        raise OutputError(f"{path}: is a symbolic link; kl-mobility does not replace it "
                          f"(choose another {what})")
    if path.exists():
        if not path.is_dir():
            raise OutputError(f"{path}: is an existing file, not a {what} that kl-mobility "
                              "wrote; it is left untouched (choose another output folder)")
        if not is_kl_folder(path) and any(p.name != LOCK_NAME for p in path.iterdir()):
            raise OutputError(f"{path}: holds files that kl-mobility did not write (no "
                              f"{MARKER} marker); it is left untouched (choose another output "
                              "folder or empty it)")
    _check_parent(path, what)
    return path


def check_output_file(path: str | Path, *, what: str = "output file",
                      replace: bool = True) -> Path:
    """Check, before computing, that ``path`` can be written: its parent can be created
    and written and ``path`` is not a folder. An existing regular file at ``path`` is
    replaced atomically when the output is written if ``replace`` is true; with
    ``replace=False`` (a file the user named on the command line, without ``--overwrite``)
    it raises :class:`OutputError` and the file is left untouched."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; the {what} must be a file path")
    if path.exists() and not path.is_file():
        raise OutputError(f"{path}: is not a regular file; it is left untouched")
    if path.exists() and not replace:
        raise OutputError(f"{path}: the {what} exists already; it is left untouched "
                          "(choose another path, or pass --overwrite to replace it)")
    _check_parent(path, what)
    return path


# ----------------------------------------------------------------------------- writers
@contextlib.contextmanager
def atomic_file(target: str | Path, *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` when the block
    ends without an error, else remove it. ``target`` must not be a folder. ``suffix``
    ends the temporary name (writers that pick the format by extension, e.g. GDAL's
    GeoPackage driver, get ``.gpkg``)."""
    target = Path(target)
    check_output_file(target)
    remove_stale(target)
    tmp = target.parent / (f".{target.name}.{_TMP_TAG}-{_owner_tag()}-"
                           f"{uuid.uuid4().hex[:8]}{suffix}")
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"{tmp}: nothing was written for {target}")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            tmp.unlink()
        raise


def _write_marker(folder: Path, kind: str) -> None:
    from kl_mobility import __version__

    (folder / MARKER).write_text(json_text({"written_by": "kl-mobility", "kind": kind,
                                            "version": __version__}), encoding="utf-8")


@contextlib.contextmanager
def staged_dir(out_dir: str | Path, *, kind: str = "run", create: bool = True) -> Iterator[Path]:
    """A fresh folder to fill that replaces ``out_dir`` in one rename when the block ends
    without an error, so readers see the old folder or the complete new one, never half of
    one; on an error ``out_dir`` stays as it was. ``out_dir`` must pass
    :func:`check_output_dir` (checked on entry and again before the rename).

    The yielded folder already holds the :data:`MARKER` file (``kind`` names what it is);
    with ``create=False`` the yielded path does not exist yet (for a writer that creates
    it) and is marked before the rename. Staging happens in a hidden sibling
    ``.<name>.kl-staging-<host>-<pid>-<hex>``; stale ones of killed runs are removed."""
    out = check_output_dir(out_dir)
    remove_stale(out)
    staging = out.parent / f".{out.name}.{_STAGE_TAG}-{_owner_tag()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        d = staging / "new"
        if create:
            d.mkdir()
            _write_marker(d, kind)
        yield d
        if not d.is_dir():
            raise FileNotFoundError(f"{d}: nothing was written for {out}")
        if not (d / MARKER).is_file():
            _write_marker(d, kind)
        check_output_dir(out)
        if out.exists():
            os.replace(out, staging / "old")
        os.replace(d, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ----------------------------------------------------------------------------- manifests
def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_manifest(folder: str | Path, *, exclude: tuple[str, ...] = ()) -> dict[str, dict]:
    """``{relative path: {"size": bytes, "sha256": hex}}`` of every file under ``folder``
    (the marker and the names in ``exclude`` left out), sorted by path."""
    folder = Path(folder)
    out: dict[str, dict] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel != MARKER and rel not in exclude:
            out[rel] = {"size": p.stat().st_size, "sha256": file_sha256(p)}
    return out


def verify_manifest(folder: str | Path, manifest: Mapping[str, Any], *,
                    hashes: bool = True) -> list[str]:
    """Problems of ``folder`` against ``manifest`` (:func:`file_manifest`): missing files,
    other sizes and (with ``hashes``) other contents; empty when it matches."""
    folder = Path(folder)
    problems = []
    for rel, want in manifest.items():
        p = folder / rel
        try:
            size = p.stat().st_size
        except OSError:
            problems.append(f"{rel}: missing")
            continue
        if size != want.get("size"):
            problems.append(f"{rel}: {size} bytes, {want.get('size')} recorded")
        elif hashes and file_sha256(p) != want.get("sha256"):
            problems.append(f"{rel}: content differs from the recorded SHA-256")
    return problems


# ----------------------------------------------------------------------------- lock
class FolderLock:
    """An exclusive, non-blocking lock on ``folder`` (a :data:`LOCK_NAME` file inside,
    ``fcntl.flock``); released on exit or when the process dies. A second process gets
    :class:`OutputError` naming the folder and the holder's process id."""

    def __init__(self, folder: str | Path, *, what: str = "batch") -> None:
        self.folder = Path(folder)
        self.what = what
        self._fh: Any = None

    def __enter__(self) -> FolderLock:
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / LOCK_NAME
        fh = open(path, "a+")  # noqa: SIM115 - held for the lock's lifetime
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise OutputError(f"{self.folder}: another {self.what} is writing here "
                                  f"({holder}); wait for it to finish") from None
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {socket.gethostname()}")
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
