"""Period wording resolved against the article's date.

`find_period(sentence, ref)` reads the period a sentence states ("In 2023",
"the first eight months of this year", "as of the end of June", "since
China's reform and opening up") and returns its start, end and year, or None.
`find_event_date(sentence, ref)` reads the date of an event ("held on
Thursday", "on November 5"). Both are pure: `ref` carries the article's date
(or only its inferred year).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from etl.numbers import lower_case_source, lowered, trie_alternation


@dataclass(frozen=True)
class Reference:
    """What relative wording is resolved against."""
    published: date | None
    year: int | None


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None
    year: int | None
    kind: str   # full_year | part_year | year_to_date | stock | cumulative | event


MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sept", "Sep", "Oct", "Nov",
                "Dec"]
# Branching letter by letter: a pattern holding it rejects a position on one test, not 23.
# A name ends a word ("mar" in "market" is not March), before its abbreviation's stop.
_MONTH = trie_alternation(_MONTH_NAMES) + r"\b\.?"
_ORDINAL_COUNT = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                  "nine": 9, "ten": 10, "eleven": 11, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6,
                  "7": 7, "8": 8, "9": 9, "10": 10, "11": 11}
_QUARTER_NUMBERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_YEAR = r"(?:19|20)\d\d"
_WHICH_YEAR = rf"(?:(?:of\s+|in\s+)?(?P<y>{_YEAR})|(?:of\s+)?(?P<rel>this|last|the\s+current|the\s+previous|the\s+same|the)\s+year)"

# Comparisons name a year that is not the figure's period: "up 5 percent from
# the same period last year". They are blanked before periods are read.
# Each alternative opens with a word and then looks behind it for the word boundary, so that
# in lower-cased text the regex engine skips to the few positions holding a first letter
# (it would try every position of a pattern opening with \b, or with a group of words).
_COMPARED_TO = (r"\s+(?:the\s+same\s+period\s+(?:of\s+|in\s+)?)?"
                r"(?:last\s+year|the\s+previous\s+year|the\s+prior\s+year|a\s+year\s+(?:earlier|ago|before)|(?:19|20)\d\d)")
_COMPARISON = re.compile(
    "|".join(rf"{word}(?<!\w{{{len(word) + 1}}}){after}{_COMPARED_TO}" for word, after in (
        ("from", ""), ("over", ""), ("compared", r"\s+(?:with|to)"), ("than", ""), ("versus", ""), ("vs", r"\.?")))
    + r"|the(?<!\w{4})\s+same\s+period\s+(?:of\s+|in\s+)?(?:last\s+year|the\s+previous\s+year|(?:19|20)\d\d)"
    r"|year(?<!\w{5})[- ]on[- ]year\b",
    re.IGNORECASE | re.ASCII,
)


def _lower_case(pattern: re.Pattern) -> re.Pattern:
    """`pattern` (case-insensitive) for lower-cased text: the same matches, found faster.

    Every use of a match here reads positions, numbers and lower-cased words
    only, so a match in the lower-cased sentence serves as well.
    """
    return re.compile(lower_case_source(pattern.pattern), pattern.flags & ~re.IGNORECASE)


_COMPARISON_LOWER = _lower_case(_COMPARISON)
# Every comparison holds one of these; the regex, which tries every position, runs only then.
_COMPARISON_WORDS = ("from", "over", "compared", "than", "versus", "vs", "period", "year-on", "year on")


def _blanks(m: re.Match) -> str:
    return " " * len(m.group(0))


def _blank_comparisons(text: str, lower: bool = False) -> str:
    return (_COMPARISON_LOWER if lower else _COMPARISON).sub(_blanks, text)


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in(year: int, month: int) -> int:
    # calendar.monthrange would also work out the weekday the month opens on.
    return 29 if month == 2 and calendar.isleap(year) else _DAYS_IN_MONTH[month]


# The periods below are built once each: a Period, a frozen dataclass whose fields are set
# through object.__setattr__, costs several times its cache look-up, and the few periods
# articles state recur. They are immutable, so each may be shared.
@lru_cache(maxsize=None)
def _part_from(year: int, first: int, last: int) -> Period:
    return Period(date(year, first, 1), date(year, last, _days_in(year, last)), year, "part_year")


@lru_cache(maxsize=None)
def _full_year_of(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), year, "full_year")


@lru_cache(maxsize=None)
def _year_to_date_from(year: int, month: int) -> Period:
    return Period(date(year, month, 1), None, year, "year_to_date")


@lru_cache(maxsize=None)
def _stock_on(year: int, month: int, day: int) -> Period:
    return Period(None, date(year, month, day), year, "stock")


# A resolver reads a match's named groups (`re.Match.groupdict()`, read once per match).
_Groups = dict[str, str | None]


def _resolve_year(groups: _Groups, ref: Reference) -> int | None:
    if groups.get("y"):
        return int(groups["y"])
    rel = (groups.get("rel") or "this").lower()
    if ref.year is None:
        return None
    return ref.year - 1 if rel in ("last", "the previous") else ref.year


def _part(groups: _Groups, ref: Reference, first_month: int, last_month: int) -> Period | None:
    year = _resolve_year(groups, ref)
    return None if year is None else _part_from(year, first_month, last_month)


def _half(groups, ref):
    which = groups["h"].lower()
    return _part(groups, ref, 1, 6) if which in ("first", "1", "h1") else _part(groups, ref, 7, 12)


def _first_months(groups, ref):
    return _part(groups, ref, 1, _ORDINAL_COUNT[groups["n"].lower()])


def _first_quarters(groups, ref):
    return _part(groups, ref, 1, 3 * _ORDINAL_COUNT.get((groups["n"] or "").lower(), 1))


def _quarter(groups, ref):
    q = _QUARTER_NUMBERS[groups["q"].lower()]
    return _part(groups, ref, 3 * q - 2, 3 * q)


def _month_range(groups, ref):
    first, last = MONTHS[groups["m1"].lower().rstrip(".")], MONTHS[groups["m2"].lower().rstrip(".")]
    return _part(groups, ref, first, last) if first <= last else None


def _year_to_date(groups, ref):
    year = _resolve_year(groups, ref)
    return _year_to_date_from(year, 1) if year else None


def _since_month(groups, ref):
    year = _resolve_year(groups, ref)
    month = MONTHS[groups["m1"].lower().rstrip(".")]
    return _year_to_date_from(year, month) if year else None


def _stock_month(groups, ref):
    month = MONTHS[groups["m1"].lower().rstrip(".")]
    year = _resolve_year(groups, ref)
    if year is None:
        return None
    if not groups["y"] and ref.published and month > ref.published.month:
        year -= 1  # "as of November" in a March article is last November
    last = _days_in(year, month)
    day = int(groups["d"]) if groups["d"] and 1 <= int(groups["d"]) <= last else last
    return _stock_on(year, month, day)


def _stock_year(groups, ref):
    year = _resolve_year(groups, ref)
    return _stock_on(year, 12, 31) if year else None


def _cumulative(groups, ref):
    if ref.published:
        return Period(None, ref.published, ref.published.year, "cumulative")
    return Period(None, None, ref.year, "cumulative")


def _full_year(groups, ref):
    # "2023 saw ...", at the sentence's start, names its year as y4.
    year = int(groups["y4"]) if groups.get("y4") else _resolve_year(groups, ref)
    return _full_year_of(year) if year else None


# Tried in order; the first that matches anywhere in the sentence wins, so the
# narrower wording ("the first half of 2023") sits above the wider ("in 2023").
# A pattern is searched only when the sentence holds the words every match of it
# holds (see _possible_patterns). A regex given as a tuple is searched as its
# alternatives would be (see _Alternatives).
_PATTERNS = [
    (rf"\b(?:the\s+)?(?P<h>first|second|1|2)\s+half(?:\s+\(H[12]\))?(?:\s+(?:of\s+)?(?:the\s+year\s+)?{_WHICH_YEAR})?|\b(?P<h2>H[12])\s+(?P<y2>{_YEAR})", None),
    (rf"\b(?:the\s+)?first\s+(?P<n>two|three|four|five|six|seven|eight|nine|ten|eleven|\d\d?)\s+months(?:\s+{_WHICH_YEAR})?", _first_months),
    (rf"\b(?:the\s+)?first\s+(?P<n>two|three)\s+quarters(?:\s+{_WHICH_YEAR})?", _first_quarters),
    (rf"\b(?:the\s+)?(?P<q>first|second|third|fourth)\s+quarter(?:\s+{_WHICH_YEAR})?|\bQ(?P<q2>[1-4])(?:\s+(?P<y3>{_YEAR}))?", None),
    (rf"\b(?:from\s+)?(?P<m1>{_MONTH})\s*(?:to|through|till|until|-)\s*(?P<m2>{_MONTH})(?:,?\s+{_WHICH_YEAR})?", _month_range),
    (rf"\bsince\s+(?:the\s+(?:beginning|start)\s+of\s+)?{_WHICH_YEAR}|\bso\s+far\s+this\s+year|\byear[- ]to[- ]date", _year_to_date),
    (rf"\bsince\s+(?P<m1>{_MONTH})(?:\s+{_WHICH_YEAR})?", _since_month),
    (rf"\b(?:(?:as\s+of|by|at|until|till|up\s+to)\s+(?:the\s+end\s+of\s+|end-)?|end-)(?P<m1>{_MONTH})(?:\s+(?P<d>\d{{1,2}})(?!\d))?(?:,?\s+{_WHICH_YEAR})?", _stock_month),
    (rf"\b(?:(?:as\s+of|by|at|until|till|up\s+to)\s+(?:the\s+)?(?:end|close)\s+of|(?:year|the)[- ]end(?:\s+of)?)\s+{_WHICH_YEAR}", _stock_year),
    (r"\bsince\s+(?:China's\s+|the\s+)?(?:reform\s+and\s+opening|opening[- ]up)", _cumulative),
    ((rf"(?:in(?<!\w{{3}})|during(?<!\w{{7}})|for(?<!\w{{4}})|throughout(?<!\w{{11}})|over(?<!\w{{5}}))\s+(?:the\s+(?:whole|full|entire)\s+(?:year\s+(?:of\s+)?)?)?(?P<y>{_YEAR})(?![\w-])(?!\s+(?:to|and)\s)", r"(?P<rel>last)(?<!\w{5})\s+year\b", rf"^(?P<y4>{_YEAR}),?\s+(?:saw|was)\b"), _full_year),
    (r"(?P<rel>this)(?<!\w{5})\s+year\b", _year_to_date),
]
# Each pattern's bit, in _PATTERNS' order.
(_HALF, _FIRST_MONTHS, _FIRST_QUARTERS, _QUARTER, _MONTH_RANGE, _YEAR_TO_DATE, _SINCE_MONTH, _STOCK_MONTH,
 _STOCK_YEAR, _CUMULATIVE, _FULL_YEAR, _THIS_YEAR) = (1 << i for i in range(len(_PATTERNS)))


class _Alternatives:
    """Regexes searched as the one made of them as alternatives would be: the match that starts
    first wins, on a tie the earlier regex's. Searched apart, each regex can open with its own
    words, which the regex engine skips to; joined, it tries every position."""

    def __init__(self, patterns: list[re.Pattern]):
        self.patterns = patterns
        self.pattern = "|".join(p.pattern for p in patterns)

    def search(self, text: str) -> re.Match | None:
        first = None
        for pattern in self.patterns:
            m = pattern.search(text)
            if m and (first is None or m.start() < first.start()):
                first = m
        return first


def _compiled(source: str | tuple[str, ...], lower_case: bool) -> re.Pattern | _Alternatives:
    if isinstance(source, tuple):
        return _Alternatives([_compiled(alternative, lower_case) for alternative in source])
    pattern = re.compile(source, re.IGNORECASE | re.ASCII)
    return _lower_case(pattern) if lower_case else pattern


_COMPILED = [(_compiled(p, False), f) for p, f in _PATTERNS]
_COMPILED_LOWER = [(_compiled(p, True), f) for p, f in _PATTERNS]
# A text's UTF-8 bytes mapped for the month test: ASCII letters lower-cased, digits and "_"
# kept, every other byte a space (all that \b, under re.ASCII, takes for a word's edge).
_WORD_BYTES = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 or c == 95 else 32
                    for c in range(256))
# Opening with a literal space lets the regex engine skip to the few places a word starts,
# where a pattern opening with \b is tried at every position.
_MONTH_WORD = re.compile(b" " + trie_alternation([name.lower() for name in _MONTH_NAMES]).encode() + b"(?![a-z0-9_])")


def _names_month(text: str) -> bool:
    """Whether a word of `text` is a month's name, in any case (as every match of _MONTH is)."""
    return _MONTH_WORD.search(b" " + text.encode("utf-8", "surrogatepass").translate(_WORD_BYTES)) is not None


