import pandas as pd
import streamlit as st

from app import filters, queries, ui
from app import format as fmt
from app.highlight import marked_html
from etl import corrections
from etl.build import BuildError, build

st.title("By source")
ui.intro("One article: where it came from, every figure extracted from it, and its text with each figure "
         "marked. Analysts can correct or reject a figure here.")

wh = ui.warehouse()
view = filters.current()

if not view.article:
    ui.empty("Choose an article under Source in the sidebar, or select one below.")
    articles = queries.article_list(wh)
    if queries.article_count(wh) > len(articles):
        st.caption(f"The newest {len(articles):,} of {queries.article_count(wh):,} articles; give an article id "
                   "under Source in the sidebar to open any other.")
    ui.linked_table(articles, "article-list", "No articles yet: add some on Add articles.", article_column="id")
    st.stop()

article = queries.article(wh, view.article).iloc[0]
facts = queries.article_facts(wh, view.article)
figures = queries.article_figures(wh, view.article)

st.subheader(article["title"])
published = article["published"].date().isoformat() if pd.notna(article["published"]) else None
date_text = published or (f"{article['year']} (inferred from the text)" if article["date_status"] == "inferred"
                          else "unknown")
left, middle, right = st.columns(3)
left.markdown(f"**Date:** {date_text}")
middle.markdown(f"**Outlet:** {article['outlet'] or 'unknown'}")
right.markdown(f"**Article id:** `{article['id']}`")
st.caption(f"File: {article['path']} · content hash {article['content_hash'][:12]}")

st.subheader(f"Facts ({(~facts['rejected']).sum()})")
if facts.empty:
    ui.empty("No indicator figure was found in this article. Its other numbers are marked grey in the text below.")
else:
    shown = pd.DataFrame({
        "Indicator": facts["label"], "Figure": [fmt.figure(v, u, q) for v, u, q in
                                                zip(facts["value"], facts["unit"], facts["qualifier"])],
        "Place": facts["geo"], "Year": facts["year"], "Period": facts["period_label"],
        "YoY": facts["yoy_pct"].map(fmt.yoy), "Status": facts.apply(
            lambda r: "rejected" if r["rejected"] else "corrected" if r["corrected"] else "", axis=1),
        "Sentence": facts["sentence"]})
    st.dataframe(shown, hide_index=True, key="source-facts")

    with st.expander("Correct or reject a figure"):
        with st.form("correction"):
            choice = st.selectbox("Figure", facts.index, format_func=lambda i: (
                f"{facts.loc[i, 'label']}: {fmt.figure(facts.loc[i, 'value'], facts.loc[i, 'unit'], facts.loc[i, 'qualifier'])}"
                f" ({facts.loc[i, 'geo']}, {facts.loc[i, 'year']})"))
            action = st.radio("Action", ["update", "reject"], horizontal=True)
            value = st.text_input("Correct value (in the indicator's unit; blank keeps it)")
            geo = st.selectbox("Correct place", ["", *queries.places(wh)["name"]])
            year = st.text_input("Correct year (blank keeps it)")
            reason = st.text_area("Why", max_chars=1000)
            author = st.text_input("Your name", max_chars=200)
            submitted = st.form_submit_button("Save correction and rebuild")
        if submitted:
            changes = {k: v for k, v in {"value": value, "geo": geo, "year": year}.items() if v}
            try:
                record = corrections.make(facts.loc[choice, "fact_id"], action, reason, author, changes)
                corrections.append(queries.articles_dir().parent / "corrections.jsonl", record)
                with st.spinner("Rebuilding with the correction..."):
                    build(queries.articles_dir(), queries.db_path())
            except (corrections.CorrectionError, BuildError, OSError) as error:
                st.error(f"Correction not saved: {error}")
            else:
                st.success("Correction saved; every view now uses it.")
                st.rerun()

st.subheader("Text")
st.caption("Yellow: figures extracted as facts. Grey: other numbers seen but not filed under an indicator.")
spans = [(r.char_start, r.char_end, "fact", f"{r.label}") for r in facts.itertuples()]
spans += [(r.char_start, r.char_end, "unclassified", f"unclassified {r.kind}") for r in figures.itertuples()]
with st.container(border=True):
    st.html(f'<div style="font-size:1.05rem;line-height:1.6">{marked_html(article["text"], spans)}</div>')
