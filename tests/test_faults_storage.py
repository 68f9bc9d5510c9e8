"""When the warehouse cannot be written, the build fails loudly and the warehouse
served before is served still, byte for byte.

Full disk and read-only directory are simulated where the write happens
(monkeypatched to raise the errors the OS and DuckDB raise), and, where this
machine lets the tests mount a small tmpfs, also produced for real.
"""
from __future__ import annotations

import errno
import fcntl
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from _helpers_faults import GOOD_ARTICLES, can_mount_tmpfs, duckdb_files, run_cli, snapshot, write_articles
from etl import warehouse
from etl.__main__ import main


@pytest.fixture
def built(corpus, db, capsys):
    """A warehouse already served, and the new article a second build would add."""
    assert main(["build", "--articles", str(corpus), "--db", str(db), "--quiet"]) == 0
    (corpus / "new_one.txt").write_text(
        " date 2023-09-09\nPutuo District set up 21 new foreign-invested enterprises in August.\n", encoding="utf-8")
    capsys.readouterr()
    return snapshot(db)


def build_cli(corpus, db, capsys):
    code = main(["build", "--articles", str(corpus), "--db", str(db), "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def file_bytes(db: Path) -> bytes:
    return warehouse.current_file(db).read_bytes()


def assert_failed_and_untouched(code, out, err, db, before, *fragments):
    assert code == 1, (out, err)
    assert err.startswith("build failed: "), err
    for fragment in fragments:
        assert fragment in err, err
    assert f"the previous warehouse ({before['version']}) is still served" in err
    assert "succeeded" not in out
    assert snapshot(db) == before
    assert duckdb_files(db) == [f"{before['version']}.duckdb"]  # the partial file is gone too


# Factories, not instances: a raised exception keeps the frames it passed through
# (and their DuckDB connections) alive for as long as it lives.
DISK_FULL_ERRORS = {
    "oserror": lambda: OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
    "duckdb-ioerror": lambda: duckdb.IOException('IO Error: Could not write file "x.duckdb": No space left on device'),
}


@pytest.mark.parametrize("error", DISK_FULL_ERRORS.values(), ids=DISK_FULL_ERRORS.keys())
def test_full_disk_fails_the_build_and_keeps_the_served_warehouse(corpus, db, built, capsys, monkeypatch, error):
    served_bytes = file_bytes(db)
    real_insert = warehouse._insert

    def insert_until_disk_full(con, table, data, columns):
        if table == "facts":
            raise error()
        return real_insert(con, table, data, columns)

    monkeypatch.setattr(warehouse, "_insert", insert_until_disk_full)
    code, out, err = build_cli(corpus, db, capsys)
    assert_failed_and_untouched(code, out, err, db, built, "cannot write the warehouse", "No space left on device")
    assert file_bytes(db) == served_bytes
    assert len(err.splitlines()) == 2  # a message, not a traceback


def test_read_only_data_directory_fails_the_build_and_keeps_the_served_warehouse(corpus, db, built, capsys,
                                                                                   monkeypatch):
    real_connect = duckdb.connect

    def connect(database=":memory:", read_only=False, *args, **kwargs):
        if not read_only and str(database).startswith(str(db.parent)):
            raise duckdb.IOException(f'IO Error: Cannot open file "{database}": Read-only file system')
        return real_connect(database, read_only, *args, **kwargs)

    monkeypatch.setattr(warehouse.duckdb, "connect", connect)
    code, out, err = build_cli(corpus, db, capsys)
    assert_failed_and_untouched(code, out, err, db, built, "cannot write the warehouse", "Read-only file system")


def test_failing_atomic_switch_keeps_the_served_warehouse(corpus, db, built, capsys, monkeypatch):
    def replace(src, dst):
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))

    monkeypatch.setattr(warehouse.os, "replace", replace)
    code, out, err = build_cli(corpus, db, capsys)
    assert_failed_and_untouched(code, out, err, db, built, "cannot write the warehouse", os.strerror(errno.EIO))


