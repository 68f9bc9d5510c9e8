"""Place names in text: which geo, sub-area and source economy a passage names.

The gazetteer is data (`catalog/places.toml`). `mentions(text)` lists every
place named; `most_specific` picks the one a figure is filed under: a district
(or a sub-area, filed under its district) beats Shanghai, which beats China.
"""
from __future__ import annotations

import re
import re._parser as _parser
import tomllib
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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


@dataclass(frozen=True)
class Mention:
    place: Place
    start: int
    end: int


@dataclass(frozen=True)
class Gazetteer:
    places: tuple[Place, ...]
    economies: tuple[str, ...]
    place_pattern: re.Pattern
    economy_pattern: re.Pattern
    place_heads: "HeadIndex | None"   # None when some name's spellings cannot be listed


def _alternation(entries: list[dict], end: str = r"(?![\w-])") -> re.Pattern:
    groups = [f"(?P<g{i}>{'|'.join(e['patterns'])})" for i, e in enumerate(entries)]
    return re.compile(r"(?<![\w-])(?:" + "|".join(groups) + r")" + end, re.IGNORECASE)


# Scanning a whole article with the ~100-name alternation tries every name at
# every word start (case-insensitive alternatives cannot be rejected on their
# first letter). A HeadIndex finds the few word starts worth trying instead:
# every spelling of a name begins with a "head", its leading run of letters and
# digits ("the" of "the city's", "jing" of "Jing'an"), so only a word whose own
# head is one of those can start a match. Those words are found by one
# case-sensitive scan of the lower-cased text (`numbers.lowered`), and at each
# the alternatives with that head are tried, in gazetteer order, by a regex of
# the same form as the full one. The matches are those of the full regex.
_HEAD = re.compile(r"[a-z0-9]*")


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
    finder: re.Pattern   # a character that ends a word, then a known head
    # head -> (regex of the alternatives that can start with it, entry index of each of its groups)
    by_head: dict[str, tuple[re.Pattern, list[int]]]
    # what the finder finds -> its head: the head itself, or, for a head no name is just
    # (such as "the"), each whole spelling, so that "the" alone is no word start worth trying
    head_of: dict[str, str]

    @classmethod
    def build(cls, entries: list[dict]) -> "HeadIndex | None":
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
        by_head = {}
        for head, alts in alternatives.items():
            groups: dict[int, list[str]] = {}   # entry index -> its spellings with this head, in order
            for i, pattern in alts:
                groups.setdefault(i, []).append(pattern)
            by_head[head] = (_alternation([{"patterns": p} for p in groups.values()]), list(groups))
        head_of = {found: head for head, spellings in spellings_of.items()
                   for found in ([head] if head in spellings else spellings)}
        finder = re.compile(r"[^\w-](?=(" + trie_alternation(sorted(head_of)) + r")(?![a-z0-9]))")
        return cls(finder, by_head, head_of)

    def matches(self, text: str) -> list[tuple[int, int, int]] | None:
        """(entry index, start, end) of every name in `text`, or None when the text needs the full regex."""
        lower = lowered(text)
        if lower is None:
            return None
        found = []
        for hit, name in matches_at_found_starts(
                self.finder, lower, lambda hit: self.by_head[self.head_of[hit.group(1)]][0].match(text, hit.start())):
            entry_of_group = self.by_head[self.head_of[hit.group(1)]][1]
            found.append((entry_of_group[int(name.lastgroup[1:])], hit.start(), name.end()))
        return found


@cache
def gazetteer() -> Gazetteer:
    data = tomllib.loads(CATALOG.read_text(encoding="utf-8"))
    # Longer names first, so "West Hongqiao" wins over a district named inside it.
    place_rows = sorted(data["place"], key=lambda e: -max(len(p) for p in e["patterns"]))
    economy_rows = data["economy"]
    return Gazetteer(
        places=tuple(Place(e["name"], e["level"], e.get("parent")) for e in place_rows),
        economies=tuple(e["name"] for e in economy_rows),
        place_pattern=_alternation(place_rows),
        # "German-funded", "Japanese-invested": an economy may lead a compound.
        economy_pattern=_alternation(economy_rows, end=r"(?!\w)"),
        place_heads=HeadIndex.build(place_rows),
    )


def all_places() -> list[Place]:
    """Every place in the gazetteer, China first, then Shanghai, its districts and sub-areas."""
    return sorted(gazetteer().places, key=lambda p: (-LEVEL_RANK[p.level], p.name))


# Names of things that contain a place name without being about that place.
_NOT_A_PLACE = re.compile(
    r"China International Import Expo|Invest in China|Bank of China|Made in China|China Daily|"
    r"China [A-Z][a-z]+ (?:Group|Corporation|Co\b)|Shanghai Daily|National Exhibition and Convention Center \(Shanghai\)",
)


def mentions(text: str) -> list[Mention]:
    """Every place named in `text`, in order."""
    g = gazetteer()
    masked = _NOT_A_PLACE.sub(_underscores, text)
    named = g.place_heads.matches(masked) if g.place_heads is not None else None
    if named is None:
        named = [(int(m.lastgroup[1:]), m.start(), m.end()) for m in g.place_pattern.finditer(masked)]
    return [Mention(g.places[index], start, end) for index, start, end in named]


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
    return [(g.economies[int(m.lastgroup[1:])], m.start()) for m in g.economy_pattern.finditer(text)]


def article_place(paragraphs: list[str]) -> Place | None:
    """The district (or sub-area) an article of these paragraphs is about, if any."""
    text = "\n\n".join(paragraphs)
    spans, cursor = [], 0
    for paragraph in paragraphs:
        spans.append((cursor, cursor + len(paragraph)))
        cursor += len(paragraph) + 2
    return article_place_in(text, spans, MentionIndex(text))


def article_place_in(text: str, paragraph_spans: list[tuple[int, int]], named: MentionIndex) -> Place | None:
    """The district (or sub-area) the article is about, if any.

    One named in the opening paragraphs, or in a "held in/at ... District" or
    "hosted by" phrase, or more than once; among those, the most named.
    """
    counts: dict[str, int] = {}
    anchored: set[str] = set()
    by_name: dict[str, Place] = {}
    for i, (p_start, p_end) in enumerate(paragraph_spans):
        for mention in named.between(p_start, p_end):
            place = mention.place
            if place.level not in ("district", "area"):
                continue
            key = place.geo
            by_name.setdefault(key, place)
            if place.level == "area":
                by_name[key] = place
            counts[key] = counts.get(key, 0) + 1
            lead_in = text[max(p_start, mention.start - 80):mention.start]
            if i < 2 or re.search(r"\b(?:held|hosted|organi[sz]ed|took place|located)\b[^.]*$", lead_in, re.I):
                anchored.add(key)
    candidates = {k: n for k, n in counts.items() if k in anchored or n >= 2}
    if not candidates:
        return None
    best = max(candidates, key=lambda k: (candidates[k], k in anchored))
    return by_name[best]
