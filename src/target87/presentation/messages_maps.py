"""UI texts of the maps (issue 18), by key, in English; French and Spanish in the catalogues
(``locale/<lang>/LC_MESSAGES/messages.po``), as for ``messages.MESSAGES``."""

from __future__ import annotations

MAPS_MESSAGES: dict[str, str] = {
    # The legend's entry for a country or territory without a value (grey, never zero).
    "map_no_data": "No data",
    # The legend's entry for a territory whose estimate is withheld (disclosure control).
    "map_suppressed": "Suppressed (too few observations)",
    # The label of the zoom slider under each map.
    "map_zoom": "Zoom",
    # Under the map's title: how to zoom and pan.
    "map_hint": "Zoom with the wheel or the slider, drag to move, double-click to reset.",
    # The legend's title when the classes are percentages.
    "map_legend_percent": "Value (%)",
    # The legend's title of the risk map, and the tooltip's key for a territory's class.
    "map_risk_class": "Risk class",
    # The tooltip's key for a territory's risk with its 90 % interval.
    "map_risk_interval": "Risk (90 % interval)",
}
