"""A build: every article file in a directory, extracted and loaded as a new warehouse.

Articles whose file is unchanged since the served build (same path, size and
modification time, or failing that the same content hash) are not
re-extracted: their rows are copied from that build. The rest are extracted
in parallel when there are many. Files that cannot be read are skipped with a
one-line reason naming the file; the build goes on without them.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from etl import corrections as corrections_file
from etl import warehouse
from etl.articles import ARTICLE_SUFFIXES, ArticleError, article_from_bytes, article_paths, read_bytes
from etl.extract import EXTRACTOR_VERSION, extract

PARALLEL_FROM = 400
"""Below this many articles to extract, a process pool costs more than it saves."""


class BuildError(Exception):
    """The build could not complete; the previous warehouse is still the one served."""


@dataclass
class Loaded:
    """What one article file gave: its row, facts and unclassified figures, or why it was skipped."""
    path: str
    article: dict | None = None
    facts: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)


def _version_stamp() -> str:
    """The extractor version plus a hash of the catalog, so editing cues invalidates the cache."""
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted((Path(__file__).parent / "catalog").iterdir()):
        if path.is_file():
            digest.update(path.read_bytes())
    return f"{EXTRACTOR_VERSION}-{digest.hexdigest()}"


def load_file(path: str, today: date) -> Loaded:
    """Read and extract one article file. Runs in worker processes: no shared state.

    Never raises: a file that cannot be read, or an article that the extractor
    fails on, comes back as a `Loaded` with the problem, so one bad file cannot
    stop a build.
    """
    p = Path(path)
    try:
        data, stat = read_bytes(p)
        article = article_from_bytes(p.stem, data, path, suffix=p.suffix, today=today)
    except ArticleError as e:
        return Loaded(path, problem=str(e))
    except Exception as e:  # a bug in parsing must cost one article, not the build
        return Loaded(path, problem=f"{path}: could not be parsed ({_bug(e)})")
    try:
        result = extract(article)
        facts = [f.to_dict() for f in result.facts]
        figures = [u.to_dict() for u in result.unclassified]
    except Exception as e:
        return Loaded(path, problem=f"{path}: extraction failed ({_bug(e)})")
    row = {
        "id": article.id, "title": article.title, "published": article.published, "year": article.year,
        "date_status": article.date_status, "date_inferred": article.date_status != "stated",
        "outlet": article.outlet, "path": path, "content_hash": hashlib.blake2b(data, digest_size=16).hexdigest(),
        "file_size": stat.st_size, "file_mtime_ns": stat.st_mtime_ns,
        "warnings": json.dumps(list(article.warnings)) if article.warnings else None, "text": article.text,
    }
    return Loaded(path, row, facts, figures, warnings=[f"{path}: {w}" for w in article.warnings])


def _bug(e: Exception) -> str:
    """One line naming an unexpected exception and where it was raised, for the bug report."""
    frames = traceback.extract_tb(e.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(e).__name__}: {e}{where}".replace("\n", " ")[:300]


def _unchanged(path: Path, cached: dict | None) -> bool:
    if cached is None or cached["path"] != str(path):
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    if (stat.st_size, stat.st_mtime_ns) == (cached["file_size"], cached["file_mtime_ns"]):
        return True
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest() == cached["content_hash"]
    except OSError:
        return False


def _extract_all(paths: list[str], today: date, workers: int, progress: bool):
    if len(paths) < PARALLEL_FROM or workers <= 1:
        results = map(load_file, paths, [today] * len(paths))
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(load_file, paths, [today] * len(paths), chunksize=64)
    if progress and len(paths) >= 50:
        from tqdm import tqdm

        results = tqdm(results, total=len(paths), desc="extracting", unit="article", file=sys.stderr)
    try:
        yield from results
    finally:
        if pool is not None:
            pool.shutdown()


def build(articles_dir: Path, db_path: Path, *, corrections_path: Path | None = None,
          today: date | None = None, workers: int | None = None, progress: bool = False) -> dict:
    """Build a new warehouse from `articles_dir` and serve it. Returns the build's summary.

    Raises BuildError when no warehouse could be built (the one served before
    stays served); skipped files are not errors, but a build that would load
    no article at all is one, so that an empty or unreadable upload never
    replaces the dashboard's data with nothing.
    """
    started = datetime.now(timezone.utc)
    today = today or date.today()
    if not articles_dir.is_dir():
        raise BuildError(f"{articles_dir}: articles directory not found")
    corrections_path = corrections_path or articles_dir.parent / "corrections.jsonl"
    try:
        with warehouse.build_lock(db_path):
            return _build(articles_dir, db_path, corrections_path, started, today, workers, progress)
    except warehouse.BuildInProgress as e:
        raise BuildError(str(e)) from None
    except OSError as e:
        raise BuildError(f"{e.filename or db_path}: cannot write the warehouse: {e.strerror or e}") from e
    except duckdb.Error as e:  # a full disk or an I/O error inside DuckDB
        raise BuildError(f"{warehouse.versions_dir(db_path)}: cannot write the warehouse: "
                         f"{str(e).splitlines()[0]}") from e
    except BrokenProcessPool as e:
        raise BuildError(f"an extraction worker process died (out of memory?): {e}") from e


def _build(articles_dir: Path, db_path: Path, corrections_path: Path, started: datetime, today: date,
           workers: int | None, progress: bool) -> dict:
    version = _version_stamp()
    cached = warehouse.read_cached(db_path, version) or {}
    try:
        paths = article_paths(articles_dir)
    except OSError as e:
        raise BuildError(f"{articles_dir}: cannot list the articles directory: {e.strerror or e}") from None
    # Corrections are read before any work: a build that cannot read them must
    # not serve facts without them.
    try:
        corrections, problems = corrections_file.load(corrections_path)
    except OSError as e:
        raise BuildError(f"{corrections_path}: cannot read the corrections file: {e.strerror or e}") from None

    reuse_ids, to_extract, skipped, warnings = [], [], [], list(problems)
    seen_ids: dict[str, str] = {}
    for path in paths:
        if path.stem in seen_ids:
            skipped.append({"file": str(path), "reason": f"{path}: another file ({seen_ids[path.stem]}) "
                                                          f"already has the article id {path.stem!r}"})
            continue
        seen_ids[path.stem] = str(path)
        if _unchanged(path, cached.get(path.stem)):
            reuse_ids.append(path.stem)
        else:
            to_extract.append(str(path))

    article_tables, fact_tables, figure_tables = [], [], []
    if reuse_ids:
        try:
            articles, facts, figures = warehouse.reuse(db_path, reuse_ids)
        except duckdb.Error:  # the served build cannot be read back: extract everything again
            to_extract = sorted(to_extract + [seen_ids[i] for i in reuse_ids])
            reuse_ids = []
        else:
            article_tables.append(articles)
            fact_tables.append(facts)
            figure_tables.append(figures)
    hashes = {cached[i]["content_hash"]: i for i in reuse_ids}

    new_articles, new_facts, new_figures = [], [], []
    for loaded in _extract_all(to_extract, today, workers or os.cpu_count() or 1, progress):
        if loaded.problem:
            skipped.append({"file": loaded.path, "reason": loaded.problem})
            continue
        duplicate_of = hashes.get(loaded.article["content_hash"])
        if duplicate_of is not None:
            skipped.append({"file": loaded.path, "reason": f"{loaded.path}: duplicate of article {duplicate_of}"})
            continue
        hashes[loaded.article["content_hash"]] = loaded.article["id"]
        warnings.extend(loaded.warnings)
        new_articles.append(loaded.article)
        new_facts.extend(loaded.facts)
        new_figures.extend(loaded.figures)
    if new_articles:
        article_tables.append(pa.Table.from_pylist(new_articles))
    if new_facts:
        fact_tables.append(pa.Table.from_pylist(new_facts))
    if new_figures:
        figure_tables.append(pa.Table.from_pylist(new_figures))

    loaded_count = len(new_articles) + len(reuse_ids)
    if not loaded_count:
        if not paths:
            raise BuildError(f"{articles_dir}: no article files ({', '.join(sorted(ARTICLE_SUFFIXES))}) to build from")
        reasons = "; ".join(item["reason"] for item in skipped[:3]) + ("; ..." if len(skipped) > 3 else "")
        raise BuildError(f"none of the {len(paths)} article files in {articles_dir} could be loaded ({reasons})")
    record = warehouse.BuildRecord(
        build_id=warehouse.new_build_id(started), started_at=started, articles_dir=str(articles_dir),
        articles_seen=len(paths), articles_loaded=loaded_count,
        articles_reused=len(reuse_ids), skipped=skipped, warnings=warnings, extractor_version=version)
    return warehouse.write(db_path, record, article_tables, fact_tables, figure_tables, corrections)


def run_build(articles_dir: Path, db_path: Path, *, progress: bool = True,
              corrections: Path | None = None) -> int:
    """The `python -m etl build` command: build, print a summary, return the exit code.

    0: the build is served (files it skipped are listed, and are not failures);
    1: the build failed and the warehouse served before is still served;
    130: interrupted (Ctrl-C or SIGTERM), likewise.
    """
    try:
        with _sigterm_as_interrupt():
            summary = build(articles_dir, db_path, corrections_path=corrections, progress=progress)
    except (BuildError, KeyboardInterrupt) as e:
        interrupted = isinstance(e, KeyboardInterrupt)
        print("build interrupted" if interrupted else f"build failed: {e}", file=sys.stderr)
        served = warehouse.version(db_path)
        print(f"the previous warehouse ({served}) is still served" if served else "no warehouse is served yet",
              file=sys.stderr)
        return 130 if interrupted else 1
    for item in json.loads(summary["skipped"]):
        print(f"skipped {item['reason']}", file=sys.stderr)
    for warning in json.loads(summary["warnings"]):
        print(f"warning {warning}", file=sys.stderr)
    print(f"read {summary['articles_seen']} article files from {articles_dir}: "
          f"{summary['articles_loaded']} loaded ({summary['articles_reused']} unchanged, reused), "
          f"{summary['articles_skipped']} skipped")
    print(f"{summary['facts']} facts, {summary['unclassified']} unclassified figures, "
          f"{summary['corrections_applied']} corrections applied, {summary['corrections_orphaned']} orphaned")
    outcome = "succeeded" if not summary["articles_skipped"] else \
        f"succeeded with {summary['articles_skipped']} file(s) skipped"
    print(f"build {summary['build_id']} {outcome}; {db_path} now serves it")
    return 0


@contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (a service manager stopping the build) unwinds like Ctrl-C, so the
    partial build file is removed. SIGKILL cannot be caught: the atomic switch is
    what keeps the served warehouse whole then."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
