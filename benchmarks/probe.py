"""One measurement per process, so that peak memory and timings are its own.

    python -m benchmarks.probe extract   --articles DIR --limit N [--workers W]
    python -m benchmarks.probe build     --articles DIR --db PATH [--workers W]
    python -m benchmarks.probe reads     --db PATH [--seconds S]
    python -m benchmarks.probe quantulum --articles DIR --limit N
    python -m benchmarks.probe profile   --articles DIR --limit N [--top K]

Each prints one JSON object as its last line of output. `benchmarks.run`
starts these; they can also be run by hand. They read article files and
write only where told (--db); nothing touches data/.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import sys
import time
import warnings
from collections import Counter
from datetime import date
from pathlib import Path


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size in MB (Linux reports ru_maxrss in KB); for
    RUSAGE_CHILDREN, the largest of the children that have been waited for."""
    return resource.getrusage(who).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (pool workers), user + system."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _article_files(directory: str, limit: int | None) -> list[Path]:
    from etl.articles import article_paths

    paths = article_paths(directory)
    return paths[:limit] if limit else paths


def _read(paths: list[Path]) -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in paths]


# ------------------------------------------------------------------------------------------ extract


def _extract_chunk(chunk: list[tuple[str, str]]) -> tuple[int, int, Counter, list[list[dict]]]:
    """Parse and extract a batch of (id, text); the facts come back as dicts (rows, as a
    build makes them before turning them into Arrow tables)."""
    from etl.articles import parse_article
    from etl.extract import extract

    n_facts = n_unclassified = 0
    by_indicator: Counter = Counter()
    out = []
    for article_id, text in chunk:
        result = extract(parse_article(article_id, text))
        n_facts += len(result.facts)
        n_unclassified += len(result.unclassified)
        by_indicator.update(f.indicator for f in result.facts)
        out.append([f.to_dict() for f in result.facts] + [u.to_dict() for u in result.unclassified])
    return n_facts, n_unclassified, by_indicator, out


def _warm_up() -> None:
    """Compile the cue table, gazetteer and rates before timing (and before forking workers)."""
    from etl.articles import parse_article
    from etl.extract import extract

    extract(parse_article("warmup", " date 2023-05-04 Pudong saw 12 new foreign-invested enterprises in 2023, "
                                    "and FDI reached 1.2 billion yuan."))


def probe_extract(args) -> dict:
    texts = _read(_article_files(args.articles, args.limit))
    _warm_up()
    workers = args.workers
    chars = sum(len(t) for _, t in texts)
    cpu_started = time.process_time()
    cpu_all_started = _cpu_seconds()
    if workers <= 1:
        started = time.perf_counter()
        n_facts, n_unclassified, by_indicator, _ = _extract_chunk(texts)
        seconds = time.perf_counter() - started
        children_rss = 0.0
        cpu_seconds = time.process_time() - cpu_started
    else:
        from multiprocessing import get_context

        chunks = [texts[i:i + 32] for i in range(0, len(texts), 32)]
        ctx = get_context("fork")
        with ctx.Pool(workers) as pool:
            pool.map(abs, range(workers))  # workers up before the clock starts
            started = time.perf_counter()
            n_facts = n_unclassified = 0
            by_indicator = Counter()
            for f, u, c, _ in pool.imap_unordered(_extract_chunk, chunks):
                n_facts += f
                n_unclassified += u
                by_indicator.update(c)
            seconds = time.perf_counter() - started
            pool.close()
            pool.join()
        cpu_seconds = _cpu_seconds() - cpu_all_started  # parent + workers (workers include their warm-up)
        children_rss = _peak_rss_mb(resource.RUSAGE_CHILDREN)
    return {
        "cpu_seconds": cpu_seconds,
        "articles": len(texts), "workers": workers, "seconds": seconds,
        "articles_per_s": len(texts) / seconds if seconds else None,
        "mb_per_s": chars / 1e6 / seconds if seconds else None, "avg_chars": chars / max(len(texts), 1),
        "facts": n_facts, "unclassified": n_unclassified, "indicators": dict(by_indicator),
        "peak_rss_mb": _peak_rss_mb(), "peak_rss_worker_mb": children_rss,
    }


# -------------------------------------------------------------------------------------------- build


def _timed(phases: dict, name: str, fn):
    def wrapper(*a, **k):
        started = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - started
    return wrapper