_ANY_YEAR = re.compile(r"(?:19|20)\d\d")


_ORDINAL_QUARTERS = ("first", "second", "third", "fourth")
_Q_QUARTERS = ("q1", "q2", "q3", "q4")


def _possible_patterns(lower: str, has_year: bool, year_word: bool, names_month: bool) -> int:
    """The bits of the patterns that may match a sentence: those whose words it holds.

    `lower` is the sentence lower-cased; `has_year`, whether it holds a 19xx or 20xx
    year; `year_word`, whether `lower` holds "year"; `names_month`, whether it names
    a month. Most sentences state no period, and they are turned away here by a few
    substring tests, nested so that the rarer words guard the tests for the others.
    """
    possible = _FULL_YEAR if has_year else 0
    if "half" in lower or has_year and ("h1" in lower or "h2" in lower):
        possible |= _HALF
    if "months" in lower and "first" in lower:
        possible |= _FIRST_MONTHS
    if "q" in lower:  # most often of "headquarters"
        if "quarters" in lower and "first" in lower:
            possible |= _FIRST_QUARTERS
        if ("quarter" in lower and any(map(lower.__contains__, _ORDINAL_QUARTERS))
                or any(map(lower.__contains__, _Q_QUARTERS))):
            possible |= _QUARTER
    if names_month:
        possible |= _MONTH_RANGE | _STOCK_MONTH
    if "since" in lower:
        if has_year or year_word:
            possible |= _YEAR_TO_DATE
        if names_month:
            possible |= _SINCE_MONTH
        if "reform" in lower or "opening" in lower:
            possible |= _CUMULATIVE
    if has_year or year_word:
        if "end" in lower or "close" in lower:
            possible |= _STOCK_YEAR
    if year_word:
        # Spaced once only, as these phrases have always been looked for: "last  year" is not read.
        if "so far" in lower or "to date" in lower or "to-date" in lower:
            possible |= _YEAR_TO_DATE
        if "last year" in lower:
            possible |= _FULL_YEAR
        if "this year" in lower:
            possible |= _THIS_YEAR
    return possible


