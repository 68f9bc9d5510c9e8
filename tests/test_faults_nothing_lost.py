"""Nothing lost: analysts' corrections and atomically written files survive crashes,
concurrent writers and full rebuilds.
"""
from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from _helpers_faults import ROOT, last_build, served, write_articles
from etl import corrections, files
from etl.__main__ import main

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


# -- atomic writes --------------------------------------------------------------------------------------

def test_atomic_write_keeps_the_old_content_when_the_rename_fails(tmp_path, monkeypatch):
    target = tmp_path / "notes.txt"
    target.write_text("old content\n", encoding="utf-8")

    def replace(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OSError):
        files.atomic_write_text(target, "new content that must not half-appear\n" * 1000)
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no temp file left behind


def test_atomic_write_keeps_the_old_content_when_the_data_cannot_be_written(tmp_path, monkeypatch):
    target = tmp_path / "notes.txt"
    target.write_text("old content\n", encoding="utf-8")

    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", fsync)
    with pytest.raises(OSError):
        files.atomic_write_text(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_atomic_write_keeps_the_file_permissions(tmp_path):
    target = tmp_path / "shared.jsonl"
    target.write_text("a\n", encoding="utf-8")
    target.chmod(0o644)
    files.atomic_write_text(target, "b\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.read_text(encoding="utf-8") == "b\n"


ATOMIC_WRITER = """
import sys
from etl.files import atomic_write_text
path, i = sys.argv[1], 0
print("ready", flush=True)
while True:
    i += 1
    atomic_write_text(path, f"version {i}\\n" * 20000)
"""


def _kill_at_random(args: list[str], rnd: random.Random, max_delay: float) -> None:
    proc = subprocess.Popen([sys.executable, "-c", *args], cwd=ROOT, env=ENV, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(rnd.uniform(0, max_delay))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()


def test_atomic_write_killed_mid_write_leaves_the_old_or_the_new_file_never_a_partial_one(tmp_path):
    target = tmp_path / "state.txt"
    rnd = random.Random(11)
    versions_seen = []
    for _ in range(12):
        _kill_at_random([ATOMIC_WRITER, str(target)], rnd, 0.25)
        if not target.exists():
            continue  # killed before the first rename: no file yet, which is the old state
        lines = target.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 20000 and len(set(lines)) == 1, "a partially written file is visible"
        versions_seen.append(lines[0])
    assert versions_seen, "the writer never got to write"


# -- corrections ----------------------------------------------------------------------------------------

APPENDER = """
import sys
from datetime import datetime
from etl import corrections
path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = int(sys.argv[4]) if len(sys.argv) > 4 else 0
print("ready", flush=True)
for i in range(start, start + n):
    record = corrections.make("f" + "0" * 15, "reject", f"reason {who} {i} " + "x" * 2000, who,
                              now=datetime(2024, 1, 1))
    record["correction_id"] = f"{who}-{i:05d}"
    corrections.append(path, record)
"""


def _ids(path: Path) -> list[str]:
    records, problems = corrections.load(path)
    assert problems == [], problems
    return [r["correction_id"] for r in records]


def test_corrections_append_killed_mid_write_never_leaves_a_partial_line(tmp_path):
    path = tmp_path / "corrections.jsonl"
    rnd = random.Random(5)
    counts = [0]
    for _ in range(10):
        _kill_at_random([APPENDER, str(path), "killed", "1000000", str(counts[-1])], rnd, 0.3)
        if path.exists():
            ids = _ids(path)  # every line parses: no torn write
            assert ids == [f"killed-{i:05d}" for i in range(len(ids))], "an earlier correction was lost"
            counts.append(len(ids))
    assert counts == sorted(counts) and counts[-1] > 0


def test_concurrent_corrections_from_several_analysts_are_all_kept(tmp_path):
    path = tmp_path / "corrections.jsonl"
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(path), f"analyst{k}", "25"], cwd=ROOT, env=ENV,
                              stdout=subprocess.DEVNULL) for k in range(4)]
    for proc in procs:
        assert proc.wait(timeout=60) == 0
    ids = _ids(path)
    assert len(ids) == 100 and len(set(ids)) == 100
    for k in range(4):  # each analyst's corrections in the order they were made
        assert [i for i in ids if i.startswith(f"analyst{k}-")] == [f"analyst{k}-{i:05d}" for i in range(25)]


def test_corrections_append_keeps_the_file_when_the_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / "corrections.jsonl"
    first = corrections.make("abc", "reject", "duplicate", "Li Wei")
    corrections.append(path, first)
    before = path.read_bytes()

    def replace(src, dst):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OSError):
        corrections.append(path, corrections.make("def", "reject", "duplicate", "Li Wei"))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["corrections.jsonl"]


# -- corrections and rebuilds ---------------------------------------------------------------------------

@pytest.fixture
def project(tmp_path, capsys):
    """articles/, corrections.jsonl beside it, and a first build."""
    articles = write_articles(tmp_path / "data" / "articles")
    db = tmp_path / "data" / "warehouse.duckdb"
    assert main(["build", "--articles", str(articles), "--db", str(db), "--quiet"]) == 0
    capsys.readouterr()
    return articles, db, tmp_path / "data" / "corrections.jsonl"


