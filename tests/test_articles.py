"""How an article's file contents become an Article: the outlet it names."""
from __future__ import annotations

import pytest

from etl.articles import parse_article

OUTLETS = [
    ("Pudong set up 40 new FIEs, officials said. /SHINE", "Shanghai Daily"),
    ("Pudong set up 40 new FIEs, officials said. / SHINE", "Shanghai Daily"),
    ("Reported by Shanghai Daily on Tuesday.", "Shanghai Daily"),
    ("SHANGHAI, March 3 (Xinhua) -- Pudong set up 40 new FIEs.", "Xinhua"),
    ("A Xinhua reporter saw the signing.", "Xinhua"),
    ("Xinhuanet mirrors the story.", None),
    ("Source: chinadaily.com.cn", "China Daily"),
    ("By Li Wei | China Daily", "China Daily"),
    ("From english.shanghai.gov.cn, the city's portal.", "Shanghai government portal"),
    ("International Services Shanghai published the list.", "Shanghai government portal"),
    ("SHINER Holdings opened an office.", None),
    ("The district set up 40 new FIEs.", None),
]


@pytest.mark.parametrize("text, outlet", OUTLETS)
def test_outlet_named_in_the_text(text, outlet):
    assert parse_article("a", " date 2024-03-01\n" + text).outlet == outlet
