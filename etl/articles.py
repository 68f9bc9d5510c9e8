"""Article files: bytes on disk to an `Article` (id, date or inferred year, title, text).

`parse_article` is pure (text in, Article out). `read_article` does the I/O:
it refuses empty, binary and oversized files, decodes UTF-8 or a detectable
legacy encoding (GB18030, Latin-1 ...), and reduces HTML to its main text.
Every refusal is an `ArticleError` that names the file and the problem.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from etl.periods import infer_year

ARTICLE_SUFFIXES = {".txt", ".md", ".html", ".htm"}
MAX_ARTICLE_BYTES = 2_000_000
MAX_LINE_CHARS = 100_000
MIN_HTML_WORDS = 8
"""An HTML page whose main text is shorter than this is navigation, not an article."""
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2099, 12, 31)
"""Date lines outside this range are typos, not publication dates (and periods read against
them, such as "next Monday" or "last year", must stay within the calendar)."""
_DATE_LINE = re.compile(r"\A\ufeff?[ \t]*date[ \t]+(?P<value>\S+)[ \t]*", re.IGNORECASE)


class ArticleError(Exception):
    """A file that cannot be read as an article; the message names file and problem."""

    def __init__(self, path: str | Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


@dataclass(frozen=True)
class Article:
    id: str
    text: str                   # the article text; fact offsets point into it
    published: date | None
    year: int | None            # published year, else inferred from the text
    date_status: str            # stated | inferred | unknown
    title: str
    outlet: str | None = None
    path: str | None = None
    warnings: tuple[str, ...] = field(default=())


# (outlet, what names it): a string the text holds, and a regex that must then match
# too, if any. Most articles name no outlet, and `in` tells so faster than the regex
# engine's scan for a pattern's first character.
_OUTLETS = [
    ("Shanghai Daily", [("SHINE", re.compile(r"/\s*SHINE\b")), ("Shanghai Daily", None)]),
    ("Xinhua", [("Xinhua", re.compile(r"Xinhua(?<!\wXinhua)\b"))]),  # as a word, "(Xinhua)" among them
    ("China Daily", [("China Daily", None), ("chinadaily.com.cn", None)]),
    ("Shanghai government portal", [("english.shanghai.gov.cn", None), ("International Services Shanghai", None)]),
]


def _outlet(text: str) -> str | None:
    for outlet, signs in _OUTLETS:
        for string, pattern in signs:
            if string in text and (pattern is None or pattern.search(text)):
                return outlet
    return None


_FIRST_LINE = re.compile(r"\s*([^\n]*)")  # the first line that is not blank, without copying the text
_STOP_BEFORE_SPACE = re.compile(r"[.!?](?=\s)")


def _title(text: str) -> str:
    first = _FIRST_LINE.match(text).group(1).strip()
    stop = _STOP_BEFORE_SPACE.search(first)
    sentence = first[:stop.end()] if stop else first
    return sentence if len(sentence) <= 160 else sentence[:157].rstrip() + "..."


def parse_article(article_id: str, raw: str, *, path: str | None = None, today: date | None = None) -> Article:
    """An article from its decoded file contents.

    A leading ` date YYYY-MM-DD` is the publication date; what follows it on
    that line is the lead. A malformed or future date is not trusted: the
    year is then inferred from the text, and a warning says why.
    """
    text = (raw.replace("\r\n", "\n").replace("\r", "\n") if "\r" in raw else raw).lstrip("\ufeff")
    warnings: list[str] = []
    published = None
    m = _DATE_LINE.match(text)
    if m:
        text = text[m.end():]
        try:
            published = date.fromisoformat(m.group("value"))
        except ValueError:
            warnings.append(f"date line {m.group('value')!r} is not a YYYY-MM-DD date; year inferred from text")
        if published and not EARLIEST_DATE <= published <= LATEST_DATE:
            warnings.append(f"date line {published.isoformat()} is outside {EARLIEST_DATE.year}-"
                            f"{LATEST_DATE.year}; year inferred from text")
            published = None
        if published and today and published > today:
            warnings.append(f"date line {published.isoformat()} is in the future; year inferred from text")
            published = None
    if published:
        year, status = published.year, "stated"
    else:
        year = infer_year(text)
        status = "inferred" if year else "unknown"
    return Article(article_id, text, published, year, status, _title(text), _outlet(text), path, tuple(warnings))


# Legacy encodings an article can come in, most likely first: the ETL reads
# Shanghai's English press, where a non-UTF-8 file is GB18030/GBK (mainland
# Chinese systems) or Windows-1252/Latin-1 (Western ones). Big5 comes last: a
# short run of Chinese decodes as either, and here GB18030 is far likelier.
LEGACY_ENCODINGS = ("gb18030", "cp1252", "latin_1", "big5")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


def decode(data: bytes, path: str | Path) -> str:
    """Bytes to text: UTF-8 (or UTF-16 with a byte-order mark), else a legacy
    encoding that can be detected with confidence; binary data is refused."""
    if not data.strip():
        raise ArticleError(path, "empty file")
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return _text_or_binary(data[2:].decode(codec), path, codec)
            except UnicodeDecodeError:
                raise ArticleError(path, f"starts with a {codec.upper()} byte-order mark but is not "
                                         f"{codec.upper()} text") from None
    if b"\x00" in data:
        raise ArticleError(path, "binary file (contains NUL bytes), not text")
    try:
        return _text_or_binary(data.decode("utf-8-sig"), path, "UTF-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only legacy-encoded files need it

    matches = [m for m in from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)) if m.encoding]
    if not matches:
        raise ArticleError(path, "not UTF-8 and no other text encoding could be detected "
                                 "(binary data, or a mix of encodings)")
    least_chaos = min(m.chaos for m in matches)
    plausible = [m for m in matches if m.chaos <= least_chaos + 0.01]
    best = min(plausible, key=lambda m: LEGACY_ENCODINGS.index(m.encoding)
               if m.encoding in LEGACY_ENCODINGS else len(LEGACY_ENCODINGS))
    return _text_or_binary(str(best), path, best.encoding)


# For ASCII text, deleting every other byte counts the control characters several times
# faster than a regex, which tests each character against a class.
_ASCII_NOT_CONTROL = bytes(c for c in range(128) if not _CONTROL.match(chr(c)))


def _controls(text: str) -> int:
    """How many control characters the first 65,536 characters of `text` hold."""
    head = text[:65536]
    if head.isascii():
        return len(head.encode("ascii").translate(None, _ASCII_NOT_CONTROL))
    return len(_CONTROL.findall(head))


def _text_or_binary(text: str, path: str | Path, encoding: str) -> str:
    """The text, unless it is mostly control characters: binary data that happens to decode."""
    controls = _controls(text)
    if controls > max(8, min(len(text), 65536) // 100):
        raise ArticleError(path, f"binary file ({controls} control characters in what decodes as "
                                 f"{encoding}), not text")
    return text


def html_to_text(html: str, path: str | Path) -> str:
    """The main text of an HTML page: scripts, navigation and boilerplate dropped."""
    try:
        import trafilatura  # only HTML uploads need it; keeps plain builds light
    except ImportError as e:
        raise ArticleError(path, f"HTML files cannot be read here: {e}".splitlines()[0]) from None
    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    except Exception as e:  # a parser failure on one page must not stop a build
        raise ArticleError(path, f"HTML could not be parsed: {type(e).__name__}: {e}".splitlines()[0]) from None
    if not text or len(re.findall(r"\w+", text)) < MIN_HTML_WORDS:
        raise ArticleError(path, "HTML page has no main text to extract"
                                 + (f" (only {text.strip()[:40]!r})" if text and text.strip() else ""))
    return re.sub(r"\n+", "\n\n", text.strip())


def article_from_bytes(article_id: str, data: bytes, path: str | Path, *, suffix: str,
                       today: date | None = None, max_bytes: int = MAX_ARTICLE_BYTES) -> Article:
    """An article from a file's bytes, or an ArticleError saying what is wrong with them."""
    if suffix.lower() not in ARTICLE_SUFFIXES:
        raise ArticleError(path, f"unsupported file type {suffix or '(none)'}; expected one of "
                                 + ", ".join(sorted(ARTICLE_SUFFIXES)))
    if len(data) > max_bytes:
        raise ArticleError(path, f"file is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
    text = decode(data, path)
    if suffix.lower() in (".html", ".htm"):
        date_line = _DATE_LINE.match(text)
        text = (date_line.group(0).rstrip() + " " if date_line else "") + html_to_text(text, path)
    if len(text) > MAX_LINE_CHARS and max(map(len, text.split("\n"))) > MAX_LINE_CHARS:
        raise ArticleError(path, f"a line is over {MAX_LINE_CHARS:,} characters; not prose")
    if not re.search(r"[A-Za-z]{2,}", text):
        raise ArticleError(path, "no English text found")
    return parse_article(article_id, text, path=str(path), today=today)


def read_bytes(path: str | Path, max_bytes: int = MAX_ARTICLE_BYTES) -> tuple[bytes, os.stat_result]:
    """A file's bytes and its stat, refusing (without reading it) a file over `max_bytes`."""
    try:
        with open(path, "rb") as fh:
            stat = os.fstat(fh.fileno())
            if stat.st_size > max_bytes:
                raise ArticleError(path, f"file is {stat.st_size:,} bytes, over the {max_bytes:,}-byte limit")
            # Asking for the size the stat gave (and one byte more) spares a buffer of the limit's
            # size per file; a file still growing is read on, cut off past the limit, and refused below.
            data = fh.read(stat.st_size + 1)
            if len(data) > stat.st_size:
                data += fh.read(max_bytes + 1 - len(data))
    except FileNotFoundError:
        raise ArticleError(path, "file disappeared before it could be read") from None
    except IsADirectoryError:
        raise ArticleError(path, "is a directory, not an article file") from None
    except OSError as e:
        raise ArticleError(path, f"cannot be read: {e.strerror or e}") from None
    return data, stat


def read_article(path: str | Path, *, today: date | None = None) -> Article:
    """Read one article file; the article id is the file name without its extension."""
    path = Path(path)
    data, _ = read_bytes(path)
    return article_from_bytes(path.stem, data, path, suffix=path.suffix, today=today)


@dataclass(frozen=True)
class ArticleFile:
    """A listed article file with the size and modification time the listing saw.

    Paths are plain strings: a build lists every file on every run, and making
    100,000 `Path` objects costs more than the listing itself (0.7 s against 0.3 s).
    """
    path: str
    stem: str
    size: int
    mtime_ns: int


def article_files(directory: str | Path) -> list[ArticleFile]:
    """Article files in a directory with their stat, sorted by name.

    One `os.scandir` pass: the entry type comes from the directory itself and
    the stat from `DirEntry.stat()` (both follow symbolic links, as
    `Path.is_file()` does), instead of a `stat` per file for the type and
    another for the size. A file that vanishes between the two is left out.
    """
    files = []
    with os.scandir(Path(directory)) as entries:  # Path: the same spelling of the path as earlier builds stored
        for entry in entries:
            name = entry.name
            stem, suffix = os.path.splitext(name)
            if name.startswith(".") or suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            try:
                if not entry.is_file():
                    continue
                stat = entry.stat()
            except OSError:
                continue
            files.append(ArticleFile(entry.path, stem, stat.st_size, stat.st_mtime_ns))
    files.sort(key=lambda f: f.path)
    return files


def article_paths(directory: str | Path) -> list[Path]:
    """Article files in a directory, sorted by name."""
    return [Path(f.path) for f in article_files(directory)]