def _timed_generator(phases: dict, name: str, fn):
    def wrapper(*a, **k):
        gen = fn(*a, **k)
        spent = 0.0
        try:
            while True:
                started = time.perf_counter()
                try:
                    item = next(gen)
                except StopIteration:
                    spent += time.perf_counter() - started
                    return
                spent += time.perf_counter() - started
                yield item
        finally:
            phases[name] = phases.get(name, 0.0) + spent
    return wrapper


_worker_extract_cpu = [0.0]
"""CPU seconds in extract() during the chunk a build worker is running (see probe_build)."""


def _with_probe_cpu(reduced, probe_cpu):
    """A chunk rebuilt from its own reduction, with the CPU its worker spent on it."""
    rebuild, arguments = reduced
    chunk = rebuild(*arguments)
    chunk.probe_cpu = probe_cpu
    return chunk


def probe_build(args) -> dict:
    """etl.build.build on a directory, with the time of each phase (the module's own
    functions wrapped with timers in this process only; nothing in etl/ is changed)."""
    import etl.build as build_module
    from etl import warehouse

    phases: dict[str, float] = {}
    build_module.article_files = _timed(phases, "list files", build_module.article_files)
    build_module._unchanged = _timed(phases, "check unchanged (stat/hash)", build_module._unchanged)
    warehouse.read_served = _timed(phases, "read cache index", warehouse.read_served)
    warehouse.reuse = _timed(phases, "copy unchanged rows", warehouse.reuse)
    # Extraction starts in worker processes before the write and runs beside it (chunks
    # are inserted as they arrive): the time the write waits for chunks is reported on
    # its own and taken out of the write's.
    writes: dict[str, float] = {}
    warehouse.write_with = _timed(writes, "write warehouse", warehouse.write_with)
    warehouse.write_incremental = _timed(writes, "write warehouse", warehouse.write_incremental)
    # Inside the write (reported apart, not added to the total twice).
    detail: dict[str, float] = {}
    original_insert = warehouse._insert

    def insert(con, table, *a, **k):
        return _timed(detail, f"insert {table}", original_insert)(con, table, *a, **k)
    warehouse._insert = insert
    warehouse._record_build = _timed(detail, "data hash + build record", warehouse._record_build)

    # CPU split: the parent (with DuckDB's threads) before and after the last chunk
    # arrives; in chunks, extract() apart from the rest (read, parse, Arrow tables);
    # what the workers spent outside chunks (pickling results, the pool's own work) is
    # their total less their chunks. A build too small for a pool runs its chunks in
    # the parent: they are then counted in the parent's CPU too.
    cpu: dict[str, float] = {}
    worker_cpu = {"extract": 0.0, "chunk": 0.0}
    original_extract, original_load_chunk = build_module.extract, build_module.load_chunk

    def extract(article):
        started = time.process_time()
        try:
            return original_extract(article)
        finally:
            _worker_extract_cpu[0] += time.process_time() - started

    @functools.wraps(original_load_chunk)  # pickled by name: workers look it up in etl.build
    def load_chunk(*a, **k):
        _worker_extract_cpu[0] = 0.0
        started = time.process_time()
        chunk = original_load_chunk(*a, **k)
        chunk.probe_cpu = (_worker_extract_cpu[0], time.process_time() - started)
        return chunk

    # A chunk crosses to the parent as its own __reduce__ says, which knows nothing of
    # the attribute above: it is carried beside it (workers fork after this patch).
    original_reduce = build_module.Chunk.__reduce__

    def reduce_with_cpu(chunk):
        return _with_probe_cpu, (original_reduce(chunk), getattr(chunk, "probe_cpu", None))
    build_module.Chunk.__reduce__ = reduce_with_cpu

    def counted(chunks, bar):
        for chunk in chunks:
            extract_cpu, chunk_cpu = getattr(chunk, "probe_cpu", (0.0, 0.0))
            worker_cpu["extract"] += extract_cpu
            worker_cpu["chunk"] += chunk_cpu
            yield chunk
        cpu["last chunk"] = time.perf_counter(), time.process_time()

    build_module.extract, build_module.load_chunk = extract, load_chunk
    build_module._counted = _timed_generator(phases, "wait for extraction", counted)

    db = Path(args.db)
    cpu_started = _cpu_seconds()
    parent_started = time.process_time()
    started = time.perf_counter()
    summary = build_module.build(Path(args.articles), db, workers=args.workers or None, progress=False,
                                 today=date.today())
    seconds = time.perf_counter() - started
    parent_cpu = time.process_time() - parent_started
    all_cpu = _cpu_seconds() - cpu_started
    last_wall, last_cpu = cpu.get("last chunk", (time.perf_counter(), time.process_time()))
    workers_total = all_cpu - parent_cpu
    cpu_split = {
        "parent until last chunk": last_cpu - parent_started,
        "parent after last chunk": parent_cpu - (last_cpu - parent_started),
        "chunks: extract()": worker_cpu["extract"], "chunks: the rest": worker_cpu["chunk"] - worker_cpu["extract"],
        "workers outside chunks": max(0.0, workers_total - worker_cpu["chunk"]),
    }
    tail_seconds = started + seconds - last_wall
    if "write warehouse" in writes:
        phases["write warehouse"] = writes["write warehouse"] - phases.get("wait for extraction", 0.0)
    phases["other (arrow tables, bookkeeping)"] = seconds - sum(phases.values())
    if "write warehouse" in phases:
        inside = sum(detail.values())
        detail["schema or copy, derived tables, checkpoint"] = phases["write warehouse"] - inside
    target = warehouse.current_file(db)
    size = target.stat().st_size if target else 0
    wal = target.with_name(target.name + ".wal") if target else None
    if wal is not None and wal.exists():
        size += wal.stat().st_size
    return {
        "seconds": seconds, "phases": phases, "write_detail": detail, "articles_seen": summary["articles_seen"],
        "articles_loaded": summary["articles_loaded"], "articles_reused": summary["articles_reused"],
        "articles_skipped": summary["articles_skipped"], "facts": summary["facts"],
        "unclassified": summary["unclassified"], "warehouse_bytes": size, "data_hash": summary.get("data_hash"),
        "write_mode": summary.get("write_mode"), "unchanged": bool(summary.get("unchanged")),
        "peak_rss_mb": _peak_rss_mb(), "peak_rss_worker_mb": _peak_rss_mb(resource.RUSAGE_CHILDREN),
        "cpu_seconds": all_cpu, "cpu_split": cpu_split, "seconds_after_last_chunk": tail_seconds,
    }


