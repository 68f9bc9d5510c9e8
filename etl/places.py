"""Place names in text: which geo, sub-area and source economy a passage names.

The gazetteer is data (`catalog/places.toml`). `mentions(text)` lists every
place named; `most_specific` picks the one a figure is filed under: a district
(or a sub-area, filed under its district) beats Shanghai, which beats China.
"""
from __future__ import annotations

import re
import re._parser as _parser
import tomllib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from etl.numbers import lowered, matches_at_found_starts, trie_alternation

CATALOG = Path(__file__).parent / "catalog" / "places.toml"
LEVEL_RANK = {"area": 0, "district": 1, "city": 2, "country": 3}


@dataclass(frozen=True)
class Place:
    name: str
    level: str          # country | city | district | area
    parent: str | None

    @property
    def geo(self) -> str:
        """The geo a figure is filed under: sub-areas go to their district."""
        return self.parent if self.level == "area" else self.name

    @property
    def area(self) -> str | None:
        return self.name if self.level == "area" else None


class Mention(NamedTuple):   # a tuple: an article names a dozen places, and a dataclass costs twice as much to make
    place: Place
    start: int
    end: int


@dataclass(frozen=True)
class Gazetteer:
    places: tuple[Place, ...]
    economies: tuple[str, ...]
    place_pattern: re.Pattern
    economy_pattern: re.Pattern
    # what finds the names fast; None when some name's spellings cannot be listed
    place_heads: "HeadIndex | None"
    economy_heads: "HeadIndex | None"


def _alternation(patterns_of: dict[int, list[str]], end: str) -> re.Pattern:
    """Any of the patterns, on whole words; group "g<i>" is the one that matched a pattern of entry i."""
    groups = [f"(?P<g{i}>{'|'.join(patterns)})" for i, patterns in patterns_of.items()]
    return re.compile(r"(?<![\w-])(?:" + "|".join(groups) + r")" + end, re.IGNORECASE)


def _patterns_of(entries: list[dict]) -> dict[int, list[str]]:
    return {i: entry["patterns"] for i, entry in enumerate(entries)}


# Scanning a whole article with the ~100-name alternation tries every name at
# every word start (case-insensitive alternatives cannot be rejected on their
# first letter). A HeadIndex finds the few word starts worth trying instead:
# every spelling of a name begins with a "head", its leading run of letters and
# digits ("the" of "the city's", "jing" of "Jing'an"), so only a word whose own
# head is one of those can start a match. Those words are found by one
# case-sensitive scan of the lower-cased text (`numbers.lowered`) in which every
# character that cannot be part of a word is a space: a scan that starts at a
# space costs a third of one that starts at any of a class of characters, as
# the regex engine skips ahead to a literal but tests each character against a
# class. At each word found, the alternatives with that head are tried, in
# gazetteer order, by a regex of the same form as the full one. The matches are
# those of the full regex.
_HEAD = re.compile(r"[a-z0-9]*")
# Every ASCII character a name can come right after (all but lower-case letters,
# digits, "_" and "-") to a space.
_WORD_BREAKS_TO_SPACES = str.maketrans({c: " " for c in map(chr, range(128)) if not re.match(r"[a-z0-9_-]", c)})


def _words_between_spaces(lower: str) -> str:
    """`lower` (lower-cased text) with every character that may come before a word as a space.

    Non-ASCII characters become spaces too: a few extra word starts to try, where
    the name's own regex, which reads the text itself, rejects any that are not.
    """
    if not lower.isascii():
        lower = lower.encode("ascii", "replace").decode("ascii")
    return lower.translate(_WORD_BREAKS_TO_SPACES)


class _Unlistable(Exception):
    pass


def _spellings(items) -> list[str]:
    """Every string a parsed regex matches, when it is a finite list of literals."""
    out = [""]
    for op, av in items:
        if op is _parser.LITERAL:
            options = [chr(av)]
        elif op is _parser.IN and all(o is _parser.LITERAL for o, _ in av):
            options = [chr(a) for _, a in av]
        elif op is _parser.SUBPATTERN:
            options = _spellings(av[3])
        elif op is _parser.BRANCH:
            options = [s for branch in av[1] for s in _spellings(branch)]
        elif op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT) and av[1] <= 3:
            inner = _spellings(av[2])
            options, level = [], [""]
            for count in range(av[1] + 1):
                if count >= av[0]:
                    options += level
                level = [a + b for a in level for b in inner]
        else:
            raise _Unlistable(op)
        out = [a + b for a in out for b in options]
        if len(out) > 1000:
            raise _Unlistable("too many spellings")
    return out


