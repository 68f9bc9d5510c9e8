"""A build: every article file in a directory, extracted and loaded as a new warehouse.

Articles whose file is unchanged since the served build (same path, size and
modification time, or failing that the same content hash) are not
re-extracted. The rest are extracted in parallel when there are many, in
chunks that the worker processes turn into Arrow tables; the parent appends
each chunk to the new build as it arrives. Files that cannot be read are
skipped with a one-line reason naming the file; the build goes on without them.

Three ways a build ends, decided from what changed since the served build:

- nothing changed (no article file added, removed or changed, the files it
  skipped are the same, same corrections, extractor and SQL): the served build
  already is the result; no file is written;
- few articles changed (at most INCREMENTAL_UP_TO of them) and the served file
  has not grown by GROWTH_LIMIT since it was last written in full: the served
  file is copied and patched (`warehouse.write_incremental`);
- otherwise a complete new file, unchanged articles' rows copied from the
  served build (`warehouse.write_with`).

Both writes switch the served link atomically, and hold the same data.
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
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from operator import attrgetter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from etl import corrections as corrections_file
from etl import warehouse
from etl.articles import ARTICLE_SUFFIXES, ArticleError, ArticleFile, article_files, article_from_bytes, read_bytes
from etl.extract import EXTRACTOR_VERSION, Fact, UnclassifiedFigure, extract

PARALLEL_FROM = 400
"""Below this many articles to extract, a process pool costs more than it saves."""

CHUNK_FILES = 64
"""Files per extraction task: each comes back as one Arrow table per row kind."""

INSERT_BATCH_FILES = 2048
"""Extracted files whose rows are appended to the warehouse in one INSERT per table.
Each INSERT has a fixed cost (~5 ms): appending every 64-file chunk on its own cost
1.8 s per 10,000 articles, batches of this size 0.4 s."""

INCREMENTAL_UP_TO = 0.25
"""Patch the served build when at most this share of its articles changed or went away."""

GROWTH_LIMIT = 1.25
"""Write in full when patched builds have grown the file by this factor over its last
complete write (deleted rows stay in the file), per article served."""

GROWTH_SLACK_BYTES = 16_000_000
"""Growth below this many bytes never forces a complete write (a small file grows by
whole blocks)."""


class BuildError(Exception):
    """The build could not complete; the previous warehouse is still the one served."""


@dataclass
class Loaded:
    """What one article file gave: its row, facts and unclassified figures, or why it was skipped."""
    path: str
    article: dict | None = None
    facts: list[Fact] = field(default_factory=list)
    figures: list[UnclassifiedFigure] = field(default_factory=list)
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
    except Exception as e:
        return Loaded(path, problem=f"{path}: extraction failed ({_bug(e)})")
    row = {
        "id": article.id, "title": article.title, "published": article.published, "year": article.year,
        "date_status": article.date_status, "date_inferred": article.date_status != "stated",
        "outlet": article.outlet, "path": path, "content_hash": hashlib.blake2b(data, digest_size=16).hexdigest(),
        "file_size": stat.st_size, "file_mtime_ns": stat.st_mtime_ns,
        "warnings": json.dumps(list(article.warnings)) if article.warnings else None, "text": article.text,
    }
    return Loaded(path, row, result.facts, result.unclassified, warnings=[f"{path}: {w}" for w in article.warnings])


def _bug(e: Exception) -> str:
    """One line naming an unexpected exception and where it was raised, for the bug report."""
    frames = traceback.extract_tb(e.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(e).__name__}: {e}{where}".replace("\n", " ")[:300]


@dataclass
class Chunk:
    """What a chunk of article files gave, as a worker hands it back: one outcome per
    file in order (path, problem, article id, content hash, warnings) and the rows of
    the files that loaded, as Arrow tables."""
    outcomes: list[tuple[str, str | None, str | None, str | None, list[str]]]
    articles: pa.Table | None = None
    facts: pa.Table | None = None
    figures: pa.Table | None = None

    def __reduce__(self):
        # A process pool pickles what workers return with pickle's default protocol (4),
        # under which pyarrow copies every buffer through a bytes object of its own: 16 us
        # per synthetic article to pickle a chunk and 5 more to unpickle it. One Arrow IPC
        # stream per table goes there and back in 6 us.
        return _chunk_from_streams, (self.outcomes, *map(_stream, (self.articles, self.facts, self.figures)))


def _stream(table: pa.Table | None) -> bytes | None:
    if table is None:
        return None
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _chunk_from_streams(outcomes, *streams: bytes | None) -> Chunk:
    return Chunk(outcomes, *(None if data is None else pa.ipc.open_stream(data).read_all() for data in streams))


def load_chunk(paths: list[str], today: date) -> Chunk:
    """Read and extract a chunk of article files; rows as typed Arrow tables. Runs in workers."""
    loaded = [load_file(path, today) for path in paths]
    good = [x for x in loaded if x.problem is None]
    chunk = Chunk([(x.path, x.problem, x.article["id"] if x.article else None,
                    x.article["content_hash"] if x.article else None, x.warnings) for x in loaded])
    if good:
        chunk.articles = pa.Table.from_pylist([x.article for x in good], schema=warehouse.ARTICLE_ARROW)
        chunk.facts = _fact_table(good)
        chunk.figures = _table([f for x in good for f in x.figures], warehouse.FIGURE_ARROW)
    return chunk


_EXTRACTED_FACT_ARROW = warehouse.FACT_ARROW.remove(warehouse.FACT_ARROW.get_field_index("figure_text"))
"""A fact's columns that are attributes of `extract.Fact`."""