READ_QUERIES = {
    # Representative reads of a dashboard over the warehouse (not the app's own SQL: the
    # dashboard's page timings belong in their own section of benchmarks.run).
    "aggregate all facts by indicator, year, geo":
        "SELECT indicator, year, geo, count(*) AS n, sum(value) AS total FROM facts_current GROUP BY ALL",
    "one indicator in one district, newest 2,000 rows":
        "SELECT * FROM facts_current WHERE indicator = 'fdi_actual_usd' AND geo = 'Pudong' "
        "ORDER BY year DESC, fact_id LIMIT 2000",
    "one article and its facts":
        "SELECT a.title, a.text, f.indicator, f.value FROM articles a LEFT JOIN facts_current f ON f.article = a.id "
        "WHERE a.id = (SELECT min(id) FROM articles)",
}


def probe_reads(args) -> dict:
    """Latency of representative read queries on a built warehouse (read-only), and the
    throughput of the mix with 1, 2 and 4 threads sharing one connection (a cursor each)."""
    import statistics
    import threading

    from etl import warehouse

    con = warehouse.connect_read(Path(args.db))
    try:
        latency = {}
        for name, sql in READ_QUERIES.items():
            times = []
            for _ in range(7):
                started = time.perf_counter()
                con.execute(sql).fetchall()
                times.append(time.perf_counter() - started)
            latency[name] = statistics.median(times[1:])
        throughput = {}
        duration = args.seconds
        for threads in (1, 2, 4):
            done = [0] * threads
            stop = time.perf_counter() + duration

            def work(k):
                cursor = con.cursor()
                try:
                    while time.perf_counter() < stop:
                        for sql in READ_QUERIES.values():
                            cursor.execute(sql).fetchall()
                        done[k] += 1
                finally:
                    cursor.close()
            pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
            started = time.perf_counter()
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            throughput[threads] = sum(done) / (time.perf_counter() - started)
        facts, = con.execute("SELECT count(*) FROM facts_current").fetchall()[0]
    finally:
        con.close()
    return {"latency": latency, "mix_per_s": throughput, "facts": facts, "peak_rss_mb": _peak_rss_mb()}


# ---------------------------------------------------------------------------------------- quantulum


