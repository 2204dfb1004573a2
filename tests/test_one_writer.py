"""Every file the package writes goes through kl_mobility.io: no other module renames
temporary files into place, makes temporary files or folders beside outputs, dumps JSON
to a file, or reads arrays with pickle. A new hand-written writer fails this test."""

from __future__ import annotations

import re
from pathlib import Path

import kl_mobility

PACKAGE = Path(kl_mobility.__file__).resolve().parent

FORBIDDEN = {
    r"\bos\.replace\(": "an atomic rename (use kl_mobility.io.atomic_file / staged_dir)",
    r"\.replace\((path|target|out|final)\)": "an atomic rename (use kl_mobility.io)",
    r"\bos\.rename\(": "an atomic rename (use kl_mobility.io)",
    r"\bjson\.dump\(": "JSON written to a file (use kl_mobility.io.write_json)",
    r"write_text\(json\.dumps": "JSON written to a file (use kl_mobility.io.write_json)",
    r"allow_pickle\s*=\s*True": "arrays read with pickle",
    r"\btempfile\.": "a temporary file or folder (use kl_mobility.io)",
}

ALLOWED = {
    ("network/osm.py", r"\btempfile\."): "scratch copy of a compressed extract, not an output",
    ("network/build.py", r"\btempfile\."): "scratch file of the drive filter, not an output",
    ("batch.py", r"\btempfile\."): "a worker's scratch folder of a run that travels back",
}


def test_no_hand_written_writer_outside_io():
    hits = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "io.py":
            continue
        for num, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            for pattern, what in FORBIDDEN.items():
                if re.search(pattern, code) and (rel, pattern) not in ALLOWED:
                    hits.append(f"{rel}:{num}: {what}: {line.strip()}")
    assert hits == []


def test_the_check_finds_a_writer():
    """The patterns match what they are meant to catch (the check is not vacuous)."""
    samples = ["os.replace(tmp, path)", "tmp.replace(path)", "json.dump(x, fh)",
               "p.write_text(json.dumps(x))", "np.load(p, allow_pickle=True)",
               "tempfile.mkdtemp()"]
    for s in samples:
        assert any(re.search(p, s) for p in FORBIDDEN), s
