import streamlit as st

from app import charts, filters, queries, ui

st.title("By year")
ui.intro("One indicator over time for the places in the sidebar. Full years (and year-end stocks) are joined "
         "by a line; part-year, as-of and event figures stand apart, labelled with their period.")

wh = ui.warehouse()
view = filters.current()
label, unit = queries.label_and_unit(wh, view.indicator)
st.subheader(label)

observations = queries.observations(wh, view)
if observations.empty:
    ui.empty(f"No figures for “{label}” with these filters. Widen the years, clear the places, "
             "or pick another indicator.")
    st.stop()

event = st.plotly_chart(charts.by_year(observations, unit), on_select="rerun", selection_mode="points",
                        key="by-year-chart")
total = int(observations["observations_total"].iloc[0])
if total > len(observations):
    shown_years = observations["year"].dropna()
    st.info(f"The chart shows the newest {len(observations):,} of {total:,} figures"
            + (f" ({int(shown_years.min())}–{int(shown_years.max())})" if len(shown_years) else "")
            + ". Choose fewer places or years to see the rest.")
chosen = ui.selected_point(event)
if chosen:
    ui.open_article(chosen)
st.caption("● exact · ◆ approximate · ▲ at least · ▼ at most. Hover a point for its sources; "
           "click one to open its article. Figures from different articles are never added up.")
if observations["conflict"].any():
    st.warning("Some sources disagree on the same period; both figures are shown. See Data quality.")

facts = queries.facts(wh, view)
ui.fact_table(facts, queries.count_facts(wh, view), key="by-year-table")
ui.downloads(facts, view, wh, key="by-year")
