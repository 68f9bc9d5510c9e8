"""Which indicator a figure reports, from the wording around it.

The cue table is data (`catalog/cues.toml`, documented there). A figure is
classified by rewriting its sentence so that the figure reads `#` and every
other figure `§`, then trying each indicator's cues in catalog order.
"""
from __future__ import annotations

import csv
import re
import re._parser as _parser
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from etl.numbers import CaselessPattern, Figure, lowered, required_string_sets, required_strings, trie_alternation

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
    if not others:
        # Nine figures in ten are alone in their sentence: two slices, not a sort and a join.
        start = target.qualifier_start - sentence_start
        return sentence if start < 0 else sentence[:start] + "#" + sentence[target.end - sentence_start:]
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

    Each `requires` pattern is searched at most once per paragraph, and only
    when a figure's cue of its rule matched.
    """

    def __init__(self, text: str):
        self.text = text
        self._lower: str | None | bool = False   # `lowered(text)` once needed
        self._holds: dict[int, bool] = {}

    def holds(self, pattern: CaselessPattern) -> bool:
        found = self._holds.get(id(pattern))
        if found is None:
            if self._lower is False:
                self._lower = lowered(self.text)
            found = self._holds[id(pattern)] = pattern.search(self.text, self._lower) is not None
        return found


@cache
def _rules_for_kind(kind: str) -> tuple[Rule, ...]:
    return tuple(rule for rule in rules() if UNIT_KIND[rule.indicator.unit] == kind)


def classify(text: str, figure: Figure, paragraph: Paragraph) -> Indicator | None:
    """The indicator `figure` reports, given its cue text, or None."""
    for rule in _matching_rules(text, figure.kind):
        if rule.requires is None or paragraph.holds(rule.requires):
            return rule.indicator
    return None


def _reaches_around_figure(cue_source: str) -> tuple[int | None, int | None]:
    """How far before the figure's `#` a match of the cue can start, and how far past
    the text's last `#` a search must read; each None if unbounded or if the cue need
    not contain `#`.

    A cue text holds the figure as its first `#`, so a search can start that far
    before it: `Pattern.search(text, pos)` still sees the text before `pos` for
    `\\b` and look-behinds, so it finds what a search from the start finds. A match
    ends at most the width of what follows `#` in the cue past a `#`, and `\\b` or `$`
    at its end read the character there and whether another follows: a search can
    stop (`endpos`) two characters later and find the same, unless a look-ahead
    would read further.
    """
    parsed = _parser.parse(cue_source)
    for i, (op, av) in enumerate(parsed.data):
        if op is _parser.LITERAL and av == ord("#"):
            _, widest_before = _parser.SubPattern(parsed.state, parsed.data[:i]).getwidth()
            _, widest_after = _parser.SubPattern(parsed.state, parsed.data[i + 1:]).getwidth()
            looks_ahead = "(?=" in cue_source or "(?!" in cue_source
            reach_before = widest_before if widest_before < _parser.MAXREPEAT - 1 else None
            # From the `#`'s index: the `#`, what follows it, and the two characters `$` reads.
            reach_after = 1 + widest_after + 2 if widest_after < _parser.MAXREPEAT - 1 and not looks_ahead else None
            return reach_before, reach_after
    return None, None


@dataclass(frozen=True)
class _KindCues:
    """A kind's cues in the order they are tried, as bit sets for `_classify`.

    Two tests skip most cues without running them. Most cue texts hold the
    required strings of few cues: one scan finds which of the kind's strings a
    text may hold, `in` tells which it holds, and so which cues can match (bit i
    stands for `cues[i]`). And most cues need `#` within a bounded distance of
    their start, so they are searched from just before it, and many end within a
    bounded distance of it, so the search stops just after it. A search of a
    cue that need not end near `#` would try every start up to the text's end,
    though no match starts after the text's last `#`; when that is its only
    `#`, the cue is matched instead from the first start that can match,
    behind up to that many characters other than `#` (`_matched_from_reach`).

    A cue let through by the scan often needs other strings too ("set up" and
    then "regional headquarters"): half the searches are skipped by testing one
    of each set of strings with `in` first.
    """
    # (cue, the search of its lower-cased regex or its `_matched_from_reach`, its reaches
    # around `#` (each or None), its other required string sets, its rule)
    cues: tuple[tuple[CaselessPattern, Callable | None, int | None, int | None, tuple[tuple[str, ...], ...], Rule],
                 ...]
    # Finds the gates (`_gate`) of the required strings, without overlaps ...
    gate_finder: re.Pattern
    # ... and for each gate, the required strings that may be where it was found, with
    # the cues that need each.
    strings_at_gate: dict[str, tuple[tuple[str, int], ...]]
    cues_needing_nothing: int
    # For each cue, the cues of its rule.
    cues_of_rule: tuple[int, ...]

    def cues_that_may_match(self, lower: str) -> int:
        """The cues that need nothing or a required string that `lower` holds."""
        candidates = self.cues_needing_nothing
        for gate in self.gate_finder.findall(lower):
            for required, cues_needing_it in self.strings_at_gate[gate]:
                if required in lower:
                    candidates |= cues_needing_it
        return candidates


@cache
def _cues_for_kind(kind: str) -> _KindCues:
    cues, needing, nothing, of_rule = [], {}, 0, []
    for rule in _rules_for_kind(kind):
        first = len(cues)
        for cue in rule.cues:
            bit = 1 << len(cues)
            required = _required_strings(cue)
            for string in required:
                needing[string] = needing.get(string, 0) | bit
            if not required:
                nothing |= bit
            if cue.lower_case is None:
                cues.append((cue, None, None, None, (), rule))
                continue
            reach_before, reach_after = _reaches_around_figure(cue.lower_case.pattern)
            search = (_matched_from_reach(cue.lower_case.pattern, reach_before) if reach_before and reach_after is None
                      else cue.lower_case.search)
            # Strings of one or two characters ("s", "er", "# ") are in most cue texts:
            # testing them costs more than it skips. A set of fewer strings is tested first:
            # fewer `in` tests, and a set of one word is more often missing.
            also_required = tuple(sorted((strings for strings in required_string_sets(cue.lower_case.pattern)
                                          if strings != required and min(map(len, strings)) >= 3), key=len))
            cues.append((cue, search, reach_before, reach_after, also_required, rule))
        of_rule += [(1 << len(cues)) - (1 << first)] * len(rule.cues)
    gates = {required: _gate(required) for required in needing}
    strings_at_gate = {
        # The scan resumes after the gate it found, so it misses a gate that starts inside that one.
        found: tuple((required, needing[required]) for required, gate in gates.items()
                     if any(gate.startswith(found[i:]) for i in range(len(found))))
        for found in set(gates.values())}
    finder = re.compile(trie_alternation(sorted(strings_at_gate)))
    return _KindCues(tuple(cues), finder, strings_at_gate, nothing, tuple(of_rule))


def _holds_one_of_each(lower: str, string_sets: tuple[tuple[str, ...], ...]) -> bool:
    for strings in string_sets:
        for string in strings:
            if string in lower:
                break
        else:
            return False
    return True


def _matched_from_reach(lower_case_source: str, reach_before: int) -> Callable:
    """`match(text, pos, endpos)` of the cue behind up to `reach_before` characters other than `#`.

    Matched from `reach_before` before a text's only `#`, it tries the cue at each
    start up to the `#`, as a search from there would, and no further; only its
    truth is read, not its span.
    """
    return re.compile(f"[^#]{{0,{reach_before}}}?(?:{lower_case_source})").match


def _required_strings(cue: CaselessPattern) -> tuple[str, ...]:
    """Strings one of which every match of the cue holds, or none.

    The gate scan tells many strings apart as cheaply as few, so unlike
    `CaselessPattern.required` (a loop of `in` tests) these are not capped at
    eight: the cue of a list of nouns such as "visitors|representatives|people|..."
    is then run only on the texts that hold one.
    """
    if cue.lower_case is None:
        return ()
    required = required_strings(cue.lower_case.pattern)
    return required if required and min(map(len, required)) >= 3 else ()


# The space and the letters, the most common in English text first; other characters are rarer.
_CHARACTERS_BY_COMMONNESS = " etaoinshrdlcumwfgypbvkjxqz"


def _gate(required: str) -> str:
    """The three characters of `required` from its least common character with two after it.

    A scan for the required strings themselves tries each position of a text
    (they start with the letters most words start with); a scan for their gates
    skips, inside the regex engine, each position whose character starts no gate:
    two in three of a cue text's. Where a gate is found, `in` tells which strings are there.
    """
    def commonness(i: int) -> int:
        found = _CHARACTERS_BY_COMMONNESS.find(required[i])
        return len(_CHARACTERS_BY_COMMONNESS) if found < 0 else found
    start = max(range(len(required) - 2), key=commonness)
    return required[start:start + 3]


# Press releases repeat their sentences, and cue texts (figures blanked) repeat more:
# 45% of the classifications of the synthetic benchmark corpus are repeats. The
# answer depends only on these arguments, so the latest ones are remembered.
@lru_cache(maxsize=1 << 14)
def _matching_rules(text: str, kind: str) -> tuple[Rule, ...]:
    """The rules with a cue that matches `text`, in order, up to the first with no `requires`
    (which wins whatever the paragraph holds)."""
    lower = lowered(text)
    kind_cues = _cues_for_kind(kind)
    matching: list[Rule] = []
    if lower is None:
        for rule in _rules_for_kind(kind):
            if any(cue.search(text, None) for cue in rule.cues):
                matching.append(rule)
                if rule.requires is None:
                    break
        return tuple(matching)
    candidates = kind_cues.cues_that_may_match(lower)
    figure_at, last_hash_at = lower.find("#"), lower.rfind("#")
    while candidates:
        i = (candidates & -candidates).bit_length() - 1
        cue, find_in_lower, reach_before, reach_after, also_required, rule = kind_cues.cues[i]
        if also_required and not _holds_one_of_each(lower, also_required):
            found = None
        elif reach_before is None and reach_after is None:
            found = cue.search(text, lower)
        elif figure_at < 0:
            found = None
        elif reach_after is None and reach_before and figure_at != last_hash_at:
            found = cue.search(text, lower, figure_at - reach_before if figure_at > reach_before else 0)
        else:
            found = find_in_lower(
                lower, figure_at - reach_before if reach_before is not None and figure_at > reach_before else 0,
                last_hash_at + reach_after if reach_after is not None else len(lower))
        if found:
            matching.append(rule)
            if rule.requires is None:
                break
            candidates &= ~kind_cues.cues_of_rule[i]   # its rule is in: its other cues need not be tried
        else:
            candidates &= candidates - 1
    return tuple(matching)
