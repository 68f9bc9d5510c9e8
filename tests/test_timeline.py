"""The periods an article's figures inherit, read lazily, are those read sentence by sentence.

`extract._Timeline` reads a sentence's period or event day only when a figure
needs it, looking back from the figure. These tests compare it with the plain
reading: every sentence in order, keeping the latest period and event day.
"""
from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from etl import numbers, periods
from etl.articles import parse_article
from etl.extract import _INHERITABLE, _SAME_PERIOD, _Timeline

SENTENCES = [
    "In 2023, the city approved many projects.",
    "In the first half of 2024, investment rose.",
    "By the end of 2022, the district hosted many firms.",
    "Over the same period, exports grew.",
    "During the quarter, sales slowed.",
    "For the year, the results were mixed.",
    "The forum was held on Friday.",
    "On March 3, 2024, the expo opened.",
    "Analysts said the outlook was bright.",
    "From January to May, output climbed.",
    "Priorities for 2031 were set out.",
    "Since 2019, firms have arrived.",
]


def eager_reading(article, text, spans):
    """(stated, carried, latest event day) of each sentence, read in order as extract used to."""
    ref = periods.Reference(article.published, article.year)
    last_any = last_calendar = last_day = None
    out = []
    for start, end in spans:
        sentence = text[start:end]
        stated = periods.find_period(sentence, ref)
        if stated is not None and article.published and stated.start and stated.start > article.published:
            stated = None
        if stated is None:
            back = _SAME_PERIOD.search(sentence, numbers.lowered(sentence))
            if back:
                same = "same" in back.group(0).lower()
                stated = (last_any or last_calendar) if same else (last_calendar or last_any)
        day = periods.find_event_date(sentence, ref)
        if day is not None:
            last_day = day
        carried = last_calendar
        if stated is not None:
            last_any = stated
            if stated.kind in _INHERITABLE:
                last_calendar = stated
        out.append((stated, carried, last_day))
    return out


def timeline_of(sentences):
    """A dated article of these sentences, and its timeline with every sentence added."""
    article = parse_article("t", " date 2024-06-14 " + " ".join(sentences))
    text = article.text
    timeline = _Timeline(text, numbers.lowered(text), article)
    cursor = 0
    for sentence in sentences:
        start = text.index(sentence, cursor)
        cursor = start + len(sentence)
        timeline.spans.append((start, cursor))
    return article, timeline


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=14),
       st.lists(st.tuples(st.sampled_from(["stated", "carried", "day"]), st.integers(0, 13)), max_size=30))
def test_timeline_read_in_any_order_answers_as_reading_every_sentence(chosen, questions):
    article, timeline = timeline_of(chosen)
    expected = eager_reading(article, article.text, timeline.spans)
    for question, i in questions:
        i %= len(timeline.spans)
        stated, carried, latest_day = expected[i]
        if question == "stated":
            assert timeline.stated(i) == stated
        elif question == "carried":
            assert timeline.carried(i) == carried
        else:
            assert timeline.latest_event_day(i) == latest_day


def test_a_back_reference_read_first_takes_the_period_stated_before_it():
    _, timeline = timeline_of(["In the first half of 2024, investment rose.", "Analysts were upbeat.",
                               "Over the same period, exports grew."])
    first_half = periods.Period(date(2024, 1, 1), date(2024, 6, 30), 2024, "part_year")
    assert timeline.stated(2) == first_half
    assert timeline.stated(1) is None and timeline.carried(2) == first_half


def test_the_quarter_means_the_last_calendar_period_even_after_a_stock_date():
    _, timeline = timeline_of(["In 2023, the city approved many projects.",
                               "By the end of 2022, the district hosted many firms.", "During the quarter, sales slowed."])
    assert timeline.stated(2) == periods.Period(date(2023, 1, 1), date(2023, 12, 31), 2023, "full_year")
    assert timeline.stated(1).kind == "stock"
