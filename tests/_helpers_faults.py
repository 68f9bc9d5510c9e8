"""Helpers for the fault and bad-input tests: small corpora in the project's own
words, running the CLI in-process or as a subprocess, reading the served build.

The articles here are invented for the tests (figures are arbitrary); none is
copied from a real report.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GOOD_ARTICLES = {
    "2023-07-20_fie_first_half": (
        " date 2023-07-20\n"
        "Shanghai set up 3,512 new foreign-invested enterprises in the first half of 2023, up 34.1 percent "
        "year on year, the municipal commerce commission said on Thursday.\n\n"
        "Actual use of foreign capital in the city reached 14.2 billion US dollars in the period.\n"
    ),
    "2024-02-01_pudong_hq": (
        " date 2024-02-01\n"
        "Pudong New Area welcomed 28 new regional headquarters of multinational companies in 2023, "
        "district officials told a briefing on Thursday.\n\n"
        "By the end of 2023, Shanghai was home to 956 regional headquarters of multinational companies.\n"
    ),
    "2023-11-09_rd_centres": (
        " date 2023-11-09\n"
        "Shanghai added 25 new foreign-invested R&D centers in the first ten months of this year, "
        "officials said on Monday.\n"
    ),
}


def write_articles(directory: Path, articles: dict[str, str | bytes] | None = None) -> Path:
    """Write article files (name without suffix gets .txt) and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in (GOOD_ARTICLES if articles is None else articles).items():
        path = directory / (name if Path(name).suffix else name + ".txt")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m etl ARGS` in a subprocess, from the project root."""
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})


def served(db: Path):
    """A read-only connection to the build the warehouse link serves."""
    from etl import warehouse

    return warehouse.connect_read(db)


def snapshot(db: Path) -> dict:
    """What a reader of the served warehouse sees: its build, facts and articles."""
    from etl import warehouse

    con = served(db)
    try:
        build_id, data_hash = con.execute(
            "SELECT build_id, data_hash FROM builds ORDER BY finished_at DESC LIMIT 1").fetchall()[0]
        facts = con.execute("SELECT fact_id, value, geo, year, indicator FROM facts ORDER BY fact_id").fetchall()
        articles = [r[0] for r in con.execute("SELECT id FROM articles ORDER BY id").fetchall()]
    finally:
        con.close()
    return {"version": warehouse.version(db), "build_id": build_id, "data_hash": data_hash,
            "facts": facts, "articles": articles}


def last_build(db: Path) -> dict:
    """The newest row of the served warehouse's `builds` table, with JSON columns decoded."""
    con = served(db)
    try:
        cursor = con.execute("SELECT * FROM builds ORDER BY finished_at DESC LIMIT 1")
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchall()[0]))
    finally:
        con.close()
    row["skipped"] = json.loads(row["skipped"] or "[]")
    row["warnings"] = json.loads(row["warnings"] or "[]")
    return row


def skip_reasons(db: Path) -> dict[str, str]:
    """File name -> reason, for every file the served build skipped."""
    return {Path(item["file"]).name: item["reason"] for item in last_build(db)["skipped"]}


def can_mount_tmpfs() -> bool:
    """Whether this machine lets the tests mount a small tmpfs (root in a sandbox that allows it)."""
    if os.geteuid() != 0 or sys.platform != "linux":
        return False
    probe = Path(f"/tmp/.etl-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)],
                            capture_output=True).returncode == 0
        if ok:
            subprocess.run(["umount", str(probe)], capture_output=True)
        return ok
    except OSError:
        return False
    finally:
        try:
            probe.rmdir()
        except OSError:
            pass


def duckdb_files(db: Path) -> list[str]:
    from etl import warehouse

    directory = warehouse.versions_dir(db)
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


__all__ = ["GOOD_ARTICLES", "ROOT", "can_mount_tmpfs", "duckdb_files", "last_build", "run_cli",
           "served", "skip_reasons", "snapshot", "write_articles"]
