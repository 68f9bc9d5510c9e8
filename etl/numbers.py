"""Figures in prose: where a number is, what it amounts to, and what kind it is.

`find_figures(text)` returns every numeric expression with its value after
scale words ("1.13 trillion yuan" -> 1.13e12, "CNY"), its qualifier ("about",
"more than"), its span as written, and a kind that says whether it can be an
indicator figure at all (count, money, area) or is something else (year,
percent, ordinal date, duration, version, ...).

The text given must already be passed through `fold_punctuation`, which maps
typographic quotes and dashes to ASCII one character for one, so offsets stay
those of the original text.
"""
from __future__ import annotations

import re
import re._parser as _parser
import sys
from dataclasses import dataclass
from functools import cached_property
from itertools import groupby

_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\uff04": "$", "\uffe5": "\u00a5",
})


def fold_punctuation(text: str) -> str:
    """Typographic punctuation to ASCII, keeping every offset unchanged."""
    return text if text.isascii() else text.translate(_FOLD)  # only non-ASCII characters fold


# Case-insensitive regexes cannot use the regex engine's fast literal scans, so
# hot patterns are also matched case-sensitively against a lower-cased copy of
# the text. The copy matches the same where lower-casing changes nothing but
# ASCII letters: no other character is then equated with an ASCII letter.
ASCII_FOLDS = "\u0130\u0131\u017f\u212a"
"""The only non-ASCII characters that case-insensitive matching equates with ASCII
letters or digits (tests/test_numbers.py checks this over all of Unicode)."""
_HAS_ASCII_FOLD = re.compile(f"[{ASCII_FOLDS}]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def lowered(text: str) -> str | None:
    """`text` lower-cased, or None when lower-casing would change more than its ASCII letters."""
    lower = text.lower()
    if text.isascii():
        return lower
    if _HAS_ASCII_FOLD.search(text) or _NON_ASCII.findall(text) != _NON_ASCII.findall(lower):
        return None
    return lower


_RANGE = re.compile(r"([^\\])-([^\\\]])")   # "x-y" (a range inside a class, or a literal hyphen elsewhere)


def lower_case_source(source: str) -> str | None:
    """A case-insensitive regex rewritten to match the same in lower-cased text, case-sensitively.

    Letters are lower-cased except in escapes and group names; None when the
    regex has inline flags, a non-ASCII letter, an escape that may spell a
    letter, or a range such as [A-z] that spans letters and other characters.
    """
    out, i = [], 0
    for m in _RANGE.finditer(source):
        low, high = m.group(1), m.group(2)
        if not (("a" <= low <= high <= "z") or ("A" <= low <= high <= "Z")
                or not any(c.isalpha() for c in map(chr, range(ord(low), ord(high) + 1)))):
            return None
    while i < len(source):
        c = source[i]
        if c == "\\":
            if source[i + 1:i + 2].isalnum() and source[i + 1] not in "wWdDsSbBAZ":
                return None  # \x41, \u0041, \N{...}, \101 may spell a letter; \1 compares case-insensitively
            out.append(source[i:i + 2])
            i += 2
            continue
        if source.startswith("(?P<", i) or source.startswith("(?P=", i):
            close = source.index(">" if source[i + 3] == "<" else ")", i)
            out.append(source[i:close + 1])
            i = close + 1
            continue
        if source.startswith("(?", i) and source[i + 2:i + 3].isalpha():
            return None
        if not c.isascii() and (c.lower() != c or c.upper() != c):
            return None
        out.append(c.lower())
        i += 1
    return "".join(out)


def trie_branches(words: list[str]) -> list[str]:
    """The branches of `trie_alternation(words)`, one per first letter, each a regex."""
    by_first: dict[str, list[str]] = {}
    for word in words:
        if word:
            by_first.setdefault(word[0], []).append(word[1:])
    return [re.escape(first) + trie_alternation(rests) for first, rests in by_first.items()]


def trie_alternation(words: list[str]) -> str:
    """A regex for any of `words` that branches letter by letter ("ch(?:ina|angning)"), which the
    regex engine rejects on one character test per branch instead of one per word."""
    if words == [""]:
        return ""
    branches = trie_branches(words)
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in words else body


def required_strings(source: str, flags: int = 0) -> tuple[str, ...] | None:
    """A few strings one of which every match of the regex holds, or None when none are found.

    Read from the parsed regex: a run of literal characters that must be matched,
    or such runs of every branch of a group that must be matched.
    """
    found = _required(_parser.parse(source, flags))
    return tuple(sorted(found)) if found else None


def required_string_sets(source: str, flags: int = 0) -> list[tuple[str, ...]]:
    """For each part every match of the regex has (a run of literals, a group, a repeat), the
    strings one of which every match of that part holds, where it has such strings."""
    parts = []
    parsed = _parser.parse(source, flags)
    for literal, items in groupby(parsed.data, key=lambda item: item[0] is _parser.LITERAL):
        parts += [list(items)] if literal else [[item] for item in items]
    return [tuple(sorted(found)) for found in map(_required, parts) if found]


def _required(items) -> frozenset[str] | None:
    """For a parsed sequence: the best of its mandatory parts' string sets (longest shortest string)."""
    choices, run = [], []
    for op, av in list(items) + [(None, None)]:
        if op is _parser.LITERAL:
            run.append(chr(av))
            continue
        if run:
            choices.append(frozenset(["".join(run)]))
            run = []
        inner = None
        if op is _parser.SUBPATTERN:
            inner = _required(av[3])
        elif op is _parser.BRANCH:
            branches = [_required(branch) for branch in av[1]]
            inner = None if None in branches else frozenset().union(*branches)
        elif op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT) and av[0] >= 1:
            inner = _required(av[2])
        if inner:
            choices.append(inner)
    if not choices:
        return None
    return max(choices, key=lambda strings: (min(map(len, strings)), -len(strings)))


