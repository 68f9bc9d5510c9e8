import streamlit as st

from app import export, queries, ui

st.title("Downloads")
ui.intro("Everything in the warehouse, for analysis elsewhere: all tables as CSV in one zip, or each table "
         "as Parquet. Files are produced when you click.")

wh = ui.warehouse()
build = queries.build_info(wh).iloc[0]
st.caption(f"Build {build['build_id']}, finished {build['finished_at']:%Y-%m-%d %H:%M} UTC, "
           f"{build['facts']:,} facts from {build['articles_loaded']:,} articles, data hash {build['data_hash']}.")


def all_tables_zip() -> bytes:
    return export.tables_zip({f"{t}.csv": queries.export_table(wh, t, "csv") for t in queries.EXPORT_TABLES})


st.download_button("All tables as CSV (zip)", all_tables_zip, file_name=f"warehouse_{build['build_id']}_csv.zip",
                   mime="application/zip", on_click="ignore", type="primary", icon=":material/folder_zip:")
st.subheader("Parquet, one file per table")
st.caption("facts_current is the table the pages show: corrections applied, rejected facts left out.")
columns = st.columns(4)
for i, table in enumerate(queries.EXPORT_TABLES):
    columns[i % 4].download_button(
        table, lambda t=table: queries.export_table(wh, t, "parquet"),
        file_name=f"{table}_{build['build_id']}.parquet", mime="application/octet-stream",
        on_click="ignore", key=f"parquet-{table}")
