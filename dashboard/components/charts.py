"""The one way pages make a Plotly chart: `graph(...)` gives every chart the same safe configuration.

No control may send data off the machine (Plotly's "Share chart" / Chart Studio links upload the figure, revenue
included, to Plotly's cloud): `showSendToCloud`, `showEditInChartStudio`, `showLink` and `sendData` are off and
`plotlyServerURL` is empty (plotly.js defaults it to its cloud). The modebar speaks Bahasa Indonesia through
Plotly's `id` locale, served from `assets/plotly-locale-id.js`. A page's own options never override these.
"""

from __future__ import annotations

from typing import Any

from dash import dcc

#: What every chart's config holds, whatever the page asks for.
SAFE_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "sendData": False,
    "plotlyServerURL": "",
    "locale": "id",
}
#: Modebar buttons no chart here needs (selection tools, JSON export).
REMOVED_BUTTONS = ["select2d", "lasso2d", "autoScale2d", "zoomIn2d", "zoomOut2d", "sendDataToCloud"]


def chart_config(*, modebar: bool = True, image_name: str | None = None, **extra: Any) -> dict[str, Any]:
    """A chart's Plotly config: `extra` options, then the safe ones on top; the modebar (PNG download under
    `image_name`) or none."""
    config: dict[str, Any] = {**extra, "displayModeBar": bool(modebar)}
    if modebar:
        config["modeBarButtonsToRemove"] = sorted({*REMOVED_BUTTONS, *extra.get("modeBarButtonsToRemove", [])})
    if image_name:
        config["toImageButtonOptions"] = {"format": "png", "filename": image_name, "scale": 2}
    return {**config, **SAFE_CONFIG}


def graph(
    graph_id: str,
    figure: Any = None,
    *,
    modebar: bool = True,
    image_name: str | None = None,
    class_name: str | None = None,
    **config: Any,
) -> dcc.Graph:
    """A `dcc.Graph` with the shared safe, Indonesian config."""
    extra: dict[str, Any] = {"className": class_name} if class_name else {}
    safe: Any = chart_config(modebar=modebar, image_name=image_name, **config)  # Plotly's Config, as a dict
    return dcc.Graph(id=graph_id, figure=figure if figure is not None else {}, config=safe, **extra)


def config_problems(config: dict[str, Any] | None) -> list[str]:
    """Why a chart's config is unsafe or not Indonesian (empty when it is fine): the check the tests run on every
    page."""
    config = config or {}
    problems = [
        f"{key} is {config.get(key)!r}, not False"
        for key in ("showSendToCloud", "showEditInChartStudio", "showLink", "sendData", "displaylogo")
        if config.get(key) is not False
    ]
    if config.get("plotlyServerURL"):
        problems.append(f"plotlyServerURL is {config['plotlyServerURL']!r}")
    if config.get("locale") != "id":
        problems.append(f"locale is {config.get('locale')!r}, not 'id'")
    return problems