def _half_or_quarter(groups: _Groups, ref: Reference) -> Period | None:
    if "h" in groups:
        if groups.get("h2"):
            year = int(groups["y2"])
            return _part_from(year, 1, 6) if groups["h2"].upper() == "H1" else _part_from(year, 7, 12)
        return _half(groups, ref)
    if groups.get("q2"):
        q = int(groups["q2"])
        year = int(groups["y3"]) if groups.get("y3") else ref.year
        return _part_from(year, 3 * q - 2, 3 * q) if year else None
    return _quarter(groups, ref)


# A caller's `lowered(sentence)`, when it has one, spares reading the sentence again; None
# there means the sentence cannot be lower-cased, so a missing one is told apart from None.
_NOT_GIVEN = object()


def find_period(sentence: str, ref: Reference, lower_text: str | None = _NOT_GIVEN) -> Period | None:
    """The period a sentence states, or None when it states none; `lower_text`, if given, is
    `lowered(sentence)`."""
    # The patterns search the lower-cased sentence when it can stand for the sentence.
    if lower_text is _NOT_GIVEN:
        lower_text = lowered(sentence)
    lower = sentence.lower() if lower_text is None else lower_text
    # Every year holds "19" or "20", which few sentences do: two substring tests spare most the regex.
    has_year = ("19" in sentence or "20" in sentence) and _ANY_YEAR.search(sentence) is not None
    year_word = "year" in lower
    compiled = _COMPILED if lower_text is None else _COMPILED_LOWER
    text = sentence if lower_text is None else lower_text
    if (has_year or year_word) and any(map(lower.__contains__, _COMPARISON_WORDS)):
        text = _blank_comparisons(text, lower=lower_text is not None)
    enabled = _possible_patterns(lower, has_year, year_word, _names_month(text))
    while enabled:
        # The lowest bit set, the next pattern in order: the loop visits only the patterns enabled.
        lowest = enabled & -enabled
        enabled ^= lowest
        pattern, resolve = compiled[lowest.bit_length() - 1]
        m = pattern.search(text)
        if m:
            period = (resolve or _half_or_quarter)(m.groupdict(), ref)
            if period is not None:
                return period
    return None


