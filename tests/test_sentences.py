"""How extract reads a sentence: where a paragraph's sentences end (at a stop before a capital
or digit, or a line break before a list item, but not after an abbreviation such as "U.S.",
"Co.", "e.g."), and whether a span refers to "the district" of the article."""
from __future__ import annotations

import pytest


SENTENCE_SPLITS = [
    ("Investment came from the U.S.\n- 12 new firms opened.", ["Investment came from the U.S.\n- 12 new firms opened."]),
    ("It came from Acme Co.\n1. Sales rose. Then X. Y. Zhang spoke.",
     ["It came from Acme Co.\n1.", "Sales rose.", "Then X. Y. Zhang spoke."]),
    ("He said so!\n- Next item", ["He said so!", "- Next item"]),
    ("Regional headquarters rose. \"More came,\" he said. Figures (e.g. 12) were up.",
     ["Regional headquarters rose.", "\"More came,\" he said.", "Figures (e.g. 12) were up."]),
    ("The Shanghai Co. Ltd. opened. Acme Corp. grew 5%. Abcdefg. Next.",
     ["The Shanghai Co. Ltd. opened.", "Acme Corp. grew 5%.", "Abcdefg.", "Next."]),
    # An abbreviation's stop is read past with the spacing after it, line break and all.
    ("It rose at Acme Ltd. \n2. Sales grew.", ["It rose at Acme Ltd. \n2.", "Sales grew."]),
    ("It came from Mr. \nX. Then it rose.", ["It came from Mr. \nX. Then it rose."]),
    # Before a line break, abbreviations of up to five letters are seen.
    ("Sales grew approx.\n- 12 firms opened.", ["Sales grew approx.", "- 12 firms opened."]),
    ("Sales grew Sept.\n- 12 firms opened.", ["Sales grew Sept.\n- 12 firms opened."]),
]


@pytest.mark.parametrize("text, sentences", SENTENCE_SPLITS)
def test_sentences_end_at_stops_before_capitals_but_not_after_abbreviations(text, sentences):
    from etl.extract import _sentence_spans
    assert [text[start:end] for start, end in _sentence_spans(text, 0, len(text))] == sentences


_SPLIT_PIECES = [".", ". ", "\n", "\n\n", " ", "- ", "\u2022 ", "1. ", "12) ", "Co.", "U.S.", "approx.", "A", "grew",
                 "5", "\"", "(", "!", "? "]


def test_where_the_only_stops_are_full_stops_the_full_stop_pattern_splits_alike():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from etl.extract import _only_full_stops, _sentence_spans

    @settings(max_examples=1500, deadline=None)
    @given(st.lists(st.sampled_from(_SPLIT_PIECES), max_size=14).map("".join), st.data())
    def check(text, data):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, len(text)))
        if _only_full_stops(text):
            assert _sentence_spans(text, start, end, True) == _sentence_spans(text, start, end)

    check()
    assert _only_full_stops("Sales grew.\nMore came. Then X. Y. Zhang spoke.")
    assert not _only_full_stops("Sales grew.\n- 12 firms")
    assert not _only_full_stops("Sales grew! Then")


@pytest.mark.parametrize("text, says", [
    ("The District's officials said", True), ("its central business ZONE grew", True),
    ("district-level leaders met", True), ("the districts", False), ("a district official", False),
    ("\u212aey: the PARK", True),
])
def test_the_district_is_found_in_lower_cased_text_as_in_the_text(text, says):
    from etl.extract import _THE_DISTRICT
    from etl.numbers import lowered
    assert _THE_DISTRICT.lower_case is not None
    assert bool(_THE_DISTRICT.search(text, lowered(text), 0, len(text))) is says
    assert bool(_THE_DISTRICT.search(text, None, 0, len(text))) is says


_SENTENCE_PIECES = ["Pudong", "pudong", "grew", "gr", "ew", "5", "12", "1 2", "U.S.", "US", " ", "  ", ", ", ".",
                    "-", "caf\u00e9", "\u0130", "FIEs", "fi es"]


def _sentence_lists():
    from hypothesis import strategies as st
    sentence = st.lists(st.sampled_from(_SENTENCE_PIECES), min_size=1, max_size=6).map("".join)
    return st.lists(sentence, min_size=1, max_size=8)


def test_a_sentence_repeats_an_earlier_one_when_their_words_are_the_same():
    from hypothesis import given, settings

    from etl.extract import _RepeatedSentences, _sentence_key

    @settings(max_examples=400, deadline=None)
    @given(_sentence_lists())
    def check(sentences):
        # "gr ew" and "grew" have the same letters, not the same words: only words make a repeat.
        text = "|".join(sentences)
        repeated, keys, start = _RepeatedSentences(text), set(), 0
        for sentence in sentences:
            key = _sentence_key(sentence)
            assert repeated.repeats_earlier(start, start + len(sentence)) is (key in keys), sentence
            keys.add(key)
            start += len(sentence) + 1

    check()
