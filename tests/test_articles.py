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


def test_a_file_that_grew_after_its_stat_is_read_whole_up_to_the_limit(tmp_path, monkeypatch):
    """read_bytes asks for the size the stat gave; a file that grew since is read on, and cut
    one byte past the limit so that parsing refuses it."""
    import os

    from etl import articles
    path = tmp_path / "growing.txt"
    path.write_bytes(b"x" * 5_000)
    real_fstat = os.fstat
    monkeypatch.setattr(articles.os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 100, *real_fstat(fd)[7:])))
    data, stat = articles.read_bytes(path)
    assert stat.st_size == 100 and data == b"x" * 5_000
    data, _ = articles.read_bytes(path, max_bytes=1_000)
    assert data == b"x" * 1_001


def test_control_characters_are_counted_the_same_in_ascii_text_as_by_the_regex():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from etl.articles import _CONTROL, _controls

    @settings(max_examples=300, deadline=None)
    @given(st.text(st.sampled_from("ab \t\n\r\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\ufffd\u00e9"), max_size=300),
           st.integers(0, 70_000))
    def check(text, pad):
        text = "x" * pad + text  # past 65,536 characters nothing is counted
        assert _controls(text) == len(_CONTROL.findall(text, 0, 65536))

    check()
