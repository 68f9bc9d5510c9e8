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

from etl.numbers import lowered, trie_alternation

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
# first letter). A HeadIndex finds the names by one case-sensitive scan instead,
# of the text as lower-cased bytes in which every character that cannot be part
# of a word is a space (`_words_between_spaces`): a scan that starts at a space
# costs a third of one that starts at any of a class of characters, as the regex
# engine skips ahead to a literal but tests each character against a class. The
# finder matches a name's whole spelling as that text writes it, so which name
# the full regex matches where it finds one is known from what it found, but for
# the word breaks ("the city's" and "the city,s" both read "the city s"), which a
# string comparison settles. In text with non-ASCII characters, which the
# case-insensitive regex may read as ASCII letters and its look-arounds as word
# characters, the finder only picks the starts at which the full regex's
# alternatives with the name's head, its leading run of letters and digits, are
# tried. The matches are those of the full regex.
_HEAD = re.compile(r"[a-z0-9]*")
_WORD = re.compile(r"[a-z0-9_-]+")
# Lower-cases ASCII letters and turns every other byte a name can come right after
# (all but digits, "_" and "-") into a space.
_WORD_BYTES = bytes(ord(c.lower()) if re.match(r"[A-Za-z0-9_-]", c) else ord(" ") for c in map(chr, range(256)))


def _words_between_spaces(text: str) -> bytes:
    """`text` as bytes, its ASCII letters lower-cased, every character that may come before a word a space.

    Non-ASCII characters become spaces too: a few extra word starts to try, where
    the name's own regex, which reads the text itself, rejects any that are not.
    """
    return text.encode("ascii", "replace").translate(_WORD_BYTES)


class _Unlistable(Exception):
    pass


def _spellings(items) -> list[str]:
    """Every string a parsed regex matches, when it is a finite list of literals, in the
    order the regex engine tries them."""
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
            options = _repeated(_spellings(av[2]), av[0], av[1], greedy=op is _parser.MAX_REPEAT)
        else:
            raise _Unlistable(op)
        out = [a + b for a in out for b in options]
        if len(out) > 1000:
            raise _Unlistable("too many spellings")
    return out


def _repeated(options: list[str], least: int, most: int, greedy: bool) -> list[str]:
    """`options` repeated `least` to `most` times, in the order the regex engine tries them:
    a greedy repeat tries one more before it stops, a lazy one stops first."""
    if most == 0:
        return [""]
    more = [a + b for a in options for b in _repeated(options, max(least - 1, 0), most - 1, greedy)]
    if least > 0:
        return more
    return more + [""] if greedy else [""] + more


@dataclass(frozen=True)
class HeadIndex:
    finder: re.Pattern   # a space, then a spelling as `_words_between_spaces` writes it, ending a word
    # what the finder finds -> the names the full regex may match there, in the order it tries
    # them: (entry index, length, the spelling when the text must be compared with it, else None)
    names_at: dict[bytes, tuple[tuple[int, int, str | None], ...]]
    # what the finder finds -> the regex of the alternatives with its head, for non-ASCII text
    regex_at: dict[bytes, re.Pattern]

    @classmethod
    def build(cls, entries: list[dict], end: str) -> "HeadIndex | None":
        """The index of names `_alternation(_patterns_of(entries), end)` finds, where `end` is
        decided by the next character alone and every ASCII one but a letter, digit, "_" or "-" passes it."""
        continuing = "".join(c for c in map(chr, range(128)) if not re.match(end, c))
        if not re.match(end, "") or re.search(r"[^A-Za-z0-9_-]", continuing):
            return None
        spellings: list[tuple[int, str]] = []   # (entry index, spelling, lower-cased), in the order the full regex tries them
        alternatives: dict[str, list[tuple[int, str]]] = {}
        for i, entry in enumerate(entries):
            for pattern in entry["patterns"]:
                if not pattern.isascii():
                    return None
                try:
                    spelled = [s.lower() for s in _spellings(_parser.parse(pattern, re.IGNORECASE))]
                except (_Unlistable, re.error):
                    return None
                heads = {_HEAD.match(s).group() for s in spelled}
                if "" in heads:
                    return None
                for head in heads:
                    alternatives.setdefault(head, []).append((i, pattern))
                spellings += [(i, s) for s in spelled]
        regex_of_head = {}
        for head, alts in alternatives.items():
            patterns_of: dict[int, list[str]] = {}   # entry index -> its spellings with this head, in order
            for i, pattern in alts:
                patterns_of.setdefault(i, []).append(pattern)
            regex_of_head[head] = _alternation(patterns_of, end)
        names_at = {written: cls._names_at(written, spellings, continuing)
                    for written in {_words_between_spaces(s) for _, s in spellings}}
        regex_at = {written: regex_of_head[_HEAD.match(written.decode()).group()] for written in names_at}
        finder = r" (" + trie_alternation(sorted(w.decode() for w in names_at)) + r")(?![" + re.escape(continuing) + "])"
        return cls(re.compile(finder.encode()), names_at, regex_at)

    @staticmethod
    def _names_at(written: bytes, spellings: list[tuple[int, str]], continuing: str) -> tuple[tuple[int, int, str | None], ...]:
        """The names the full regex may match where the finder finds `written` (the longest
        spelling it can), in the order it tries them."""
        names, tried = [], set()
        for i, spelling in spellings:
            own = _words_between_spaces(spelling)
            if (spelling in tried or not written.startswith(own)
                    or (len(own) < len(written) and chr(written[len(own)]) in continuing)):
                continue
            tried.add(spelling)
            if _WORD.fullmatch(spelling):
                # nothing to compare, as a word has no breaks: it matches wherever the finder
                # finds `written`, and the names after it never do
                names.append((i, len(spelling), None))
                break
            names.append((i, len(spelling), spelling))
        return tuple(names)

    def matches(self, text: str) -> list[tuple[int, int, int]] | None:
        """(entry index, start, end) of every name in `text`, or None when the text needs the full regex."""
        ascii_text = text.isascii()
        if not ascii_text and lowered(text) is None:
            return None
        # The leading space makes the first word start like any other, and a hit then
        # starts at its word's own offset in the text.
        padded, resume, named = b" " + _words_between_spaces(text), 0, []
        finder, names_at, regex_at = self.finder, self.names_at, self.regex_at
        while (hit := finder.search(padded, resume)) is not None:
            start = hit.start()
            resume = start + 1
            if ascii_text:
                for index, length, spelling in names_at[hit.group(1)]:
                    if spelling is None or text[start:start + length].lower() == spelling:
                        resume = start + length
                        named.append((index, start, resume))
                        break
            elif (name := regex_at[hit.group(1)].match(text, start)) is not None:
                resume = name.end()
                named.append((int(name.lastgroup[1:]), start, resume))
        return named


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
