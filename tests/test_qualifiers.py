"""Qualifiers: how exact a figure is said to be ("about", "more than", "up to").

Table-driven, in the manner of price-parser's test suite.
"""
from __future__ import annotations

import pytest

from etl.numbers import FACT_KINDS, find_figures, fold_punctuation

# Expected: (string, the figure as written, qualifier, the figure with its qualifier as written)
QUALIFIED = [
    ("drew just under 180 executives", "180", "at_most", "just under 180"),
    ("Near 400 guests participated the meeting", "400", "approx", "Near 400"),
    # approx
    ("about 300 guests attended", "300", "approx", "about 300"),
    ("About 140 problems were solved", "140", "approx", "About 140"),
    ("around 1,200 firms", "1,200", "approx", "around 1,200"),
    ("Around 80 executives joined", "80", "approx", "Around 80"),
    ("some 12,400 Japanese companies", "12,400", "approx", "some 12,400"),
    ("roughly US$2.5 billion of capital", "US$2.5 billion", "approx", "roughly US$2.5 billion"),
    ("approximately 600 square meters", "600", "approx", "approximately 600"),
    ("nearly 400 attendees", "400", "approx", "nearly 400"),
    ("Nearly a hundred requests", "a hundred", "approx", "Nearly a hundred"),
    ("almost 90 projects", "90", "approx", "almost 90"),
    ("close to 600 delegates", "600", "approx", "close to 600"),
    ("an estimated 2,000 visitors", "2,000", "approx", "an estimated 2,000"),
    # at_least
    ("over 100 companies", "100", "at_least", "over 100"),
    ("Over 70 foreign banks", "70", "at_least", "Over 70"),
    ("more than 3,900 enterprises", "3,900", "at_least", "more than 3,900"),
    ("More than 500 guests", "500", "at_least", "More than 500"),
    ("attendance exceeded 150", "150", "at_least", "exceeded 150"),
    ("above 20 projects", "20", "at_least", "above 20"),
    ("at least 50 firms", "50", "at_least", "at least 50"),
    ("well over 500 delegates", "500", "at_least", "well over 500"),
    ("no less than 40 measures", "40", "at_least", "no less than 40"),
    ("in excess of US$1 billion", "US$1 billion", "at_least", "in excess of US$1 billion"),
    ("more than a hundred issues", "a hundred", "at_least", "more than a hundred"),
    ("120-plus companies", "120", "at_least", "120"),
    ("200 or more participants", "200", "at_least", "200"),
    # at_most
    ("under 180 representatives", "180", "at_most", "under 180"),
    ("just under 180 representatives", "180", "at_most", "just under 180"),
    ("less than 10 firms", "10", "at_most", "less than 10"),
    ("fewer than 30 projects", "30", "at_most", "fewer than 30"),
    ("up to 260,000 square meters", "260,000", "at_most", "up to 260,000"),
    ("up to 30 million yuan in support", "30 million yuan", "at_most", "up to 30 million yuan"),
    ("no more than 5 batches", "5", "at_most", "no more than 5"),
    ("not more than 15 consultants", "15", "at_most", "not more than 15"),
    ("below 40 percent", "40 percent", "at_most", "below 40 percent"),
    # exact
    ("6,017 new enterprises", "6,017", "exact", "6,017"),
    ("nine roundtable meetings", "nine", "exact", "nine"),
    ("a total of 88 projects", "88", "exact", "88"),
    ("US$4.67 billion of paid-in capital", "US$4.67 billion", "exact", "US$4.67 billion"),
    ("rose to 300 firms", "300", "exact", "300"),
    ("up 5 percent", "5 percent", "exact", "5 percent"),
    ("Over the same period, 45 firms were added", "45", "exact", "45"),
    ("some of the 30 companies", "30", "exact", "30"),
    ("more than doubled to 64 centres", "64", "exact", "64"),
]


def _row_id(row):
    return row[0]


@pytest.mark.parametrize(("text", "span", "qualifier", "as_written"),
                         [pytest.param(*r, id=_row_id(r)) for r in QUALIFIED])
def test_qualifier_words_set_the_qualifier(text, span, qualifier, as_written):
    folded = fold_punctuation(text)
    by_text = {f.text: f for f in find_figures(folded)}
    assert span in by_text, f"no figure {span!r} in {sorted(by_text)}"
    fig = by_text[span]
    assert fig.qualifier == qualifier
    assert folded[fig.qualifier_start:fig.end] == as_written


# "no more than" is a ceiling: the longer phrase wins over "more than" inside it.
NEGATED = [
    ("no more than 20 firms", "at_most"),
    ("No more than 3 batches", "at_most"),
    ("not more than 12 events", "at_most"),
    ("no less than 40 measures", "at_least"),
    ("not less than 8 roundtables", "at_least"),
]


@pytest.mark.parametrize(("text", "qualifier"), [pytest.param(*r, id=r[0]) for r in NEGATED])
def test_negated_qualifier_is_not_read_as_its_opposite(text, qualifier):
    found = [f for f in find_figures(fold_punctuation(text)) if f.kind in FACT_KINDS]
    assert [f.qualifier for f in found] == [qualifier]

