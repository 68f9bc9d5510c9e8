"""Rebuilds that write little or nothing: the served build kept when nothing changed,
and the served file copied and patched when few articles changed. Either way the
data served must be what a complete write of the same files gives."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from _helpers_faults import ROOT, duckdb_files, last_build, snapshot, write_articles
from benchmarks.kill_loop import synthetic_articles
from etl import build as build_module
from etl import corrections, warehouse
from etl.__main__ import main
from etl.build import build

N = 40


@pytest.fixture
def corpus40(tmp_path):
    return write_articles(tmp_path / "data" / "articles", synthetic_articles(N, seed=11))


def _edit(corpus, name: str, text: str) -> None:
    (corpus / f"{name}.txt").write_text(text, encoding="utf-8")


def _tables(db) -> dict:
    """Every table of the served build but `builds`, rows sorted: what readers see."""
    con = warehouse.connect_read(db)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1").fetchall()]
        return {name: sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name in names if name != "builds"}
    finally:
        con.close()


def _full_build_of(tmp_path, corpus, corrections_path=None) -> tuple[dict, dict]:
    """A complete write of the same files into a warehouse of its own: (its tables, its build row)."""
    db = tmp_path / "reference" / "warehouse.duckdb"
    build(corpus, db, corrections_path=corrections_path or corpus.parent / "corrections.jsonl")
    return _tables(db), last_build(db)


def test_nothing_changed_keeps_the_served_build_and_writes_no_file(corpus40, db, capsys):
    assert main(["build", "--articles", str(corpus40), "--db", str(db), "--quiet"]) == 0
    before, files = snapshot(db), duckdb_files(db)
    capsys.readouterr()
    assert main(["build", "--articles", str(corpus40), "--db", str(db), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert f"nothing changed since build {before['build_id']}" in out and "still serves it" in out
    assert snapshot(db) == before and duckdb_files(db) == files
    summary = build(corpus40, db)
    assert summary["unchanged"] and summary["articles_reused"] == N and summary["build_id"] == before["build_id"]


def test_touched_but_identical_file_keeps_the_served_build(corpus40, db):
    build(corpus40, db)
    before = snapshot(db)
    path = corpus40 / "syn_003.txt"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # same bytes, new time
    assert build(corpus40, db).get("unchanged")
    assert snapshot(db) == before


def test_unchanged_bad_files_do_not_force_a_rewrite_and_are_still_reported(corpus40, db, capsys):
    (corpus40 / "empty.txt").write_bytes(b"")
    (corpus40 / "binary.txt").write_bytes(b"\x00\x01\x02" * 50)
    assert main(["build", "--articles", str(corpus40), "--db", str(db), "--quiet"]) == 0
    before = snapshot(db)
    capsys.readouterr()
    assert main(["build", "--articles", str(corpus40), "--db", str(db), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "nothing changed" in out and snapshot(db) == before
    assert sorted(line.split(":")[0] for line in err.splitlines()) == [
        f"skipped {corpus40 / 'binary.txt'}", f"skipped {corpus40 / 'empty.txt'}"]
    # The bad file changes (still bad): a new build, which still skips it.
    (corpus40 / "empty.txt").write_bytes(b"   \n")
    summary = build(corpus40, db)
    assert not summary.get("unchanged") and summary["articles_skipped"] == 2
    # The bad file is removed: a new build that no longer lists it.
    (corpus40 / "binary.txt").unlink()
    summary = build(corpus40, db)
    assert not summary.get("unchanged") and [s["file"] for s in last_build(db)["skipped"]] == [
        str(corpus40 / "empty.txt")]


def test_one_changed_file_is_patched_in_and_equals_a_complete_write(tmp_path, corpus40, db):
    build(corpus40, db)
    _edit(corpus40, "syn_005", synthetic_articles(N, seed=99)["syn_007"].replace("(note 7)", "(note 5b)"))
    summary = build(corpus40, db)
    assert summary["write_mode"] == "incremental"
    assert summary["articles_reused"] == N - 1 and summary["articles_loaded"] == N
    reference_tables, reference_build = _full_build_of(tmp_path, corpus40)
    assert reference_build["write_mode"] == "full"
    assert summary["data_hash"] == reference_build["data_hash"]
    assert _tables(db) == reference_tables
    con = warehouse.connect_read(db)
    try:
        assert con.execute("SELECT count(*) FROM builds").fetchall() == [(1,)]
        assert con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'delta'").fetchall() == [(0,)]
    finally:
        con.close()


def test_removed_file_rows_are_gone_and_added_file_rows_are_in(tmp_path, corpus40, db):
    build(corpus40, db)
    (corpus40 / "syn_010.txt").unlink()
    _edit(corpus40, "zz_new", synthetic_articles(N + 1, seed=5)[f"syn_{N:03d}"])
    summary = build(corpus40, db)
    assert summary["write_mode"] == "incremental"
    con = warehouse.connect_read(db)
    try:
        for table, key in (("articles", "id"), ("facts", "article"), ("facts_current", "article"),
                           ("unclassified_figures", "article")):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE {key} = ?", ["syn_010"]).fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM facts_current WHERE article = ?", ["zz_new"]).fetchall()[0][0] > 0
    finally:
        con.close()
    reference_tables, reference_build = _full_build_of(tmp_path, corpus40)
    assert summary["data_hash"] == reference_build["data_hash"] and _tables(db) == reference_tables


def test_a_corrections_change_forces_a_new_build_and_is_applied(tmp_path, corpus40, db):
    build(corpus40, db)
    before = snapshot(db)
    fact_id, value = before["facts"][0][:2]
    path = corpus40.parent / "corrections.jsonl"
    corrections.append(path, corrections.make(fact_id, "update", "typo", "Li Wei", {"value": value + 1}))
    summary = build(corpus40, db)
    assert not summary.get("unchanged") and summary["corrections_applied"] == 1
    con = warehouse.connect_read(db)
    try:
        assert con.execute("SELECT value, corrected FROM facts_current WHERE fact_id = ?",
                           [fact_id]).fetchall() == [(value + 1, True)]
    finally:
        con.close()
    reference_tables, reference_build = _full_build_of(tmp_path, corpus40, path)
    assert summary["data_hash"] == reference_build["data_hash"] and _tables(db) == reference_tables
    # A rejection, with an article changed in the same build.
    corrections.append(path, corrections.make(before["facts"][5][0], "reject", "not a figure", "Li Wei"))
    _edit(corpus40, "syn_020", synthetic_articles(N, seed=12)["syn_020"])
    summary = build(corpus40, db)
    assert summary["write_mode"] == "incremental" and summary["corrections_applied"] == 2
    reference_tables, reference_build = _full_build_of(tmp_path / "again", corpus40, path)
    assert summary["data_hash"] == reference_build["data_hash"] and _tables(db) == reference_tables


def test_many_changes_or_a_grown_file_write_in_full(corpus40, db, monkeypatch):
    build(corpus40, db)
    for i in range(N // 2):  # half the articles: more than INCREMENTAL_UP_TO
        _edit(corpus40, f"syn_{i:03d}", synthetic_articles(N, seed=13)[f"syn_{i:03d}"])
    assert build(corpus40, db)["write_mode"] == "full"
    _edit(corpus40, "syn_030", synthetic_articles(N, seed=14)["syn_030"])
    assert build(corpus40, db)["write_mode"] == "incremental"
    monkeypatch.setattr(build_module, "GROWTH_LIMIT", 0.5)  # as if the patched file had grown too much
    monkeypatch.setattr(build_module, "GROWTH_SLACK_BYTES", 0)
    _edit(corpus40, "syn_031", synthetic_articles(N, seed=14)["syn_031"])
    assert build(corpus40, db)["write_mode"] == "full"


def test_failure_during_an_incremental_write_keeps_the_served_build(corpus40, db, monkeypatch):
    build(corpus40, db)
    before, files = snapshot(db), duckdb_files(db)
    served_bytes = warehouse.current_file(db).read_bytes()
    _edit(corpus40, "syn_001", synthetic_articles(N, seed=15)["syn_001"])

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(warehouse, "_record_build", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(corpus40, db)
    assert snapshot(db) == before and duckdb_files(db) == files
    assert warehouse.current_file(db).read_bytes() == served_bytes


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and symlinks are POSIX")
def test_kill_during_an_incremental_write_leaves_the_old_build_served(tmp_path):
    corpus = write_articles(tmp_path / "data" / "articles", synthetic_articles(200, seed=3))
    db = tmp_path / "data" / "warehouse.duckdb"
    cmd = [sys.executable, "-m", "etl", "build", "--articles", str(corpus), "--db", str(db), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True).returncode == 0
    versions = warehouse.versions_dir(db)
    killed = 0
    for attempt in range(8):
        before = snapshot(db)
        served_bytes = warehouse.current_file(db).read_bytes()
        _edit(corpus, "syn_000", synthetic_articles(200, seed=3)["syn_000"] + f"\nRevision {attempt}.\n")
        existing = set(os.listdir(versions))
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            if set(os.listdir(versions)) - existing:  # its copy of the served file exists: it is patching
                time.sleep(0.001 * attempt * 3)  # at various moments of the patch
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
        code = proc.wait(timeout=30)
        if code == 0 or warehouse.version(db) != before["version"]:
            continue  # it finished (and switched) first
        assert code == -signal.SIGKILL
        assert snapshot(db) == before
        assert warehouse.current_file(db).read_bytes() == served_bytes
        killed += 1
    assert killed >= 1, "no kill landed while an incremental build was being written"
    # The next build discards what the killed ones left and patches in the last edit.
    summary = build(corpus, db)
    assert summary["write_mode"] == "incremental"
    assert len(duckdb_files(db)) <= warehouse.KEEP_VERSIONS
    reference_tables, reference_build = _full_build_of(tmp_path, corpus)
    assert summary["data_hash"] == reference_build["data_hash"] and _tables(db) == reference_tables
