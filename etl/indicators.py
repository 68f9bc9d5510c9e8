"""Which indicator a figure reports, from the wording around it.

The cue table is data (`catalog/cues.toml`, documented there). A figure is
classified by rewriting its sentence so that the figure reads `#` and every
other figure `§`, then trying each indicator's cues in catalog order.
"""
from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from etl.numbers import CaselessPattern, Figure, lowered

CATALOG_DIR = Path(__file__).parent / "catalog"
UNIT_KIND = {"USD": "money", "sqm": "area", "count": "count", "batches": "count"}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    tier: str
    kind: str           # flow | stock | event
    description: str


# The cues are case-insensitive, which keeps the regex engine from skipping ahead
# on a cue's literal first letters or rejecting an alternative on its first
# letter: a search costs a few microseconds per sentence per cue. So each cue
# is a numbers.CaselessPattern: also compiled case-sensitive, lower-cased, and
# searched in the lower-cased text (`numbers.lowered`), the same matches 2-3
# times faster.


@dataclass(frozen=True)
class Rule:
    indicator: Indicator
    cues: tuple[CaselessPattern, ...]
    requires: CaselessPattern | None


@cache
def catalog() -> dict[str, Indicator]:
    """The indicator catalog, keyed by indicator key, in catalog order."""
    with open(CATALOG_DIR / "indicators.csv", encoding="utf-8", newline="") as fh:
        return {row["key"]: Indicator(**row) for row in csv.DictReader(fh)}


def _expand(pattern: str, macros: dict[str, str]) -> str:
    # Macros may use macros; expand until nothing changes.
    for _ in range(5):
        expanded = re.sub(r"\{([A-Z_]+)\}", lambda m: macros[m.group(1)], pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    return pattern


@cache
def rules() -> tuple[Rule, ...]:
    """The cue table compiled, in the order cues are tried."""
    data = tomllib.loads((CATALOG_DIR / "cues.toml").read_text(encoding="utf-8"))
    macros = data.pop("macros")
    known = catalog()
    compiled = []
    for key, entry in data.items():
        if key not in known:
            raise ValueError(f"catalog/cues.toml: [{key}] is not an indicator in catalog/indicators.csv")
        cues = tuple(CaselessPattern(_expand(c, macros)) for c in entry["cues"])
        requires = CaselessPattern(entry["requires"]) if entry.get("requires") else None
        compiled.append(Rule(known[key], cues, requires))
    return tuple(compiled)


def cue_text(sentence: str, sentence_start: int, target: Figure, others: list[Figure]) -> str:
    """The sentence with `target` (and its qualifier) as `#`, other figures as `§`."""
    pieces, cursor = [], sentence_start
    for fig in sorted([target, *others], key=lambda f: f.qualifier_start):
        start = fig.qualifier_start if fig is target else fig.start
        if start < cursor:
            continue
        pieces.append(sentence[cursor - sentence_start:start - sentence_start])
        pieces.append("#" if fig is target else "§")
        cursor = fig.end
    pieces.append(sentence[cursor - sentence_start:])
    return "".join(pieces)


class Paragraph:
    """A figure's paragraph (with the article's lead), as the cues' `requires` see it.

    Each `requires` pattern is searched once per paragraph, not once per figure.
    """

    def __init__(self, text: str):
        self.text = text
        self.lower = lowered(text)
        self._met: dict[str, tuple[bool, ...]] = {}

    def requirements_met(self, kind: str) -> tuple[bool, ...]:
        """Whether each rule for figures of `kind` that has a `requires` finds it here, in rule order."""
        met = self._met.get(kind)
        if met is None:
            met = self._met[kind] = tuple(rule.requires.search(self.text, self.lower) is not None
                                          for rule in _rules_for_kind(kind) if rule.requires is not None)
        return met


@cache
def _rules_for_kind(kind: str) -> tuple[Rule, ...]:
    return tuple(rule for rule in rules() if UNIT_KIND[rule.indicator.unit] == kind)


def classify(text: str, figure: Figure, paragraph: Paragraph) -> Indicator | None:
    """The indicator `figure` reports, given its cue text, or None."""
    return _classify(text, figure.kind, paragraph.requirements_met(figure.kind))


# Press releases repeat their sentences, and cue texts (figures blanked) repeat more:
# 45% of the classifications of the synthetic benchmark corpus are repeats. The
# answer depends only on these arguments, so the latest ones are remembered.
@lru_cache(maxsize=1 << 14)
def _classify(text: str, kind: str, requirements_met: tuple[bool, ...]) -> Indicator | None:
    lower = lowered(text)
    met = iter(requirements_met)
    for rule in _rules_for_kind(kind):
        if rule.requires is not None and not next(met):
            continue
        for cue in rule.cues:
            if cue.search(text, lower):
                return rule.indicator
    return None
