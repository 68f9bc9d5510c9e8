"""Where a paragraph's sentences end: at a stop before a capital or digit, or a line break
before a list item, but not after an abbreviation ("U.S.", "Co.", "e.g.")."""
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
]


@pytest.mark.parametrize("text, sentences", SENTENCE_SPLITS)
def test_sentences_end_at_stops_before_capitals_but_not_after_abbreviations(text, sentences):
    from etl.extract import _sentence_spans
    assert [text[start:end] for start, end in _sentence_spans(text, 0, len(text))] == sentences