def test_interrupted_build_removes_its_partial_file_and_keeps_the_served_warehouse(corpus, db, built, capsys,
                                                                                    monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(warehouse, "_record_build", interrupted)
    try:
        code = main(["build", "--articles", str(corpus), "--db", str(db), "--quiet"])
    except KeyboardInterrupt:
        pytest.fail("the interrupt escaped the CLI with a traceback instead of a message")
    out, err = capsys.readouterr()
    assert code == 130 and err.startswith("build interrupted")
    assert snapshot(db) == built and duckdb_files(db) == [f"{built['version']}.duckdb"]


def test_second_build_while_one_is_running_is_refused(corpus, db, built, capsys):
    lock = db.with_name(f".{db.name}.lock")
    with open(lock, "r+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.seek(0)
        held.write("4242")
        held.truncate()
        held.flush()
        code, out, err = build_cli(corpus, db, capsys)
    assert_failed_and_untouched(code, out, err, db, built, "another build is running (process 4242)")
    assert build_cli(corpus, db, capsys)[0] == 0  # the lock is free again


def test_leftovers_of_killed_builds_are_discarded_and_the_previous_build_kept(corpus, db, built, capsys):
    versions = warehouse.versions_dir(db)
    partial = versions / "29991231T000000000000-dead01.duckdb"  # newer than the served build: never finished
    partial.write_bytes(b"half a build")
    (versions / (partial.name + ".wal")).write_bytes(b"wal")
    stale_link = db.with_name(f".{db.name}.29991231T000000000000-dead01.link")
    os.symlink(partial.name, stale_link)
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0, err
    after = snapshot(db)
    assert duckdb_files(db) == sorted([f"{built['version']}.duckdb", f"{after['version']}.duckdb"])
    assert not os.path.lexists(stale_link)


def test_unreadable_served_build_is_rebuilt_from_the_articles(corpus, db, built, capsys):
    target = warehouse.current_file(db)
    target.write_bytes(b"this is not a DuckDB file" * 100)
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0, err
    assert "(0 unchanged, reused)" in out
    assert len(snapshot(db)["articles"]) == len(GOOD_ARTICLES) + 1


def test_unreadable_corrections_file_fails_the_build_rather_than_dropping_corrections(corpus, db, built, capsys):
    corrections = corpus.parent / "corrections.jsonl"
    corrections.mkdir()  # reading it fails (as a permission error would)
    code, out, err = build_cli(corpus, db, capsys)
    assert_failed_and_untouched(code, out, err, db, built, str(corrections), "cannot read the corrections file")


# -- the same faults on a real filesystem ---------------------------------------------------------------

needs_mount = pytest.mark.skipif(not can_mount_tmpfs(), reason="mounting a tmpfs needs root in a sandbox that allows it")


@contextmanager
def tmpfs(size: str):
    mountpoint = Path(f"/tmp/etl-faults-{os.getpid()}-{size}")
    mountpoint.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mountpoint)], check=True)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)
        shutil.rmtree(mountpoint, ignore_errors=True)


def _first_build(root: Path) -> tuple[Path, Path, dict]:
    corpus = write_articles(root / "data" / "articles")
    db = root / "data" / "warehouse.duckdb"
    result = run_cli("build", "--articles", str(corpus), "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    (corpus / "new_one.txt").write_text(
        " date 2023-09-09\nPutuo District set up 21 new foreign-invested enterprises in August.\n", encoding="utf-8")
    return corpus, db, snapshot(db)


@needs_mount
def test_really_full_disk_fails_the_build_and_keeps_the_served_warehouse():
    with tmpfs("16m") as root:
        corpus, db, before = _first_build(root)
        served_bytes = file_bytes(db)
        # Fill the disk until half a build file fits: the served one stays, a second cannot be written.
        free = os.statvfs(root).f_bavail * os.statvfs(root).f_frsize
        (root / "filler").write_bytes(b"\0" * (free - len(served_bytes) // 2))
        result = run_cli("build", "--articles", str(corpus), "--db", str(db), "--quiet")
        assert result.returncode == 1, (result.stdout, result.stderr)
        assert result.stderr.startswith("build failed: ") and "No space left on device" in result.stderr
        assert "Traceback" not in result.stderr
        assert f"the previous warehouse ({before['version']}) is still served" in result.stderr
        assert snapshot(db) == before and file_bytes(db) == served_bytes
        assert duckdb_files(db) == [f"{before['version']}.duckdb"]


@needs_mount
def test_really_read_only_data_directory_fails_the_build_and_keeps_the_served_warehouse():
    with tmpfs("16m") as root:
        corpus, db, before = _first_build(root)
        subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
        result = run_cli("build", "--articles", str(corpus), "--db", str(db), "--quiet")
        assert result.returncode == 1, (result.stdout, result.stderr)
        assert result.stderr.startswith(f"build failed: {db.parent}: cannot write the warehouse: "
                                        "Read-only file system"), result.stderr
        assert "Traceback" not in result.stderr
        assert f"the previous warehouse ({before['version']}) is still served" in result.stderr
        assert snapshot(db) == before
