"""Spatial dashboard of a made-up city whose map view is shared by every open tab.

Open the app in two or more tabs of one browser: moving the view, picking layers or toggling
labels in one tab updates all the others, and the caption line says how many other tabs
follow the view and which tab leads (``SyncInfo.peers``, ``SyncInfo.leader``). Run it with::

    streamlit run examples/dashboard.py

Everything is local: the city's GeoJSON files sit in ``examples/data`` and the map draws on a
plain background (no basemap tiles), so the app works without network access.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pydeck as pdk
import streamlit as st

import streamlit_tabsync as tabsync

DATA = Path(__file__).resolve().parent / "data"

#: Layer name -> GeoJSON file in ``DATA``, drawn in this order (bottom first).
LAYER_FILES = {
    "Districts": "districts.geojson",
    "Waterways": "waterways.geojson",
    "Roads": "roads.geojson",
    "Landmarks": "landmarks.geojson",
}
HOME = {"center_lat": 54.2000, "center_lon": 3.1000, "zoom": 13}

#: A map style with only a background, inlined as a data: URL: no tiles, no glyphs, no network.
#: (``map_style=None`` would not do: Streamlit then picks a Carto basemap matching the theme,
#: and Streamlit's chart cannot take a style given as a dict.)
OFFLINE_MAP_STYLE = "data:application/json," + quote(
    json.dumps(
        {
            "version": 8,
            "sources": {},
            "layers": [
                {"id": "land", "type": "background", "paint": {"background-color": "#e9eef0"}}
            ],
        }
    )
)

st.set_page_config(page_title="Larkport GIS", page_icon=":world_map:", layout="wide")

# Before any widget: values changed in other tabs are applied here, so the widgets below are
# drawn with them.
info = tabsync.sync(
    ["center_lat", "center_lon", "zoom", "layers", "show_labels"],
    channel="gis",
    on_change=lambda news: st.toast(f"Updated from another tab: {', '.join(news.applied)}"),
)


@st.cache_data
def load_layer(file_name: str) -> dict[str, Any]:
    return json.loads((DATA / file_name).read_text(encoding="utf-8"))


def reset_view() -> None:
    # A callback runs before the script, so assigning widget keys is allowed; the change is
    # shared like any other edit.
    st.session_state.update(HOME)


with st.sidebar:
    st.header("View")
    st.slider("Zoom", min_value=10, max_value=17, value=HOME["zoom"], key="zoom")
    st.number_input(
        "Centre latitude", min_value=54.15, max_value=54.25, value=HOME["center_lat"],
        step=0.002, format="%.4f", key="center_lat",
    )
    st.number_input(
        "Centre longitude", min_value=3.00, max_value=3.20, value=HOME["center_lon"],
        step=0.002, format="%.4f", key="center_lon",
    )
    st.button("Reset view", on_click=reset_view)
    st.header("Layers")
    st.multiselect("Active layers", list(LAYER_FILES), default=list(LAYER_FILES), key="layers")
    st.checkbox("Show landmark labels", value=True, key="show_labels")

st.title("Larkport")

#: How each layer is drawn (GeoJsonLayer properties; colours and widths come from the data).
LAYER_STYLES: dict[str, dict[str, Any]] = {
    "Districts": {
        "get_fill_color": "properties.fill",
        "get_line_color": [70, 70, 70],
        "line_width_min_pixels": 1,
    },
    "Waterways": {
        "get_line_color": "properties.color",
        "get_line_width": "properties.width",
        "line_width_min_pixels": 3,
    },
    "Roads": {
        "get_line_color": "properties.color",
        "get_line_width": "properties.width",
        "line_width_min_pixels": 2,
    },
    "Landmarks": {
        "get_fill_color": "properties.color",
        "get_line_color": [255, 255, 255],
        "get_point_radius": 40,
        "point_radius_min_pixels": 6,
        "line_width_min_pixels": 1,
    },
}

layers: list[pdk.Layer] = []
for name in st.session_state.layers:
    geojson = load_layer(LAYER_FILES[name])
    layers.append(
        pdk.Layer("GeoJsonLayer", data=geojson, id=name, pickable=True, **LAYER_STYLES[name])
    )
    if name == "Landmarks" and st.session_state.show_labels:
        labels = [
            {"name": f["properties"]["name"], "position": f["geometry"]["coordinates"]}
            for f in geojson["features"]
        ]
        layers.append(
            pdk.Layer(
                "TextLayer",
                data=labels,
                id="Landmark labels",
                get_position="position",
                get_text="name",
                get_size=14,
                get_color=[30, 30, 30],
                get_alignment_baseline="'bottom'",
            )
        )

st.pydeck_chart(
    pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(
            latitude=st.session_state.center_lat,
            longitude=st.session_state.center_lon,
            zoom=st.session_state.zoom,
        ),
        map_style=OFFLINE_MAP_STYLE,
        tooltip={"text": "{name}\n{kind}"},
    ),
    height=520,
)

applied = ", ".join(info.applied) or "nothing"
# Who else is here: None until the browser has counted (or where it cannot), so left out.
following = ""
if info.peers is not None:
    following = f" · {info.peers} other tab{'' if info.peers == 1 else 's'} following"
    following += " · this tab leads" if info.leader else ""
st.caption(
    f"Tab `{info.tab_id}` · sync **{info.status}** on channel `{info.channel}` · "
    f"applied from other tabs in this run: {applied}"
    + following
    + (f" · problem: {info.error}" if info.error else "")
)
