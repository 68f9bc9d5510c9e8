"""Crash safety, measured: SIGKILL `python -m etl build` at random moments, N times.

    python -m benchmarks.kill_loop 200 [--articles 60] [--seed 7] [--max-delay SECONDS] [--keep DIR]

Writes a small synthetic corpus to a temp directory, builds it once, then
starts builds until N of them have been killed with SIGKILL, each after a
random delay (uniform between 0 and --max-delay; by default 1.1 times as long
as a build takes, measured on the first build and on those that finish before
their kill, which are checked too and do not count as kills). One article is edited now and then, so some builds have real work
to do. After every kill it opens the served warehouse (the symlink) read-only
and checks it holds exactly the facts and articles of the last build that
finished, or of the killed build if that one had already switched the link
(a switch is atomic: there is no third state). At the end a normal build must
complete and leave no debris. Prints one summary line; exits 1 on the first
violation.

`tests/test_faults_kill.py` runs the same loop with 50 kills.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISTRICTS = ["Pudong", "Minhang", "Jing'an District", "Xuhui District", "Qingpu District", "Jiading District"]


def synthetic_articles(count: int, seed: int = 7) -> dict[str, str]:
    """`count` small dated articles with three facts each; the same for the same seed.
    Invented text and random figures."""
    rnd = random.Random(seed)
    articles = {}
    for i in range(count):
        year = rnd.choice([2021, 2022, 2023])
        month = rnd.randint(2, 12)
        place = rnd.choice(DISTRICTS)
        articles[f"syn_{i:03d}"] = (
            f" date {year}-{month:02d}-{rnd.randint(1, 28):02d}\n"
            f"{place} set up {rnd.randint(20, 900):,} new foreign-invested enterprises in the first "
            f"{rnd.choice(['two', 'three', 'five', 'six'])} months of this year, officials said.\n\n"
            f"Actual use of foreign capital in {place} reached {rnd.randint(1, 90)}.{rnd.randint(1, 9)} "
            f"billion US dollars in the period, up {rnd.randint(1, 40)}.{rnd.randint(0, 9)} percent year on year.\n\n"
            f"The district welcomed {rnd.randint(2, 30)} new regional headquarters of multinational companies "
            f"in {year - 1}, according to the district government (note {i}).\n"
        )
    return articles


EDITED = (" date 2023-06-30\nSongjiang District set up 444 new foreign-invested enterprises in the first five "
          "months of this year, officials said.\n\nThe district welcomed 9 new regional headquarters of "
          "multinational companies in 2022.\n")


def _write(directory: Path, articles: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (directory / f"{name}.txt").write_text(text, encoding="utf-8")


def _state(db: Path) -> tuple:
    """What a reader of the served warehouse sees (its build id aside): opened read-only."""
    from etl import warehouse

    con = warehouse.connect_read(db)
    try:
        facts = con.execute("SELECT fact_id, indicator, value, geo, year FROM facts ORDER BY fact_id").fetchall()
        articles = con.execute("SELECT id, content_hash FROM articles ORDER BY id").fetchall()
        builds = con.execute("SELECT count(*), max(facts) FROM builds").fetchall()[0]
    finally:
        con.close()
    assert builds[0] == 1 and builds[1] == len(facts), f"builds row does not match the facts: {builds}"
    return tuple(facts), tuple(articles)


def _build_cmd(articles: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "etl", "build", "--articles", str(articles), "--db", str(db), "--quiet"]


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def kill_loop(workdir: Path, kills: int, *, articles: int = 60, seed: int = 7, max_delay: float | None = None,
              edit_every: float = 0.3, log=None) -> dict:
    """Run the loop in `workdir`; raise AssertionError on the first violation; return a summary."""
    from etl import warehouse
    from etl.build import build

    rnd = random.Random(seed)
    corpus = workdir / "data" / "articles"
    db = workdir / "data" / "warehouse.duckdb"
    base = synthetic_articles(articles, seed)
    variants = {"original": base["syn_000"], "edited": EDITED}

    # What a finished build of each version of the corpus serves, built in-process elsewhere.
    expected = {}
    for name, text in variants.items():
        ref = workdir / f"reference_{name}"
        _write(ref / "articles", {**base, "syn_000": text})
        build(ref / "articles", ref / "warehouse.duckdb", corrections_path=ref / "none.jsonl")
        expected[name] = _state(ref / "warehouse.duckdb")
    assert expected["original"] != expected["edited"]

    _write(corpus, base)
    started = time.monotonic()
    first = subprocess.run(_build_cmd(corpus, db), cwd=ROOT, env=_env(), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    one_build = time.monotonic() - started
    assert _state(db) == expected["original"]
    adaptive, durations = max_delay is None, [one_build]
    if max_delay is None:
        max_delay = min(max(one_build * 1.1, 0.3), 2.0)
    served_as, corpus_as = "original", "original"

    counts = {"runs": 0, "kills": 0, "finished_first": 0, "mid_write": 0, "after_switch": 0, "edits": 0}
    loop_start = time.monotonic()
    while counts["kills"] < kills:
        if counts["runs"] >= 4 * kills:
            raise AssertionError(f"only {counts['kills']} of {counts['runs']} builds could be killed before they "
                                 f"finished (delays 0-{max_delay:.2f} s)")
        i = counts["runs"]
        counts["runs"] += 1
        if rnd.random() < edit_every:
            corpus_as = "edited" if corpus_as == "original" else "original"
            (corpus / "syn_000.txt").write_text(variants[corpus_as], encoding="utf-8")
            counts["edits"] += 1
        before_files = set(os.listdir(warehouse.versions_dir(db)))
        served_before = warehouse.version(db)
        proc = subprocess.Popen(_build_cmd(corpus, db), cwd=ROOT, env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        launched = time.monotonic()
        deadline = launched + rnd.uniform(0, max_delay)
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.003)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        elif adaptive:  # it finished first: aim the delays at how long builds take now
            durations.append(time.monotonic() - launched)
            max_delay = 1.1 * statistics.median(durations[-9:])
        code = proc.wait()
        if code == 0:
            counts["finished_first"] += 1
        elif code == -signal.SIGKILL:
            counts["kills"] += 1
        else:
            raise AssertionError(f"run {i}: build exited {code} without being killed")

        state = _state(db)  # the served warehouse opens read-only, whole
        if state == expected[corpus_as] and (code == 0 or warehouse.version(db) != served_before):
            if code != 0:
                counts["after_switch"] += 1
            served_as = corpus_as
        elif code == 0:
            raise AssertionError(f"run {i}: a finished build serves the wrong facts")
        elif state != expected[served_as]:
            raise AssertionError(f"run {i} (killed): the served warehouse is neither the last good build "
                                 f"nor the killed one")
        new_files = set(os.listdir(warehouse.versions_dir(db))) - before_files - {f"{warehouse.version(db)}.duckdb"}
        if code != 0 and new_files:
            counts["mid_write"] += 1  # killed while its build file was being written
        if log:
            log(f"run {i}: exit {code}, serves {warehouse.version(db)} ({served_as} corpus), "
                f"leftovers {sorted(new_files)}")

    final = subprocess.run(_build_cmd(corpus, db), cwd=ROOT, env=_env(), capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert _state(db) == expected[corpus_as], "the final build does not serve the corpus"
    leftovers = sorted(os.listdir(warehouse.versions_dir(db)))
    assert len(leftovers) <= warehouse.KEEP_VERSIONS and all(f.endswith(".duckdb") for f in leftovers), leftovers
    stray_links = [p.name for p in db.parent.iterdir() if p.name.endswith(".link")]
    assert not stray_links, stray_links
    return {**counts, "seconds": round(time.monotonic() - loop_start, 1),
            "max_delay": round(max_delay, 2), "one_build": round(statistics.median(durations), 2)}


def summary_line(result: dict) -> str:
    return (f"kill_loop: {result['runs']} builds started, {result['kills']} SIGKILLed "
            f"({result['mid_write']} while writing their build file, {result['after_switch']} after switching), "
            f"{result['finished_first']} finished before the kill, {result['edits']} article edits; "
            f"the served warehouse opened read-only and was whole after every one; final build ok "
            f"[{result['seconds']} s, delays up to {result['max_delay']} s, a build takes {result['one_build']} s]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kills", type=int, help="how many builds to kill")
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-delay", type=float, default=None,
                        help="longest wait before the kill (default: a little over one build's time)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="kill_loop-") as tmp:
        workdir = args.keep or Path(tmp)
        try:
            result = kill_loop(workdir, args.kills, articles=args.articles, seed=args.seed,
                               max_delay=args.max_delay, log=print if args.verbose else None)
        except AssertionError as e:
            print(f"kill_loop: FAILED: {e}", file=sys.stderr)
            return 1
    print(summary_line(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