def probe_quantulum(args) -> dict:
    """quantulum3 and the extractor on the same articles, in the same process."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from quantulum3 import parser as q_parser
    except Exception as e:  # not installed, or broken: the runner reports the row as skipped
        return {"available": False, "reason": f"{type(e).__name__}: {e}"}
    from etl.articles import parse_article
    from etl.extract import extract

    texts = _read(_article_files(args.articles, args.limit))
    articles = [parse_article(i, t) for i, t in texts]
    _warm_up()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q_parser.parse("warm up: 3 dollars and 5 percent")
        started = time.perf_counter()
        quantities = sum(len(q_parser.parse(a.text)) for a in articles)
        q_seconds = time.perf_counter() - started
    started = time.perf_counter()
    figures = 0
    for a in articles:
        r = extract(a)
        figures += len(r.facts) + len(r.unclassified)
    e_seconds = time.perf_counter() - started
    try:
        from importlib.metadata import version
        q_version = version("quantulum3")
    except Exception:
        q_version = "?"
    try:
        import sklearn  # noqa: F401  the optional disambiguation classifier
        classifier = True
    except ImportError:
        classifier = False
    return {
        "available": True, "version": q_version, "classifier": classifier, "articles": len(articles),
        "quantulum_seconds": q_seconds, "quantulum_per_s": len(articles) / q_seconds,
        "quantulum_quantities": quantities, "extractor_seconds": e_seconds,
        "extractor_per_s": len(articles) / e_seconds, "extractor_figures": figures,
        "ratio": q_seconds / e_seconds,
    }


# ------------------------------------------------------------------------------------------ profile


def probe_profile(args) -> dict:
    """A sampling profile (pyinstrument) of parse + extract in one process.

    Two views: functions by the time spent in their own code *including* the C
    calls they make directly (regex searches are C calls, and most of the time),
    and etl functions by inclusive time.
    """
    try:
        from pyinstrument import Profiler
    except ImportError as e:
        return {"available": False, "reason": f"{type(e).__name__}: {e}"}
    from etl.articles import parse_article
    from etl.extract import extract

    texts = _read(_article_files(args.articles, args.limit))
    _warm_up()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for article_id, text in texts:
        extract(parse_article(article_id, text))
    profiler.stop()
    session = profiler.last_session
    root = session.root_frame()

    own: Counter = Counter()
    inclusive: Counter = Counter()

    def name(frame) -> str:
        path = frame.file_path or ""
        short = path.split("/work/main/")[-1] if "/etl/" in path else (frame.file_path_short or path)
        return f"{frame.function} ({short}:{frame.line_no})" if frame.line_no else f"{frame.function} ({short})"

    def is_builtin(frame) -> bool:
        return (frame.file_path or "").startswith("<") or frame.function.startswith("Pattern.")

    def walk(frame, stack: tuple) -> None:
        key = name(frame)
        real = [c for c in frame.children if not c.is_synthetic]
        own[key] += frame.total_self_time + sum(c.time for c in real if is_builtin(c))
        if "/etl/" in (frame.file_path or "") and key not in stack:
            inclusive[key] += frame.time
        for child in real:
            if not is_builtin(child):
                walk(child, stack + (key,))

    walk(root, ())
    total = root.time
    top = args.top
    return {
        "available": True, "articles": len(texts), "seconds": session.duration, "samples": session.sample_count,
        "total": total,
        "own": [[k, v, v / total] for k, v in own.most_common(top)],
        "inclusive": [[k, v, v / total] for k, v in inclusive.most_common(top)],
        "text": profiler.output_text(unicode=False, color=False),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.probe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="task", required=True)
    for task in ("extract", "build", "reads", "quantulum", "profile"):
        p = sub.add_parser(task)
        p.add_argument("--articles", required=task != "reads")
        p.add_argument("--limit", type=int, default=None)
        p.add_argument("--workers", type=int, default=1 if task == "extract" else 0)
        p.add_argument("--db", default=None)
        p.add_argument("--top", type=int, default=12)
        p.add_argument("--seconds", type=float, default=3.0, help="reads: seconds per thread count")
    args = parser.parse_args(argv)
    if args.task in ("build", "reads") and not args.db:
        parser.error(f"{args.task} needs --db")
    result = {"extract": probe_extract, "build": probe_build, "reads": probe_reads,
              "quantulum": probe_quantulum,
              "profile": probe_profile}[args.task](args)
    sys.stdout.write(json.dumps(result, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