def _fact_table(loaded: list[Loaded]) -> pa.Table:
    """The facts of loaded articles, each with the figure as its article writes it."""
    table = _table([f for x in loaded for f in x.facts], _EXTRACTED_FACT_ARROW)
    figure_texts = [x.article["text"][f.char_start:f.char_end] for x in loaded for f in x.facts]
    return table.append_column(warehouse.FACT_ARROW.field("figure_text"), pa.array(figure_texts, pa.string()))


def _table(items: list, schema: pa.Schema) -> pa.Table:
    """The attributes of `items` named in `schema`, as a typed table: built column by
    column, with no dict per row (16 us per synthetic article against 22 for `to_dict`
    and `Table.from_pylist`)."""
    rows = list(map(attrgetter(*schema.names), items))
    columns = zip(*rows) if rows else [()] * len(schema)
    return pa.Table.from_arrays([pa.array(column, type=f.type) for column, f in zip(columns, schema)], schema=schema)


def _unchanged(file: ArticleFile, cached: dict | None) -> bool:
    if cached is None or cached["path"] != file.path:
        return False
    if (file.size, file.mtime_ns) == (cached["file_size"], cached["file_mtime_ns"]):
        return True
    try:
        return hashlib.blake2b(Path(file.path).read_bytes(), digest_size=16).hexdigest() == cached["content_hash"]
    except OSError:
        return False