@dataclass(frozen=True)
class HeadIndex:
    finder: re.Pattern   # a space, then what a name can start with (in `_words_between_spaces` text)
    # what the finder finds -> the regex of the alternatives with its head. It finds a head
    # itself, or, for a head no name is just (such as "the"), each whole spelling, so that
    # "the" alone is no word start worth trying.
    regex_at: dict[str, re.Pattern]

    @classmethod
    def build(cls, entries: list[dict], end: str) -> "HeadIndex | None":
        """The index of names `_alternation(_patterns_of(entries), end)` finds."""
        alternatives: dict[str, list[tuple[int, str]]] = {}
        spellings_of: dict[str, set[str]] = {}   # head -> the spellings, lower-cased, that start with it
        for i, entry in enumerate(entries):
            for pattern in entry["patterns"]:
                if not pattern.isascii():
                    return None
                try:
                    spellings = _spellings(_parser.parse(pattern, re.IGNORECASE))
                except (_Unlistable, re.error):
                    return None
                heads = {_HEAD.match(s.lower()).group() for s in spellings}
                if "" in heads:
                    return None
                for head in heads:
                    alternatives.setdefault(head, []).append((i, pattern))
                for spelling in spellings:
                    spellings_of.setdefault(_HEAD.match(spelling.lower()).group(), set()).add(spelling.lower())
        regex_of_head = {}
        for head, alts in alternatives.items():
            patterns_of: dict[int, list[str]] = {}   # entry index -> its spellings with this head, in order
            for i, pattern in alts:
                patterns_of.setdefault(i, []).append(pattern)
            regex_of_head[head] = _alternation(patterns_of, end)
        regex_at = {found.translate(_WORD_BREAKS_TO_SPACES): regex_of_head[head]
                    for head, spellings in spellings_of.items()
                    for found in ([head] if head in spellings else spellings)}
        finder = re.compile(r" (?=(" + trie_alternation(sorted(regex_at)) + r")(?![a-z0-9]))")
        return cls(finder, regex_at)

    def matches(self, text: str) -> list[tuple[int, int, int]] | None:
        """(entry index, start, end) of every name in `text`, or None when the text needs the full regex."""
        lower = lowered(text)
        if lower is None:
            return None
        regex_at = self.regex_at
        return [(int(name.lastgroup[1:]), hit.start(), name.end()) for hit, name in matches_at_found_starts(
            self.finder, _words_between_spaces(lower), lambda hit: regex_at[hit.group(1)].match(text, hit.start()))]


@cache
def gazetteer() -> Gazetteer:
    data = tomllib.loads(CATALOG.read_text(encoding="utf-8"))
    # Longer names first, so "West Hongqiao" wins over a district named inside it.
    place_rows = sorted(data["place"], key=lambda e: -max(len(p) for p in e["patterns"]))
    economy_rows = data["economy"]
    place_end = r"(?![\w-])"
    # "German-funded", "Japanese-invested": an economy may lead a compound.
    economy_end = r"(?!\w)"
    return Gazetteer(
        places=tuple(Place(e["name"], e["level"], e.get("parent")) for e in place_rows),
        economies=tuple(e["name"] for e in economy_rows),
        place_pattern=_alternation(_patterns_of(place_rows), place_end),
        economy_pattern=_alternation(_patterns_of(economy_rows), economy_end),
        place_heads=HeadIndex.build(place_rows, place_end),
        economy_heads=HeadIndex.build(economy_rows, economy_end),
    )


def all_places() -> list[Place]:
    """Every place in the gazetteer, China first, then Shanghai, its districts and sub-areas."""
    return sorted(gazetteer().places, key=lambda p: (-LEVEL_RANK[p.level], p.name))


# Names of things that contain a place name without being about that place, by
# the place name they hold: (the regex before it, of fixed width; the regex after it).
_NOT_A_PLACE_AROUND = {
    "China": [("", " International Import Expo"), ("Invest in ", ""), ("Bank of ", ""), ("Made in ", ""),
              ("", " Daily"), ("", r" [A-Z][a-z]+ (?:Group|Corporation|Co\b)")],
    "Shanghai": [("", " Daily"), (r"National Exhibition and Convention Center \(", r"\)")],
}
_NOT_A_PLACE = re.compile("|".join(before + name + after
                                   for name, around in _NOT_A_PLACE_AROUND.items() for before, after in around))