_RELATIVE_DAY = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "yesterday": -1}
_EVENT_DAY = re.compile(
    rf"\b(?P<rel>today|tonight|this\s+morning|this\s+afternoon|yesterday)\b|\b(?:on|last|this)\s+(?:(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    rf"|(?P<m1>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>{_YEAR}))?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH})(?:,?\s+(?P<y2>{_YEAR}))?)\b",
    re.IGNORECASE | re.ASCII,
)
_FUTURE = re.compile(r"\b(?:will|is\s+scheduled|are\s+scheduled|is\s+set|to\s+be\s+held|upcoming|is\s+slated)\b", re.IGNORECASE | re.ASCII)
_EVENT_DAY_LOWER, _FUTURE_LOWER = _lower_case(_EVENT_DAY), _lower_case(_FUTURE)
_DIGITS = b"0123456789"   # _EVENT_DAY's \d, as it is ASCII-only


def _has_digit(text: str) -> bool:
    """Whether `text` holds one of _DIGITS."""
    # Deleting bytes from the UTF-8 encoding is one pass in C, several times faster than
    # a regex search of a sentence; no other character's encoding holds a digit's byte.
    encoded = text.encode("utf-8", "surrogatepass")
    return len(encoded.translate(None, _DIGITS)) != len(encoded)


