"""Year-on-year change attached to a figure.

Table-driven, in the manner of price-parser's test suite. Each row names a
sentence, the figure the change is asked for (as written), and the expected
change in percent (negative for a fall) or None.
"""
from __future__ import annotations

import pytest

from etl.changes import find_yoy
from etl.numbers import find_figures, fold_punctuation


def yoy_of(sentence: str, target_text: str):
    text = fold_punctuation(sentence)
    figures = find_figures(text)
    matches = [f for f in figures if f.text == target_text]
    assert matches, f"no figure {target_text!r} in {[f.text for f in figures]}"
    value, _percent = find_yoy(text, matches[0], figures)
    return value


def rows(table):
    return [pytest.param(*row, id=row[0]) for row in table]


# --- a change after the figure ------------------------------------------------------

CHANGE_AFTER = [
    ("Foreign investment came to US$4.62 billion in Q1, dipping 9.8 percent from a year earlier.",
     "US$4.62 billion", -9.8),
    ("FDI hit US$2 billion, a 15 percent increase from a year earlier.", "US$2 billion", 15),
    ("New firms reached 530, 18 percent more than a year earlier.", "530", 18),
    ("Pudong set up 812 new foreign-invested enterprises, up 21.4 percent.", "812", 21.4),
    ("Jiading saw 2,150 new foreign firms, an increase of 17.6 percent year on year.", "2,150", 17.6),
    ("Paid-in foreign capital reached US$3.2 billion, down 8 percent.", "US$3.2 billion", -8),
    ("Contracted investment hit 940 million dollars, surging by 27.5 percent from a year earlier.",
     "940 million dollars", 27.5),
    ("FDI reached US$1.1 billion, a year-on-year drop of 4.5 percent.", "US$1.1 billion", -4.5),
    ("FDI was 580 billion yuan, down by 31.5 percent.", "580 billion yuan", -31.5),
    ("The district added 64 R&D centres, rising 12.5% year-on-year.", "64", 12.5),
    ("New firms numbered 1,935, an increase of 33 percent over the same period last year.",
     "1,935", 33),
    ("Paid-in capital was US$870 million, a decline of 2.3 percent.", "US$870 million", -2.3),
    ("Actual investment totaled US$6 billion, growing 7 percent year on year.", "US$6 billion", 7),
    ("The city attracted 4,210 foreign-funded firms, a rise of 9.8 percent.", "4,210", 9.8),
]


@pytest.mark.parametrize(("sentence", "target", "expected"), rows(CHANGE_AFTER))
def test_change_after_the_figure_is_its_yoy(sentence, target, expected):
    assert yoy_of(sentence, target) == pytest.approx(expected)


# --- a change before the figure: "grew X percent ... to <figure>" -------------------

CHANGE_BEFORE = [
    ("Actual use of foreign capital grew 5.9 percent year on year to 13.88 billion U.S. dollars.",
     "13.88 billion U.S. dollars", 5.9),
    ("Paid-in capital rose 6.4 percent to US$9.52 billion.", "US$9.52 billion", 6.4),
    ("New foreign firms fell 3 percent to 2,400.", "2,400", -3),
    ("Contracted investment jumped 22 percent from a year earlier to US$5 billion.",
     "US$5 billion", 22),
    ("FDI declined 12.1 percent year-on-year to 1.1 trillion yuan.", "1.1 trillion yuan", -12.1),
]


@pytest.mark.parametrize(("sentence", "target", "expected"), rows(CHANGE_BEFORE))
def test_change_before_the_figure_is_its_yoy(sentence, target, expected):
    assert yoy_of(sentence, target) == pytest.approx(expected)


# --- percentages that are not a year-on-year change of the figure -------------------

NOT_CHANGES = [
    ("The city set up 900 new firms; separately, exports rose 6 percent.", "900"),
    # shares
    ("Manufacturers numbered 410, accounting for 35.2 percent of the total.", "410"),
    ("Hong Kong invested US$190 billion, accounting for 62.1 percent of the city's total.",
     "US$190 billion"),
    ("The district is home to 120 R&D centres, or 21 percent of the city's total.", "120"),
    ("High-tech firms received US$4 billion, making up 30 percent of the total.", "US$4 billion"),
    # not year on year
    ("New firms reached 300, up 12 percent month on month.", "300"),
    ("Paid-in capital was US$800 million, up 4 percent quarter on quarter.", "US$800 million"),
    # percentage points are not a rate of change
    ("The district hosted 80 firms, up 2 percentage points.", "80"),
    # the change belongs to the other figure
    ("Contracted FDI reached US$5 billion, while actual use hit US$2 billion, up 10 percent.",
     "US$5 billion"),
    # no percentage at all
    ("Pudong set up 812 new foreign-invested enterprises.", "812"),
    ("The number of firms grew to 1,400.", "1,400"),
]


@pytest.mark.parametrize(("sentence", "target"), rows(NOT_CHANGES))
def test_share_or_other_percentage_is_not_a_change(sentence, target):
    assert yoy_of(sentence, target) is None
