import re
from datetime import date

import streamlit as st

from app import queries, ui
from app.highlight import marked_html
from etl.articles import ARTICLE_SUFFIXES, MAX_ARTICLE_BYTES, ArticleError, article_from_bytes
from etl.build import BuildError, build
from etl.extract import extract
from etl.files import atomic_write_bytes

st.title("Add articles")
ui.intro("Upload an article (.txt, .md or .html) or paste its text, check the figures it would add, then "
         "save it: it is stored in data/articles and the warehouse is rebuilt.")

# After a save the form starts afresh (its widgets get new keys), under a note of what was saved.
saved = st.session_state.get("saved_article")
if saved:
    st.success(f"Saved as {saved['path']}; its facts now appear on every page.")
    if st.button("Open it on By source"):
        ui.open_article(saved["id"])
form = st.session_state.get("add_article_form", 0)

MAX_MB = MAX_ARTICLE_BYTES / 1_000_000
uploaded = st.file_uploader("Article file", type=[s.lstrip(".") for s in sorted(ARTICLE_SUFFIXES)],
                            max_upload_size=max(1, int(MAX_MB)), help=f"At most {MAX_MB:.0f} MB.",
                            key=f"file-{form}")
st.markdown("… or paste the text")
pasted = st.text_area("Article text", height=200, max_chars=200_000, key=f"text-{form}")
published = st.date_input("Publication date (for pasted text)", value=None, max_value=date.today(),
                          key=f"date-{form}")
name = st.text_input("Article id (file name without extension)", max_chars=80, key=f"id-{form}",
                     help="Letters, digits, '-' and '_' only. Defaults to the uploaded file's name.")

if uploaded is not None:
    data, suffix = uploaded.getvalue(), "." + uploaded.name.rsplit(".", 1)[-1].lower()
    article_id = name or uploaded.name.rsplit(".", 1)[0]
elif pasted.strip():
    data = ((f" date {published.isoformat()} " if published else "") + pasted).encode("utf-8")
    suffix, article_id = ".txt", name or f"pasted-{date.today().isoformat()}"
else:
    ui.empty("Nothing to preview yet: upload a file or paste an article.")
    st.stop()

article_id = re.sub(r"[^A-Za-z0-9_-]+", "-", article_id).strip("-")[:80]
target = queries.articles_dir() / f"{article_id}{suffix}"
try:
    article = article_from_bytes(article_id, data, target.name, suffix=suffix, today=date.today())
except ArticleError as error:
    st.error(f"This file cannot be added: {error.problem}. Nothing was saved.")
    st.stop()
for warning in article.warnings:
    st.warning(warning)

result = extract(article)
st.subheader(f"Preview: {len(result.facts)} facts would be added")
if result.facts:
    st.dataframe([{"indicator": f.indicator, "value": f.value, "unit": f.unit, "place": f.geo, "year": f.year,
                   "period": f"{f.period_start or ''} – {f.period_end or ''}", "qualifier": f.qualifier,
                   "YoY %": f.yoy_pct, "sentence": f.sentence} for f in result.facts], hide_index=True)
else:
    ui.empty("No indicator figure found in this text; it can still be stored for the record.")
spans = [(f.char_start, f.char_end, "fact", f.indicator) for f in result.facts]
spans += [(u.char_start, u.char_end, "unclassified", u.kind) for u in result.unclassified]
with st.container(border=True, height=320):
    st.html(marked_html(article.text, spans))

if target.exists():
    st.error(f"An article with the id {article_id!r} already exists; choose another id.")
    st.stop()
if st.button("Save article and rebuild", type="primary"):
    try:
        atomic_write_bytes(target, data)
        with st.spinner("Rebuilding the warehouse..."):
            build(queries.articles_dir(), queries.db_path())
    except (OSError, BuildError) as error:
        st.error(f"Could not save or rebuild: {error}. The dashboard still shows the previous data.")
    else:
        st.session_state["saved_article"] = {"id": article_id, "path": str(target)}
        st.session_state["add_article_form"] = form + 1
        st.rerun()