def find_event_date(sentence: str, ref: Reference, lower: str | None = _NOT_GIVEN) -> date | None:
    """The date of the event a sentence reports, when it gives one that can be resolved;
    `lower`, if given, is `lowered(sentence)`.

    A bare weekday is the one on or before the publication date, or on or after
    it when the sentence speaks of the event in the future tense.
    """
    if lower is _NOT_GIVEN:
        lower = lowered(sentence)
    if lower is None:
        lower, event_day, future = sentence.lower(), _EVENT_DAY, _FUTURE
        text = sentence
    else:
        event_day, future = _EVENT_DAY_LOWER, _FUTURE_LOWER
        text = lower
    # A month dates an event only next to its day's digits, and most sentences have no
    # digit: looking for one first spares the slower search for a month in them.
    if not ("day" in lower or "tonight" in lower or "morning" in lower or "afternoon" in lower
            or (_has_digit(text) and _names_month(text))):
        return None
    m = event_day.search(text)
    if not m:
        return None
    if m.group("rel"):
        offset = _RELATIVE_DAY[re.sub(r"\s+", " ", m.group("rel").lower())]
        return ref.published + timedelta(days=offset) if ref.published else None
    if m.group("wd"):
        if ref.published is None:
            return None
        target = _WEEKDAYS[m.group("wd").lower()]
        if future.search(text):
            return ref.published + timedelta(days=(target - ref.published.weekday()) % 7)
        return ref.published - timedelta(days=(ref.published.weekday() - target) % 7)
    month = MONTHS[(m.group("m1") or m.group("m2")).lower().rstrip(".")]
    day = int(m.group("d") or m.group("d2"))
    year_text = m.group("y") or m.group("y2")
    year = int(year_text) if year_text else (ref.published.year if ref.published else ref.year)
    if year is None:
        return None
    if not year_text and ref.published and (month - ref.published.month) > 6:
        year -= 1  # a late-year date in an early-year article is last year's
    try:
        return date(year, month, day)
    except ValueError:
        return None


# Its number opens with a digit, which the regex engine skips to; the word boundary before it
# is the look-behind after its first digit.
_CIIE = re.compile(r"(?P<n>\d(?<!\w\d)\d?)(?:st|nd|rd|th)\s+(?:China\s+International\s+Import\s+Expo|CI[Il1]E)\b", re.IGNORECASE | re.ASCII)
_CIIE_WORD = re.compile(r"\b(?P<w>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\s+(?:China\s+International\s+Import\s+Expo|CI[Il1]E)\b", re.IGNORECASE | re.ASCII)
_ORDINAL_WORDS = {w: i for i, w in enumerate(
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"], 1)}
# Both CIIE patterns need one of these in the lower-cased text, and most articles have none.
_CIIE_NAMES = ("expo", "ciie", "cile", "ci1e")
# The word boundary before the year (and before "in") is written as a look-behind after
# its first characters: a pattern that opens with literal characters lets the regex
# engine skip ahead to where they occur instead of trying every position. Each pattern is
# split by its opening words ("19" or "20", "in" or "In"), as the engine skips ahead only to
# one string, and to a set of characters slowly. (An optional "the" before the named
# event's year is left out: it never changed which year is read.)
_NAMED_EVENT = _Alternatives([re.compile(
    rf"(?P<y>{century}\d\d)(?<!\w\d{{4}})\s+(?:[A-Z][\w&'-]*\s+){{0,8}}"
    r"(?:Conference|Summit|Forum|Expo|Fair|Week|Festival|Meeting|Convention|Ceremony)\b") for century in ("19", "20")])
_IN_YEAR = [re.compile(rf"{word}(?<!\w{{3}})\s+(?P<y>{_YEAR})\b") for word in ("in", "In")]
FIRST_CIIE_YEAR = 2018


def infer_year(text: str) -> int | None:
    """The year an undated article is about, from dated events it names."""
    lower = text.lower()
    if any(name in lower for name in _CIIE_NAMES):
        m = _CIIE.search(text)
        if m:
            return FIRST_CIIE_YEAR + int(m.group("n")) - 1
        m = _CIIE_WORD.search(text)
        if m:
            return FIRST_CIIE_YEAR + _ORDINAL_WORDS[m.group("w").lower()] - 1
    m = _NAMED_EVENT.search(text)
    if m:
        return int(m.group("y"))
    years = [int(y) for in_year in _IN_YEAR for y in in_year.findall(text)]
    return max(years) if years else None
