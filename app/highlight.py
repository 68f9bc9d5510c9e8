"""Article text as safe HTML with extracted figures marked (pure).

Everything from an article is escaped before any markup is added, so a
`<script>` or a `javascript:` link in an article is shown as text, inert.
"""
from __future__ import annotations

import html

MARK_STYLE = {
    "fact": "background:#ffe08a;padding:0 2px;border-radius:3px;font-weight:600",
    "unclassified": "background:#e3e8ef;padding:0 2px;border-radius:3px",
}


def marked_html(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """`text` escaped, with each (start, end, kind, note) span wrapped in <mark>.

    Overlapping or out-of-range spans are skipped rather than breaking the text.
    Paragraph breaks become <br><br>.
    """
    pieces, cursor = [], 0
    for start, end, kind, note in sorted(spans):
        if start < cursor or end > len(text) or start >= end:
            continue
        pieces.append(html.escape(text[cursor:start]))
        pieces.append(f'<mark style="{MARK_STYLE.get(kind, MARK_STYLE["fact"])}" title="{html.escape(note)}">'
                      f"{html.escape(text[start:end])}</mark>")
        cursor = end
    pieces.append(html.escape(text[cursor:]))
    return "".join(pieces).replace("\n\n", "<br><br>").replace("\n", " ")


def sentence_html(sentence: str, figure_text: str, note: str = "") -> str:
    """A fact's sentence escaped, with its figure marked (first occurrence)."""
    position = sentence.find(figure_text) if figure_text else -1
    if position < 0:
        return html.escape(sentence)
    return marked_html(sentence, [(position, position + len(figure_text), "fact", note)])
