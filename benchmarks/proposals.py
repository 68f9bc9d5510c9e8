"""Proposed speed-ups for etl/, as in-process prototypes that change no file.

`apply()` swaps etl functions for faster versions in the running process
only; `check(texts)` extracts the same articles with and without them and
counts the articles whose facts or unclassified figures differ. The
benchmark (`probe extract --proposals`) runs both, so docs/performance.md can
say what the changes would buy, measured, and whether the output stays the
same. The owner of etl/ can port them; this file is their specification.

etl/ moves on: each prototype names the function it replaces and a
fingerprint of that function's source as it was when the prototype was
written. A prototype whose target has changed is not applied (`status()`
says which and why), so a stale prototype can never be measured against code
it was not written for.

The prototypes (each keeps the semantics of what it replaces):

- classify: which rules' `requires` pattern matches depends only on the
  paragraph, not on the figure, so it is computed once per paragraph (lazily,
  rule by rule) instead of once per figure; and a rule's cues are searched as
  one alternation instead of a Python loop over several patterns.
- gazetteer: the place and economy regexes start with a look-ahead on the
  letters a name can start with. The regexes open with a look-behind, which
  keeps the regex engine from skipping ahead, so it tried ~100 alternatives at
  every character; the look-ahead fails fast at most characters.
- find_period: the trigger-word gate (etl/periods.py) tests every trigger of
  every pattern in a generator per pattern; testing each distinct trigger
  word once per sentence and keeping a bit mask of the patterns it enables
  does the same with a fraction of the Python calls.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import re
from dataclasses import dataclass
from typing import Callable

from etl import indicators, periods, places


def fingerprint(fn) -> str:
    return hashlib.blake2b(inspect.getsource(fn).encode(), digest_size=6).hexdigest()


# ------------------------------------------------------------------------------------------- classify


def _classify(rules_fn, unit_kind):
    state = {"paragraph": None, "requires": {}}
    combined = [re.compile("|".join(f"(?:{c.pattern})" for c in rule.cues), re.IGNORECASE)
                for rule in rules_fn()]

    def classify(text, figure, paragraph):
        if paragraph != state["paragraph"]:
            state["paragraph"], state["requires"] = paragraph, {}
        known = state["requires"]
        for i, rule in enumerate(rules_fn()):
            if unit_kind[rule.indicator.unit] != figure.kind:
                continue
            if rule.requires is not None:
                ok = known.get(i)
                if ok is None:
                    ok = known[i] = rule.requires.search(paragraph) is not None
                if not ok:
                    continue
            if combined[i].search(text):
                return rule.indicator
        return None
    return classify


def _classify_fits() -> str | None:
    if any(c.flags & ~(re.IGNORECASE | re.UNICODE) for rule in indicators.rules() for c in rule.cues):
        return "a cue has flags other than IGNORECASE"
    return None


# ------------------------------------------------------------------------------------------ gazetteer


def _first_letters(pattern: re.Pattern) -> str | None:
    letters = set()
    for alt in re.findall(r"\(\?P<g\d+>([^()]*(?:\([^()]*\)[^()]*)*)\)", pattern.pattern):
        for piece in re.split(r"\|(?![^()]*\))", alt):
            if not piece or not piece[0].isalpha():
                return None
            letters.add(piece[0].lower())
    return "".join(sorted(letters)) or None


def _gazetteer(original):
    g = original()
    replaced = {}
    for name in ("place_pattern", "economy_pattern"):
        pattern = getattr(g, name)
        letters = _first_letters(pattern)
        if letters:
            replaced[name] = re.compile(f"(?=[{letters}])" + pattern.pattern, pattern.flags)
    fast = dataclasses.replace(g, **replaced)
    return lambda: fast


def _gazetteer_fits() -> str | None:
    g = places.gazetteer()
    if not all(hasattr(g, n) for n in ("place_pattern", "economy_pattern")):
        return "the gazetteer has no place_pattern/economy_pattern"
    if not g.place_pattern.flags & re.IGNORECASE or _first_letters(g.place_pattern) is None:
        return "a place pattern does not start with a letter"
    return None


# ---------------------------------------------------------------------------------------- find_period


def _find_period():
    compiled = periods._COMPILED
    words = sorted({t for triggers, _, _ in compiled for t in triggers if t not in ("<month>", "<year>")})
    word_bits = {w: 0 for w in words}
    month_bits = year_bits = 0
    for i, (triggers, _, _) in enumerate(compiled):
        for t in triggers:
            if t == "<month>":
                month_bits |= 1 << i
            elif t == "<year>":
                year_bits |= 1 << i
            else:
                word_bits[t] |= 1 << i
    word_items = list(word_bits.items())
    any_year, any_month, blank = periods._ANY_YEAR, periods._ANY_MONTH, periods._blank_comparisons
    order = list(enumerate(compiled))
    Period, date_, half_or_quarter = periods.Period, periods.date, periods._half_or_quarter

    def find_period(sentence, ref):
        lower = sentence.lower()
        has_year = bool(any_year.search(sentence))
        text = blank(sentence) if has_year or "year" in lower else sentence
        mask = year_bits if has_year else 0
        for word, bits in word_items:
            if word in lower:
                mask |= bits
        if any_month.search(text):
            mask |= month_bits
        if not mask:
            return None
        for i, (_, pattern, resolve) in order:
            if not mask >> i & 1:
                continue
            m = pattern.search(text)
            if not m:
                continue
            groups = m.groupdict()
            if groups.get("y4"):
                year = int(groups["y4"])
                return Period(date_(year, 1, 1), date_(year, 12, 31), year, "full_year")
            period = (resolve or half_or_quarter)(m, ref)
            if period is not None:
                return period
        return None
    return find_period


def _find_period_fits() -> str | None:
    if not all(hasattr(periods, n) for n in ("_COMPILED", "_ANY_YEAR", "_ANY_MONTH", "_triggered")):
        return "etl/periods.py has no trigger-word gate"
    if any(len(entry) != 3 for entry in periods._COMPILED):
        return "etl/periods.py _COMPILED entries are not (triggers, pattern, resolve)"
    return None


# -------------------------------------------------------------------------------------------- registry


@dataclass
class Prototype:
    name: str
    module: object
    attribute: str
    written_for: str              # fingerprint of the replaced function when the prototype was written
    make: Callable                # original -> replacement
    fits: Callable[[], str | None]


PROTOTYPES = [
    Prototype("classify: requires once per paragraph, one regex per rule", indicators, "classify",
              "b40aedb0e222", lambda original: _classify(indicators.rules, indicators.UNIT_KIND), _classify_fits),
    Prototype("gazetteer: first-letter look-ahead", places, "gazetteer", "19c0d9ec6c36", _gazetteer,
              _gazetteer_fits),
    Prototype("find_period: one test per trigger word, patterns as a bit mask", periods, "find_period",
              "4b0410204f02", lambda original: _find_period(), _find_period_fits),
]

_ORIGINALS: dict[str, object] = {}


def status() -> dict[str, str | None]:
    """Each prototype's name -> None when it fits this checkout of etl/, else why not."""
    out = {}
    for p in PROTOTYPES:
        original = _ORIGINALS.get(p.name, getattr(p.module, p.attribute))
        if fingerprint(original) != p.written_for:
            out[p.name] = f"{p.module.__name__}.{p.attribute} changed since the prototype was written"
        else:
            out[p.name] = p.fits()
    return out


def apply() -> list[str]:
    """Swap in the prototypes that fit (this process only); their names."""
    applied = []
    for p in PROTOTYPES:
        if p.name in _ORIGINALS:
            applied.append(p.name)
            continue
        if status()[p.name] is not None:
            continue
        original = getattr(p.module, p.attribute)
        _ORIGINALS[p.name] = original
        setattr(p.module, p.attribute, p.make(original))
        applied.append(p.name)
    return applied


def restore() -> None:
    for p in PROTOTYPES:
        if p.name in _ORIGINALS:
            setattr(p.module, p.attribute, _ORIGINALS.pop(p.name))


def check(texts: list[tuple[str, str]]) -> tuple[int, int]:
    """(articles compared, articles whose output differs) with and without the prototypes."""
    from etl.articles import parse_article
    from etl.extract import extract

    def run():
        out = []
        for article_id, text in texts:
            r = extract(parse_article(article_id, text))
            out.append(([f.to_dict() for f in r.facts], [u.to_dict() for u in r.unclassified]))
        return out

    was_applied = bool(_ORIGINALS)
    restore()
    before = run()
    apply()
    after = run()
    if not was_applied:
        restore()
    return len(texts), sum(1 for a, b in zip(before, after) if a != b)
