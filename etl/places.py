"""Place names in text: which geo, sub-area and source economy a passage names.

The gazetteer is data (`catalog/places.toml`). `mentions(text)` lists every
place named; `most_specific` picks the one a figure is filed under: a district
(or a sub-area, filed under its district) beats Shanghai, which beats China.
"""
from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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


def _alternation(entries: list[dict], end: str = r"(?![\w-])") -> re.Pattern:
    groups = [f"(?P<g{i}>{'|'.join(e['patterns'])})" for i, e in enumerate(entries)]
    return re.compile(r"(?<![\w-])(?:" + "|".join(groups) + r")" + end, re.IGNORECASE)


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
    masked = _NOT_A_PLACE.sub(lambda m: "_" * len(m.group(0)), text)
    found = []
    for m in g.place_pattern.finditer(masked):
        index = int(m.lastgroup[1:])
        found.append(Mention(g.places[index], m.start(), m.end()))
    return found


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
