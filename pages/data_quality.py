from dataclasses import replace

import streamlit as st

from app import filters, queries, ui

st.title("Data quality")
ui.intro("What to check before citing: sources that disagree, numbers the rules did not file, undated "
         "articles, and analysts' corrections. Select a row to open its article.")

wh = ui.warehouse()
view = filters.current()


conflicts_tab, unclassified_tab, dates_tab, corrections_tab = st.tabs(
    ["Conflicts", "Unclassified figures", "Undated articles", "Corrections"])
with conflicts_tab:
    st.caption("Two or more sources give different values for the same indicator, place and period "
               "(all indicators, within the sidebar's years, places and source).")
    ui.linked_table(queries.conflicts(wh, replace(view, indicator=None)), "dq-conflicts",
                 "No conflicts: where sources report the same figure, they agree.")
with unclassified_tab:
    st.caption("Numbers the extractor saw but did not file under an indicator (years and ordinals excluded).")
    ui.linked_table(queries.unclassified(wh, view.article), "dq-unclassified", "No unclassified figures.")
with dates_tab:
    st.caption("Articles without a usable date line: their year was inferred from the text, or is unknown.")
    ui.linked_table(queries.dating(wh), "dq-dates", "Every article has a stated date.")
with corrections_tab:
    st.caption("Corrections and rejections from data/corrections.jsonl. Orphaned ones name a fact that no "
               "longer exists after a rebuild; they are kept, not dropped.")
    ui.linked_table(queries.corrections(wh), "dq-corrections", "No corrections yet. Correct a figure on the "
                 "By source page.")
