"""Shanghai foreign-investment indicators: `streamlit run dashboard.py`.

Builds the warehouse from data/articles on first start, then routes to the
pages with the shared filters in the sidebar.
"""
import streamlit as st

from app import filters, queries
from etl.build import BuildError, build

st.set_page_config(page_title="Shanghai foreign investment indicators", page_icon=":material/show_chart:", layout="wide")

wh = queries.open_warehouse()
if wh is None:
    with st.spinner("Building the warehouse from the articles in data/articles (first start)..."):
        try:
            build(queries.articles_dir(), queries.db_path())
        except BuildError as error:
            st.error(f"Could not build the warehouse: {error}")
    wh = queries.open_warehouse()

pages = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/by_year.py", title="By year", icon=":material/show_chart:", url_path="by-year"),
    st.Page("pages/by_district.py", title="By district", icon=":material/map:", url_path="by-district"),
    st.Page("pages/by_source.py", title="By source", icon=":material/article:", url_path="by-source"),
    st.Page("pages/data_quality.py", title="Data quality", icon=":material/fact_check:", url_path="data-quality"),
    st.Page("pages/add_articles.py", title="Add articles", icon=":material/note_add:", url_path="add-articles"),
    st.Page("pages/downloads.py", title="Downloads", icon=":material/download:", url_path="downloads"),
])
if wh is not None:
    st.session_state["view"] = filters.sidebar(wh)
pages.run()