# Most texts hold none of those names. Searching for each place name, a literal the
# regex engine skips ahead to, and then for what is around it, tells so at a fifth
# of the cost of searching for the names, which start with common capitals.
_NOT_A_PLACE_HINTS = [
    re.compile(name + "(?:" + "|".join((f"(?<={before}{name})" if before else "") + after for before, after in around) + ")")
    for name, around in _NOT_A_PLACE_AROUND.items()
]


def mentions(text: str) -> list[Mention]:
    """Every place named in `text`, in order."""
    g = gazetteer()
    masked = _NOT_A_PLACE.sub(_underscores, text) if any(hint.search(text) for hint in _NOT_A_PLACE_HINTS) else text
    return [Mention(g.places[index], start, end) for index, start, end in _names(masked, g.place_pattern, g.place_heads)]


def _names(text: str, pattern: re.Pattern, heads: HeadIndex | None) -> list[tuple[int, int, int]]:
    """(entry index, start, end) of every name `pattern` finds in `text`, found through `heads` when it can."""
    named = heads.matches(text) if heads is not None else None
    if named is None:
        named = [(int(m.lastgroup[1:]), m.start(), m.end()) for m in pattern.finditer(text)]
    return named


def _underscores(m: re.Match) -> str:
    return "_" * len(m.group(0))


class MentionIndex:
    """Every place named in a text, found once, then looked up by offset range."""

    def __init__(self, text: str):
        self.found = mentions(text)
        self.starts = [m.start for m in self.found]

    def between(self, start: int, end: int) -> list[Mention]:
        return self.found[bisect_left(self.starts, start):bisect_left(self.starts, end)]


def most_specific(found: list[Mention]) -> Place | None:
    """The narrowest place among `found`; the first named wins a tie."""
    if not found:
        return None
    return min(found, key=lambda m: (LEVEL_RANK[m.place.level] if m.place.level != "area" else 0, m.start)).place


def counterparts(text: str) -> list[tuple[str, int]]:
    """Source economies named in `text`, with their offsets."""
    g = gazetteer()
    return [(g.economies[index], start) for index, start, _ in _names(text, g.economy_pattern, g.economy_heads)]


def article_place(paragraphs: list[str]) -> Place | None:
    """The district (or sub-area) an article of these paragraphs is about, if any."""
    text = "\n\n".join(paragraphs)
    spans, cursor = [], 0
    for paragraph in paragraphs:
        spans.append((cursor, cursor + len(paragraph)))
        cursor += len(paragraph) + 2
    return article_place_in(text, spans, MentionIndex(text))


# The end of a lead-in that says an event took place at what it names next.
_HOSTED_IN = re.compile(r"\b(?:held|hosted|organi[sz]ed|took place|located)\b[^.]*$", re.I)


def article_place_in(text: str, paragraph_spans: list[tuple[int, int]], named: MentionIndex) -> Place | None:
    """The district (or sub-area) the article is about, if any.

    One named in the opening paragraphs, or in a "held in/at ... District" or
    "hosted by" phrase, or more than once; among those, the most named.
    `paragraph_spans` are in order; names between paragraphs do not count.
    """
    counts: dict[str, int] = {}
    anchored: set[str] = set()
    by_name: dict[str, Place] = {}
    paragraph_starts = [start for start, _ in paragraph_spans]
    # An article has three times as many paragraphs as district names: each name
    # looks up its paragraph rather than each paragraph its names.
    for mention in named.found:
        place = mention.place
        if place.level not in ("district", "area"):
            continue
        i = bisect_right(paragraph_starts, mention.start) - 1
        if i < 0 or mention.start >= paragraph_spans[i][1]:
            continue
        key = place.geo
        by_name.setdefault(key, place)
        if place.level == "area":
            by_name[key] = place
        counts[key] = counts.get(key, 0) + 1
        if key not in anchored and (
                i < 2 or _HOSTED_IN.search(text[max(paragraph_starts[i], mention.start - 80):mention.start])):
            anchored.add(key)
    candidates = {k: n for k, n in counts.items() if k in anchored or n >= 2}
    if not candidates:
        return None
    best = max(candidates, key=lambda k: (candidates[k], k in anchored))
    return by_name[best]
