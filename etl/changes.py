"""Year-on-year change attached to a figure: "up 38.3 percent", "grew 5.9 percent ... to".

A percentage is only a change when change wording sits next to it; a share
("accounting for 62.1 percent") is not, and never becomes a fact either way.
"""
from __future__ import annotations

import re

from etl.numbers import FACT_KINDS, Figure

_RISE = r"up|rising|rose|rise|increas(?:e|ed|ing)|growth|grew|grow(?:ing|s)?|jump(?:ed|ing)?|surg(?:e|ed|ing)|soar(?:ed|ing)?|climb(?:ed|ing)?|gain(?:ed|ing)?|expand(?:ed|ing)|higher|advanc(?:e|ed|ing)"
_FALL = r"down|fell|fall(?:ing)?|drop(?:ped|ping)?|declin(?:e|ed|ing)|decreas(?:e|ed|ing)|slid(?:ing)?|slump(?:ed|ing)?|dip(?:ped|ping)?|lower|contract(?:ed|ing|ion)|shr[ai]nk(?:ing)?|plung(?:e|ed|ing)"
_CHANGE_BEFORE_PERCENT = re.compile(
    rf"\b(?P<word>{_RISE}|{_FALL})(?:\s+(?:by|of))?(?:\s+(?:a|an))?(?:\s+(?:year-on-year|year on year|yoy|annual|annualized))?\s*$",
    re.IGNORECASE,
)
# "a 15 percent increase from a year earlier", "18 percent more than a year earlier"
_CHANGE_AFTER_PERCENT = re.compile(
    rf"^\s*(?:year-on-year\s+|yoy\s+|annual\s+)?(?P<word>increase|rise|growth|jump|gain|surge|decline|drop|decrease|fall|"
    rf"more|less|higher|lower|fewer)\b", re.IGNORECASE)
_FALLING_AFTER = re.compile(r"^(?:decline|drop|decrease|fall|less|lower|fewer)$", re.IGNORECASE)
_FALLING = re.compile(rf"^(?:{_FALL})$", re.IGNORECASE)
_NOT_ANNUAL = re.compile(r"^\s*(?:month[- ]on[- ]month|quarter[- ]on[- ]quarter|from the previous (?:month|quarter)|of (?:the|its|all|total)\b)", re.IGNORECASE)
_TO_AFTER_PERCENT = re.compile(
    r"^\s*(?:(?:year[- ]on[- ]year|yoy|from a year (?:earlier|ago)|from the same period (?:of )?last year|annually),?\s*)?(?:to|at)\s+$",
    re.IGNORECASE,
)


def _signed(percent: Figure, word: str) -> float:
    return -percent.value if _FALLING.match(word) or _FALLING_AFTER.match(word) else percent.value


def _belongs_to_next(text: str, percent: Figure, target: Figure, figures: list[Figure]) -> bool:
    """ "298 firms, while FDI rose 9.7 percent to 1.12 billion": the change is the next figure's."""
    following = [f for f in figures if f.start > percent.end and f.kind in FACT_KINDS]
    return bool(following) and bool(_TO_AFTER_PERCENT.match(text[percent.end:following[0].qualifier_start]))


def find_yoy(text: str, target: Figure, figures: list[Figure]) -> tuple[float | None, Figure | None]:
    """The year-on-year change stated for `target`, and the percentage it came from.

    `text` is the folded article text; `figures` are the figures of the
    target's sentence, in order.
    """
    index = figures.index(target)
    # After the figure: "6,017 new enterprises, up 38.3 percent" - up to the next figure.
    for fig in figures[index + 1:]:
        if fig.kind in FACT_KINDS:
            break
        if fig.kind == "percent" and "point" not in fig.text.lower() and fig.start - target.end <= 160:
            gap = text[target.end:fig.qualifier_start]
            if ";" in gap or _belongs_to_next(text, fig, target, figures):
                break
            m = _CHANGE_BEFORE_PERCENT.search(gap) or _CHANGE_AFTER_PERCENT.match(text[fig.end:fig.end + 40])
            if m and not _NOT_ANNUAL.match(text[fig.end:fig.end + 40]):
                return _signed(fig, m.group("word")), fig
            break
    # Before the figure: "grew 5.9 percent year on year to 13.88 billion".
    for fig in reversed(figures[:index]):
        if fig.kind in FACT_KINDS:
            break
        if fig.kind == "percent" and _TO_AFTER_PERCENT.match(text[fig.end:target.qualifier_start]):
            m = _CHANGE_BEFORE_PERCENT.search(text[max(0, fig.qualifier_start - 40):fig.qualifier_start])
            if m:
                return _signed(fig, m.group("word")), fig
            break
    return None, None