def _fact(db: Path, indicator: str) -> tuple[str, float]:
    con = served(db)
    try:
        return con.execute("SELECT fact_id, value FROM facts WHERE indicator = ?", [indicator]).fetchall()[0]
    finally:
        con.close()


def _rebuild_from_scratch(articles: Path, db: Path, capsys) -> str:
    """Delete the warehouse entirely (link and every build) and build again from the articles."""
    db.unlink()
    shutil.rmtree(db.with_name(db.name + ".versions"))
    assert main(["build", "--articles", str(articles), "--db", str(db), "--quiet"]) == 0
    return capsys.readouterr().out


def test_correction_survives_a_full_rebuild_from_the_articles(project, capsys):
    articles, db, path = project
    fact_id, value = _fact(db, "fie_new_count")
    assert value == 3512
    corrections.append(path, corrections.make(fact_id, "update", "the release says 3,521", "Li Wei",
                                              {"value": 3521}))
    out = _rebuild_from_scratch(articles, db, capsys)
    assert "1 corrections applied, 0 orphaned" in out
    con = served(db)
    raw = con.execute("SELECT value FROM facts WHERE fact_id = ?", [fact_id]).fetchall()
    current = con.execute("SELECT value, corrected, correction_reason FROM facts_current WHERE fact_id = ?",
                          [fact_id]).fetchall()
    status = con.execute("SELECT status FROM corrections").fetchall()
    con.close()
    assert raw == [(3512.0,)]  # the extracted fact is kept; the correction is applied over it
    assert current == [(3521.0, True, "the release says 3,521")]
    assert status == [("applied",)]
    summary = last_build(db)
    assert (summary["corrections_applied"], summary["corrections_orphaned"]) == (1, 0)


def test_rejected_fact_stays_rejected_after_a_full_rebuild(project, capsys):
    articles, db, path = project
    fact_id, _ = _fact(db, "regional_hq_count")
    corrections.append(path, corrections.make(fact_id, "reject", "a stock, not this year's figure", "Zhang Min"))
    _rebuild_from_scratch(articles, db, capsys)
    con = served(db)
    assert con.execute("SELECT count(*) FROM facts WHERE fact_id = ?", [fact_id]).fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM facts_current WHERE fact_id = ?", [fact_id]).fetchall() == [(0,)]
    con.close()


def test_correction_of_a_fact_that_does_not_exist_is_stored_as_orphaned_and_counted(project, capsys):
    articles, db, path = project
    corrections.append(path, corrections.make("0123456789abcdef", "update", "wrong year", "Li Wei", {"year": 2022}))
    out = _rebuild_from_scratch(articles, db, capsys)
    assert "0 corrections applied, 1 orphaned" in out
    con = served(db)
    rows = con.execute("SELECT fact_id, status, reason FROM corrections").fetchall()
    con.close()
    assert rows == [("0123456789abcdef", "orphaned", "wrong year")]
    assert last_build(db)["corrections_orphaned"] == 1


def test_correction_is_orphaned_while_its_article_is_gone_and_applies_again_when_it_returns(project, capsys):
    articles, db, path = project
    fact_id, _ = _fact(db, "rd_centers_new_count")
    corrections.append(path, corrections.make(fact_id, "update", "district figure", "Li Wei", {"geo": "Pudong"}))
    article = articles / "2023-11-09_rd_centres.txt"
    kept = article.read_bytes()
    article.unlink()
    assert main(["build", "--articles", str(articles), "--db", str(db), "--quiet"]) == 0
    assert "0 corrections applied, 1 orphaned" in capsys.readouterr().out
    article.write_bytes(kept)
    assert main(["build", "--articles", str(articles), "--db", str(db), "--quiet"]) == 0
    assert "1 corrections applied, 0 orphaned" in capsys.readouterr().out
    con = served(db)
    assert con.execute("SELECT geo FROM facts_current WHERE fact_id = ?", [fact_id]).fetchall() == [("Pudong",)]
    con.close()


def test_damaged_correction_lines_are_reported_and_the_rest_still_apply(project, capsys):
    articles, db, path = project
    fact_id, _ = _fact(db, "fie_new_count")
    good = corrections.make(fact_id, "update", "typo", "Li Wei", {"value": 3521}, now=datetime(2024, 5, 1))
    path.write_bytes(
        json.dumps(good).encode() + b"\n"
        + b"{not json\n"                                   # line 2
        + b"\xff\xfe\x00 latin garbage \xe9\n"              # line 3: not UTF-8
        + b"[1, 2, 3]\n"                                   # line 4: not an object
        + b'{"fact_id": "x", "action": "update"}\n'         # line 5: no created_at
        + b'{"fact_id": "abc", "action": "reject", "reason": "r", "auth'  # line 6: torn last line
    )
    assert main(["build", "--articles", str(articles), "--db", str(db), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "1 corrections applied" in out
    warnings = [line for line in err.splitlines() if line.startswith("warning ")]
    assert [w.split(": correction ignored")[0] for w in warnings] == [f"warning {path}:{n}" for n in (2, 3, 4, 5, 6)]
    assert "not UTF-8" in warnings[1] and "missing field 'created_at'" in warnings[3]
    assert len(last_build(db)["warnings"]) == 5