@contextmanager
def _extraction(paths: list[str], today: date, workers: int, progress: bool):
    """The extracted chunks of `paths`, in order, as an iterator.

    With a process pool every chunk is handed to the workers on entry, so files are
    extracted while the write creates or copies the warehouse and deletes changed
    rows; leaving the block stops the workers whether or not all were read.
    """
    size = CHUNK_FILES
    if len(paths) < PARALLEL_FROM or workers <= 1:
        chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
        results = map(load_chunk, chunks, [today] * len(chunks))
        pool = None
    else:
        size = max(1, min(CHUNK_FILES, len(paths) // (workers * 4)))
        chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
        # pyarrow imports pandas on its first conversion of Python values (0.3 s of CPU):
        # once here, before the workers fork, instead of once in each of them.
        pa.array([], pa.string())
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(load_chunk, chunks, [today] * len(chunks))
    bar = None
    if progress and len(paths) >= 50:
        from tqdm import tqdm

        bar = tqdm(total=len(paths), desc="extracting", unit="article", file=sys.stderr)
    try:
        yield _counted(results, bar)
    finally:
        if bar is not None:
            bar.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _counted(chunks, bar):
    for chunk in chunks:
        if bar is not None:
            bar.update(len(chunk.outcomes))
        yield chunk


def build(articles_dir: Path, db_path: Path, *, corrections_path: Path | None = None,
          today: date | None = None, workers: int | None = None, progress: bool = False) -> dict:
    """Build a new warehouse from `articles_dir` and serve it. Returns the build's summary.

    When nothing changed since the served build, nothing is written and the
    summary is the served build's, with `unchanged` true. Raises BuildError
    when no warehouse could be built (the one served before stays served);
    skipped files are not errors, but a build that would load no article at
    all is one, so that an empty or unreadable upload never replaces the
    dashboard's data with nothing.
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


def _corrections_hash(corrections: list[dict], problems: list[str]) -> str:
    text = json.dumps([corrections, problems], sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _skip(file: ArticleFile | None, path: str, reason: str) -> dict:
    """A skipped file, with the size and time its listing saw, so that a later build
    can tell it is the same file (and keep the served build) without reading it."""
    item = {"file": path, "reason": reason}
    if file is not None:
        item.update(size=file.size, mtime_ns=file.mtime_ns)
    return item


def _nothing_changed(served: warehouse.Served, inputs: dict, unreused: list[ArticleFile], gone: list[str]) -> bool:
    """Whether the served build is what this build would write: same corrections and
    SQL, every article it loaded unchanged and present, and every other file listed
    now one it skipped, unchanged (same size and modification time)."""
    if gone or any(served.inputs.get(k) != v for k, v in inputs.items()):
        return False
    skipped = {item.get("file"): item for item in served.skipped}
    if len(skipped) != len(unreused):
        return False
    for file in unreused:
        item = skipped.get(file.path)
        if item is None or (item.get("size"), item.get("mtime_ns")) != (file.size, file.mtime_ns):
            return False
    return True


def _patch_base(served: warehouse.Served, inputs: dict, changes: int) -> dict | None:
    """The served build's last complete write (its bytes and articles) when patching it
    is worth it; None when a complete write is due."""
    if served.inputs.get("schema") != inputs["schema"] or not served.articles:
        return None
    if changes > INCREMENTAL_UP_TO * len(served.articles):
        return None
    if served.build.get("write_mode") == "incremental":
        base = {k: served.inputs.get(k) for k in ("full_bytes", "full_articles")}
    else:
        base = {"full_bytes": served.file_bytes, "full_articles": len(served.articles)}
    if not base["full_bytes"] or not base["full_articles"]:
        return None
    per_article = base["full_bytes"] / base["full_articles"]
    expected = per_article * max(len(served.articles), base["full_articles"])
    if served.file_bytes > GROWTH_LIMIT * expected + GROWTH_SLACK_BYTES:
        return None
    return base


def _build(articles_dir: Path, db_path: Path, corrections_path: Path, started: datetime, today: date,
           workers: int | None, progress: bool) -> dict:
    version = _version_stamp()
    served = warehouse.read_served(db_path, version)
    cached = served.articles if served is not None else {}
    try:
        files = article_files(articles_dir)
    except OSError as e:
        raise BuildError(f"{articles_dir}: cannot list the articles directory: {e.strerror or e}") from None
    # Corrections are read before any work: a build that cannot read them must
    # not serve facts without them.
    try:
        corrections, problems = corrections_file.load(corrections_path)
    except OSError as e:
        raise BuildError(f"{corrections_path}: cannot read the corrections file: {e.strerror or e}") from None
    inputs = {"corrections": _corrections_hash(corrections, problems), "schema": warehouse.schema_hash()}

    if not files:
        raise BuildError(f"{articles_dir}: no article files ({', '.join(sorted(ARTICLE_SUFFIXES))}) to build from")
    reuse_ids, to_extract, skipped, warnings = [], [], [], list(problems)
    seen_ids: dict[str, ArticleFile] = {}
    duplicate_ids: list[ArticleFile] = []
    for file in files:
        stem = file.stem
        if stem in seen_ids:
            duplicate_ids.append(file)
            skipped.append(_skip(file, file.path, f"{file.path}: another file ({seen_ids[stem].path}) "
                                                       f"already has the article id {stem!r}"))
            continue
        seen_ids[stem] = file
        if _unchanged(file, cached.get(stem)):
            reuse_ids.append(stem)
        else:
            to_extract.append(file)
    reused = set(reuse_ids)
    gone = [i for i in cached if i not in reused]

    if served is not None and _nothing_changed(served, inputs, duplicate_ids + to_extract, gone):
        warehouse.discard_unfinished(db_path)  # what killed builds left behind
        summary = dict(served.build)
        summary.update(articles_seen=len(files), articles_reused=summary["articles_loaded"], unchanged=True)
        return summary

    base = _patch_base(served, inputs, len(to_extract) + len(gone)) if served is not None else None
    reused_tables = None
    if base is None and reuse_ids:
        try:
            reused_tables = warehouse.reuse(db_path, reuse_ids)
        except duckdb.Error:  # the served build cannot be read back: extract everything again
            to_extract = sorted(to_extract + [seen_ids[i] for i in reuse_ids], key=lambda f: f.path)
            reuse_ids = []
    by_path = {f.path: f for f in to_extract}

    record = warehouse.BuildRecord(
        build_id=warehouse.new_build_id(started), started_at=started, articles_dir=str(articles_dir),
        articles_seen=len(files), articles_loaded=len(reuse_ids), articles_reused=len(reuse_ids),
        skipped=skipped, warnings=warnings, extractor_version=version,
        write_mode="full" if base is None else "incremental", inputs={**inputs, **(base or {})})

    def load(con) -> warehouse.BuildRecord:
        if reused_tables is not None:
            warehouse.insert_rows(con, *reused_tables)
        hashes = {cached[i]["content_hash"]: i for i in reuse_ids}
        new = 0
        pending: list[list[pa.Table]] = [[], [], []]  # articles, facts, figures not yet appended
        pending_files = 0
        for chunk in extracted:
            duplicates = []
            for path, problem, article_id, content_hash, article_warnings in chunk.outcomes:
                if problem:
                    skipped.append(_skip(by_path.get(path), path, problem))
                    continue
                duplicate_of = hashes.get(content_hash)
                if duplicate_of is not None:
                    skipped.append(_skip(by_path.get(path), path, f"{path}: duplicate of article {duplicate_of}"))
                    duplicates.append(article_id)
                    continue
                hashes[content_hash] = article_id
                warnings.extend(article_warnings)
                new += 1
            tables = [chunk.articles, chunk.facts, chunk.figures]
            if duplicates and chunk.articles is not None:
                drop = pa.array(duplicates, pa.string())
                tables = [t.filter(pc.invert(pc.is_in(t[key], value_set=drop)))
                          for t, key in zip(tables, ("id", "article", "article"))]
            if chunk.articles is not None:
                for rows, table in zip(pending, tables):
                    rows.append(table)
                pending_files += len(chunk.outcomes)
            if pending_files >= INSERT_BATCH_FILES:
                warehouse.insert_rows(con, *(pa.concat_tables(rows) for rows in pending))
                pending, pending_files = [[], [], []], 0
        if pending_files:
            warehouse.insert_rows(con, *(pa.concat_tables(rows) for rows in pending))
        loaded_count = new + len(reuse_ids)
        if not loaded_count:
            reasons = "; ".join(item["reason"] for item in skipped[:3]) + ("; ..." if len(skipped) > 3 else "")
            raise BuildError(f"none of the {len(files)} article files in {articles_dir} could be loaded ({reasons})")
        return replace(record, articles_loaded=loaded_count)

    with _extraction([f.path for f in to_extract], today, workers or os.cpu_count() or 1, progress) as extracted:
        if base is not None:
            return warehouse.write_incremental(db_path, record, load, gone=gone, corrections=corrections)
        return warehouse.write_with(db_path, record, load, corrections=corrections)


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
    if summary.get("unchanged"):
        print(f"nothing changed since build {summary['build_id']} (same article files, corrections and "
              f"extractor): no new build written; {db_path} still serves it")
        return 0
    outcome = "succeeded" if not summary["articles_skipped"] else \
        f"succeeded with {summary['articles_skipped']} file(s) skipped"
    how = " (incremental: the served build patched)" if summary.get("write_mode") == "incremental" else ""
    print(f"build {summary['build_id']} {outcome}{how}; {db_path} now serves it")
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
