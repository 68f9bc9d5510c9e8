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
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa

from etl import corrections as corrections_file
from etl import warehouse
from etl.articles import ArticleError, article_from_bytes, article_paths
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
    """Read and extract one article file. Runs in worker processes: no shared state."""
    try:
        stat = os.stat(path)
        with open(path, "rb") as fh:
            data = fh.read()
        p = Path(path)
        article = article_from_bytes(p.stem, data, path, suffix=p.suffix, today=today)
    except FileNotFoundError:
        return Loaded(path, problem=f"{path}: file disappeared before it could be read")
    except ArticleError as e:
        return Loaded(path, problem=str(e))
    except OSError as e:
        return Loaded(path, problem=f"{path}: cannot be read: {e.strerror or e}")
    result = extract(article)
    row = {
        "id": article.id, "title": article.title, "published": article.published, "year": article.year,
        "date_status": article.date_status, "date_inferred": article.date_status != "stated",
        "outlet": article.outlet, "path": path, "content_hash": hashlib.blake2b(data, digest_size=16).hexdigest(),
        "file_size": stat.st_size, "file_mtime_ns": stat.st_mtime_ns,
        "warnings": json.dumps(list(article.warnings)) if article.warnings else None, "text": article.text,
    }
    return Loaded(path, row, [f.to_dict() for f in result.facts], [u.to_dict() for u in result.unclassified],
                  warnings=[f"{path}: {w}" for w in article.warnings])


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

    Raises BuildError when nothing could be built; skipped files are not errors.
    """
    started = datetime.now(timezone.utc)
    today = today or date.today()
    if not articles_dir.is_dir():
        raise BuildError(f"{articles_dir}: articles directory not found")
    corrections_path = corrections_path or articles_dir.parent / "corrections.jsonl"
    version = _version_stamp()
    cached = warehouse.read_cached(db_path, version) or {}

    paths = article_paths(articles_dir)
    reuse_ids, to_extract, skipped, warnings = [], [], [], []
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
    hashes = {cached[i]["content_hash"]: i for i in reuse_ids}
    if reuse_ids:
        articles, facts, figures = warehouse.reuse(db_path, reuse_ids)
        article_tables.append(articles)
        fact_tables.append(facts)
        figure_tables.append(figures)

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

    corrections, problems = corrections_file.load(corrections_path)
    warnings.extend(problems)
    record = warehouse.BuildRecord(
        build_id=warehouse.new_build_id(started), started_at=started, articles_dir=str(articles_dir),
        articles_seen=len(paths), articles_loaded=len(new_articles) + len(reuse_ids),
        articles_reused=len(reuse_ids), skipped=skipped, warnings=warnings, extractor_version=version)
    try:
        return warehouse.write(db_path, record, article_tables, fact_tables, figure_tables, corrections)
    except OSError as e:
        raise BuildError(f"{e.filename or db_path}: cannot write the warehouse: {e.strerror or e}") from e


def run_build(articles_dir: Path, db_path: Path, *, progress: bool = True,
              corrections: Path | None = None) -> int:
    """The `python -m etl build` command: build, print a summary, return the exit code."""
    try:
        summary = build(articles_dir, db_path, corrections_path=corrections, progress=progress)
    except BuildError as e:
        print(f"build failed: {e}", file=sys.stderr)
        served = warehouse.version(db_path)
        print(f"the previous warehouse ({served}) is still served" if served else "no warehouse is served yet",
              file=sys.stderr)
        return 1
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