class CaselessPattern:
    """A case-insensitive regex, searched case-sensitively in `lowered` text when it can be.

    A match found in the lower-cased text has the same span, but its groups
    read lower-cased: callers use only spans, digits and lower-cased words.
    The case-insensitive regex is compiled only when first needed.
    """

    def __init__(self, source: str, flags: int = 0):
        self.source, self.flags = source, flags | re.IGNORECASE
        lower_source = lower_case_source(source)
        self.lower_case = re.compile(lower_source, flags & ~re.IGNORECASE) if lower_source is not None else None
        # Most searches find nothing; a few substring tests tell most of those apart
        # without running the regex (only worth it for few, long strings).
        required = required_strings(lower_source, flags & ~re.IGNORECASE) if lower_source is not None else None
        self.required = required if required and len(required) <= 8 and min(map(len, required)) >= 3 else None

    @cached_property
    def pattern(self) -> re.Pattern:
        return re.compile(self.source, self.flags)

    def search(self, text: str, lower: str | None, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        """Search `text` from `pos` to `endpos`, as `re.Pattern.search` does; `lower` is `lowered(text)`."""
        if lower is not None and self.lower_case is not None:
            if self.required is not None:
                for required in self.required:
                    if required in lower:
                        break
                else:
                    return None
            return self.lower_case.search(lower, pos, endpos)
        return self.pattern.search(text, pos, endpos)

    def match(self, text: str, lower: str | None, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        """Match at `pos` of `text`, up to `endpos`, as `re.Pattern.match` does; `lower` is `lowered(text)`."""
        if lower is not None and self.lower_case is not None:
            return self.lower_case.match(lower, pos, endpos)
        return self.pattern.match(text, pos, endpos)


_UNITS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
# "one" alone is left out on purpose: it is far more often a pronoun
# ("one of the city's ...") than a figure.
_SMALL_WORDS = {**_UNITS, **_TENS, "one": 1, "a": 1, "an": 1}
_MULTIPLIER_WORDS = {"hundred": 100, "thousand": 1_000}
SCALES = {
    "thousand": 1e3, "million": 1e6, "mln": 1e6, "mn": 1e6, "billion": 1e9,
    "bln": 1e9, "bn": 1e9, "trillion": 1e12, "tn": 1e12,
}

_unit_alt = "|".join(sorted(_UNITS, key=len, reverse=True))
_tens_alt = "|".join(_TENS)
_TWO_DIGIT = rf"(?:(?:{_tens_alt})(?:[- ](?:{_unit_alt}))?|{_unit_alt})"
_WORD_NUMBER = (
    rf"(?:(?:a|an|one|{_TWO_DIGIT})\s+(?:hundred|thousand)(?:\s+and\s+{_TWO_DIGIT})?"
    rf"|one(?=\s+(?:million|billion|trillion)\b)|{_TWO_DIGIT})"
)
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

# Non-ASCII signs are written as themselves, not as escapes, so that
# lower_case_source can rewrite the regexes they are in.
_YEN = "\u00a5"
_SQUARED = "\u00b2"
_CURRENCY_BEFORE = rf"US\s?\$|U\.S\.\s?\$|USD|RMB|CNY|\$|{_YEN}"
_CURRENCY_AFTER = r"(?:U\.S\.|US|American)\s+dollars|dollars|USD|yuan|RMB|CNY"
_AMOUNT = (
    rf"(?:(?P<cur_before>{_CURRENCY_BEFORE})\s?)?"
    rf"(?P<num>{_DIGITS}|\b{_WORD_NUMBER}\b)"
    rf"(?:\s?(?P<scale>trillion|billion|million|thousand|bln|mln|bn|mn|tn)\b)?"
    rf"(?:\s(?P<cur_after>{_CURRENCY_AFTER})\b)?"
    rf"(?P<pct>\s?(?:%|percent\b|per\s?cent\b|percentage points?\b))?"
    # "5-plus", "5+", "5 or more", "5 and above", read within the 12 characters after the
    # amount: a phrase that reaches the 12th ends there, so no word boundary is asked after it.
    # (The hyphen is escaped, or lower_case_source would read "=-p" as a range of characters.)
    r"(?:(?=\-plus\b|\+|\s{1,4}or more\b|\s{5}or more|\s{1,2}and above\b|\s{3}and above)(?P<at_least_after>)|)"
)
_FIGURE = re.compile(
    # The lookahead rejects, in one character test, positions where no figure can start.
    rf"(?=[\d${_YEN}UuRrCcTtFfSsEeNnAaOoZz])(?<![\w${_YEN}.,/-])" + _AMOUNT,
    re.IGNORECASE | re.ASCII,
)

# Scanning with _FIGURE tries it at every letter and digit of the text. In a
# lower-cased copy, one case-sensitive search the regex engine scans quickly
# finds each figure together with the character before it: a character that
# ends a word, then a digit, a currency sign or code, or a number word ("a"
# only before "hundred" or "thousand"), then the amount. Its matches are the
# same as a full scan's. The boundary is the class of _FIGURE's look-behind with
# a-z0-9_ for \w: the same in text without capitals, and tested faster. The look-ahead
# is tried after most spaces, and the engine rejects an alternative that begins with
# a letter by testing it, so the number words' branches are its own alternatives
# (not one group of them, which it would enter each time), and each first letter
# begins one alternative: 10% fewer instructions.
_FIGURE_AFTER_BOUNDARY = re.compile(
    rf"[^a-z0-9_${_YEN}.,/-](?=[\d${_YEN}]|u(?:s\s?\$|sd|\.s\.\s?\$)|rmb|cny|an?\s+(?:hundred|thousand)|"
    + "|".join(branch + r"\b" for branch in trie_branches(sorted({*_UNITS, *_TENS, "one"}))) + ")"
    + lower_case_source(_AMOUNT),
    re.ASCII,
)

QUALIFIERS = {
    "approx": ["about", "around", "some", "roughly", "approximately", "approx.", "nearly", "near", "almost",
               "close to", "an estimated", "estimated", "circa", "around about"],
    "at_least": ["over", "more than", "exceeded", "exceeding", "exceeds", "exceed", "above",
                 "at least", "in excess of", "upwards of", "upward of", "no less than", "not less than",
                 "surpassed", "surpassing", "topped", "north of", "beyond"],
    "at_most": ["under", "less than", "fewer than", "up to", "below", "at most", "no more than",
                "not more than", "a maximum of", "a maximum"],
}
_QUALIFIER_WORD = {w: q for q, words in QUALIFIERS.items() for w in words}
# Optional parts are written "(?:...|)", not "(?:...)?", which the regex engine
# matches the same but with a heap-allocated repeat at every try; the phrases
# branch letter by letter (tried longest first where one extends another).
_QUALIFIER_BEFORE = CaselessPattern(
    r"\b(?:(?:just|only|well|slightly)\s+|)(?P<q>" + trie_alternation(sorted(_QUALIFIER_WORD))
    + r")\s+(?:a total of\s+|the\s+|)$",
    re.ASCII,
)
def by_last_character(suffixes: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Non-empty `suffixes` by their last character: `s.endswith(groups.get(s[-1:], ()))` is
    `s.endswith(suffixes)`, with each test touching only the few that can match."""
    groups: dict[str, tuple[str, ...]] = {}
    for suffix in suffixes:
        groups[suffix[-1]] = groups.get(suffix[-1], ()) + (suffix,)
    return groups


# Every _QUALIFIER_BEFORE match ends in a qualifier phrase, then spaces, or in one of
# these after a qualifier phrase and spaces.
_QUALIFIER_PHRASES = tuple(_QUALIFIER_WORD)
_QUALIFIER_PHRASES_BY_LAST = by_last_character(_QUALIFIER_PHRASES)
_QUALIFIER_LEAD_OUTS_BY_LAST = by_last_character(("the", "a total of"))


def _may_end_in_qualifier(words_before: str) -> bool:
    """Whether lower-cased, right-stripped `words_before` can end in a _QUALIFIER_BEFORE match."""
    last = words_before[-1:]
    if words_before.endswith(_QUALIFIER_PHRASES_BY_LAST.get(last, ())):
        return True
    for lead_out in _QUALIFIER_LEAD_OUTS_BY_LAST.get(last, ()):
        if words_before.endswith(lead_out):
            words = words_before[:-len(lead_out)].rstrip()
            return words.endswith(_QUALIFIER_PHRASES_BY_LAST.get(words[-1:], ()))
    return False

# "no more than" must not read as "more than"; the longest phrase is tried first
# by the alternation order above, and these negations flip the meaning.

_MONTHS = (r"January|February|March|April|May|June|July|August|September|October|November|December"
           r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec")
_MONTH_BEFORE = CaselessPattern(rf"\b(?:{_MONTHS})\.?\s*$", re.ASCII)
# Every _MONTH_BEFORE match ends in one of these, then spaces.
_MONTH_LAST_WORDS = tuple(w + dot for w in _MONTHS.lower().replace("sept?", "sep|sept").split("|") for dot in ("", "."))
_MONTH_LAST_WORDS_BY_LAST = by_last_character(_MONTH_LAST_WORDS)
_PERIOD_BEFORE = CaselessPattern(r"\b(?:first|last|past|next|previous|initial)\s+$", re.ASCII)
_OPEN_BRACKET = re.compile(r"\s*\(\s*(?:about |around |roughly |or |approximately |some )?", re.IGNORECASE | re.ASCII)
_VERSION_BEFORE = re.compile(r"\b(?:version|Industry|Web|V)\s*$", re.IGNORECASE | re.ASCII)


def _first_matching(named: list[tuple[str, re.Pattern]], lower_case: bool = False) -> re.Pattern:
    """One regex that matches where the first of the (name, regex) pairs that matches does,
    with that name as its match's `lastgroup`: one match instead of a chain of them. With
    `lower_case`, it matches the same case-sensitively in `lowered` text, which only a
    case-insensitive regex, or one without letters, can."""
    alternatives = []
    for name, pattern in named:
        source, caseless = pattern.pattern, bool(pattern.flags & re.IGNORECASE)
        if lower_case:
            source = lower_case_source(source)
            if source is None or (not caseless and source != pattern.pattern):
                raise ValueError(f"{pattern.pattern!r} cannot be matched in lower-cased text")
            caseless = False
        flags = ("a" if pattern.flags & re.ASCII else "") + ("i" if caseless else "")
        # The name is an empty group at the end, so that an alternative begins with its
        # first character, which the engine tests before trying the alternative.
        alternatives.append(f"(?{flags}:{source})(?P<{name}>)")
    return re.compile("|".join(alternatives))


# What may follow a figure, read in the 40 characters after it, each named for the
# kind it makes, in the order _kind decides (with tests of the number and of what
# comes before in between). Optional parts are empty alternatives, as in _QUALIFIER_BEFORE.
_KINDS_AFTER_PERIOD = [
    ("duration", re.compile(
        r"[\s-]*(?:more\s+|consecutive\s+|straight\s+|full\s+|)"
        r"(?:years?|months?|weeks?|days?|hours?|minutes?|decades?|centuries|year-old)\b", re.IGNORECASE | re.ASCII)),
    ("version", re.compile(r"\s*(?:version|edition)\b", re.IGNORECASE | re.ASCII)),
    ("area", re.compile(rf"\s*(?:square\s+met(?:er|re)s?|sq\.?\s?m\b|sqm\b|m2\b|m{_SQUARED})", re.IGNORECASE | re.ASCII)),
]
_KINDS_AFTER = [
    ("identifier", re.compile(r"[a-z0-9]", re.IGNORECASE | re.ASCII)),
    ("range", re.compile(r"-\d")),
    ("time", re.compile(r":\d\d|\s?(?:a\.m\.|p\.m\.|am\b|pm\b|o'clock)", re.IGNORECASE | re.ASCII)),
    ("date", re.compile(rf"(?:st|nd|rd|th|)\s+(?:of\s+|)(?:{_MONTHS})\b", re.IGNORECASE | re.ASCII)),
    ("period", re.compile(r"\s+(?:months?|quarters?|half)\b", re.IGNORECASE)),
    *_KINDS_AFTER_PERIOD,
]
_KIND_AFTER = _first_matching(_KINDS_AFTER)
_KIND_AFTER_IN_LOWER = _first_matching(_KINDS_AFTER, lower_case=True)
# "3 months" not after "first" or "last" is no period, and may still be a duration.
_KIND_AFTER_PERIOD = _first_matching(_KINDS_AFTER_PERIOD)


@dataclass(frozen=True)
class Figure:
    """One numeric expression in a text.

    `start`/`end` span the amount as written (currency, number, scale);
    `qualifier_start` extends back over a qualifier such as "more than".
    """
    start: int
    end: int
    qualifier_start: int
    text: str
    value: float
    kind: str          # count | money | area | percent | year | date | duration | version | period | range | time
    currency: str | None   # USD | CNY for money
    qualifier: str     # exact | approx | at_least | at_most


def parse_number(token: str) -> float | None:
    """Digits with separators, or number words ("Fourteen", "a hundred", "two hundred")."""
    token = token.strip()
    if token[0].isdigit():
        return float(token.replace(",", ""))
    words = re.split(r"[\s-]+", token.lower())
    total, current = 0, 0
    for word in words:
        if word == "and":
            continue
        if word in _MULTIPLIER_WORDS:
            current = max(current, 1) * _MULTIPLIER_WORDS[word]
            if word == "thousand":
                total, current = total + current, 0
        elif word in _SMALL_WORDS:
            current += _SMALL_WORDS[word]
        else:
            return None
    return float(total + current)


_YUAN_MARKERS = {"RMB", "CNY", "YUAN", _YEN}


def _window_before(text: str, lower: str | None, start: int, width: int) -> tuple[str, str | None]:
    """The `width` characters before `start`, and the same of `lower`."""
    begin = max(0, start - width)
    return text[begin:start], (lower[begin:start] if lower is not None else None)


def _kind(text: str, lower: str | None, start: int, end: int, num: str, value: float, scaled: bool,
          words_before: str) -> str:
    """The kind of a figure that is no percentage and no money amount; `words_before` is the
    lower-cased text before it, right-stripped."""
    if lower is None:
        after = _KIND_AFTER.match(text, end, end + 40)
    else:
        after = _KIND_AFTER_IN_LOWER.match(lower, end, end + 40)
    kind_after = after.lastgroup if after else None
    if kind_after in ("identifier", "range", "time"):
        return kind_after
    if not scaled and len(num) == 4 and num.isdigit() and 1900 <= value <= 2099:
        return "year"
    # The look-behinds are searches over 30 characters; they run only where a string
    # test finds the words they end in.
    if kind_after == "date" or (words_before.endswith(_MONTH_LAST_WORDS_BY_LAST.get(words_before[-1:], ()))
                                and _MONTH_BEFORE.search(*_window_before(text, lower, start, 30))):
        return "date"
    if kind_after == "period":
        if _PERIOD_BEFORE.search(*_window_before(text, lower, start, 30)):
            return "period"
        after = _KIND_AFTER_PERIOD.match(text, end, end + 40)
        kind_after = after.lastgroup if after else None
    if kind_after == "duration":
        return "duration"
    if "." in num and (kind_after == "version" or _VERSION_BEFORE.search(text[max(0, start - 30):start])):
        return "version"
    return "area" if kind_after == "area" else "count"


def _qualifier(text: str, lower: str | None, start: int, words_before: str,
               at_least_after: str | None) -> tuple[str, int]:
    """The qualifier and the start of a figure's span with it; `at_least_after` is the
    figure's match's group of that name."""
    # Six figures in seven have no qualifier phrase last before them: that is found
    # by string tests, several times faster than the search.
    if _may_end_in_qualifier(words_before):
        before, lower_before = _window_before(text, lower, start, 40)
        m = _QUALIFIER_BEFORE.search(before, lower_before)
        if m:
            return _QUALIFIER_WORD[m.group("q").lower()], start - (len(before) - m.start())
    return ("exact" if at_least_after is None else "at_least"), start


def _is_equivalent(text: str, previous: Figure | None, start: int) -> bool:
    """A money amount in brackets right after another is its conversion, not a figure."""
    if previous is None or previous.kind != "money":
        return False
    return bool(_OPEN_BRACKET.fullmatch(text[previous.end:start]))


def _figure_matches(text: str, lower: str | None):
    """(start, end, groups) of each match of `_FIGURE.finditer(text)`, found faster;
    `lower` is `lowered(text)`, and groups read from it are lower-cased."""
    if lower is None:
        for m in _FIGURE.finditer(text):
            yield m.start(), m.end(), m.groups()
        return
    # A leading space lets the first word start like any other; the boundary character
    # found at offset i of the padded text is then just before offset i of the text.
    padded, resume = " " + lower, 0
    while (m := _FIGURE_AFTER_BOUNDARY.search(padded, resume)) is not None:
        end = m.end() - 1
        yield m.start(), end, m.groups()
        # Resume at the figure's last character: after "5%", the "%" may be the next one's boundary.
        resume = end


_new_object = object.__new__
_set_attribute = object.__setattr__   # a frozen dataclass's own __setattr__ refuses


def find_figures(text: str) -> list[Figure]:
    """Every numeric expression in `text`, in order, classified by kind."""
    figures: list[Figure] = []
    lower = lowered(text)
    for start, end, (cur_before, num, scale, cur_after, pct, at_least_after) in _figure_matches(text, lower):
        # Most figures are a plain run of ASCII digits (the regexes match no other digits).
        value = float(num) if num.isdigit() else parse_number(num)
        if value is None:
            continue
        if scale:
            value *= SCALES[scale.lower()]
        marker = cur_before or cur_after
        currency = None if marker is None else "CNY" if marker.upper() in _YUAN_MARKERS else "USD"
        # One window serves both look-behind tests: a month word that ends the 30
        # characters before a figure also ends these 40.
        begin = start - 40 if start > 40 else 0
        words_before = (lower[begin:start] if lower is not None else text[begin:start].lower()).rstrip()
        if pct:
            kind = "percent"
        elif currency:
            kind = "equivalent" if _is_equivalent(text, figures[-1] if figures else None, start) else "money"
        else:
            kind = _kind(text, lower, start, end, num, value, bool(scale), words_before)
        qualifier, qualifier_start = _qualifier(text, lower, start, words_before, at_least_after)
        # The fields filled in at once, in their order, as a dict: the dataclass's __init__
        # sets each by a call of object.__setattr__, which takes twice the instructions.
        figure = _new_object(Figure)
        _set_attribute(figure, "__dict__", {
            "start": start, "end": end, "qualifier_start": qualifier_start, "text": text[start:end],
            "value": value, "kind": kind, "currency": currency, "qualifier": qualifier})
        figures.append(figure)
    return figures


FACT_KINDS = {"count", "money", "area"}
"""Kinds that can report an indicator; the rest are never facts."""

UNCLASSIFIED_SKIP = {"year", "date", "identifier", "period", "time", "equivalent"}
"""Kinds not even listed as unclassified figures: they are not quantities."""
