"""Units and number formatting of the report (one place, so every table agrees).

Every number the report shows is a stored value (in the unit of the run tables: seconds,
shares 0-1, km, kg CO2e per simulated weekday) converted by one :class:`Unit` and written
with its fixed number of decimals in the report's language (German: decimal comma and
thousands point; English: decimal point and thousands comma). :func:`shown` is that
conversion, so a test can recompute every cell from the tables.

Annual figures are the weekday figure x :data:`WEEKDAY_EQUIVALENTS_PER_YEAR`, a named
assumption (the model simulates one weekday; FACTS.md gives no annualisation factor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["UNITS", "WEEKDAY_EQUIVALENTS_PER_YEAR", "WEEKDAY_EQUIVALENTS_RANGE", "Unit",
           "format_number", "shown"]

WEEKDAY_EQUIVALENTS_PER_YEAR = 300.0
"""ASSUMPTION: a year's traffic = this many simulated weekdays (the model runs one weekday;
weekends and holidays carry less traffic). FACTS.md has no figure; plausible range
:data:`WEEKDAY_EQUIVALENTS_RANGE` (about 250 working days plus part of the weekends)."""

WEEKDAY_EQUIVALENTS_RANGE = (250.0, 330.0)


@dataclass(frozen=True)
class Unit:
    """How a stored value is shown: ``value x scale`` with ``decimals`` decimals, followed
    by the unit symbol; ``delta_symbol`` is the symbol of a difference (``pp`` for %)."""

    key: str
    scale: float
    decimals: int
    symbol: dict[str, str]
    delta_symbol: dict[str, str] | None = None

    def label(self, lang: str, *, delta: bool = False) -> str:
        if delta and self.delta_symbol is not None:
            return self.delta_symbol[lang]
        return self.symbol[lang]


def _same(s: str) -> dict[str, str]:
    return {"de": s, "en": s}


UNITS: dict[str, Unit] = {
    "count": Unit("count", 1.0, 0, {"de": "", "en": ""}),
    "trips": Unit("trips", 1.0, 0, {"de": "Fahrten/Tag", "en": "trips/day"}),
    "pct": Unit("pct", 100.0, 1, _same("%"), {"de": "%-Pkt.", "en": "pp"}),
    "min": Unit("min", 1.0 / 60.0, 1, _same("min")),
    "min_direct": Unit("min_direct", 1.0, 1, _same("min")),
    "per1000": Unit("per1000", 1.0, 1, {"de": "je 1.000 Einw.", "en": "per 1,000 residents"}),
    "km": Unit("km", 1.0, 0, {"de": "km/Tag", "en": "km/day"}),
    "ratio": Unit("ratio", 1.0, 2, _same("")),
    "pkm_vkm": Unit("pkm_vkm", 1.0, 2, {"de": "Pkm/Fzkm", "en": "pkm/vkm"}),
    "pax_vh": Unit("pax_vh", 1.0, 1, {"de": "Fahrgäste/Fzh", "en": "passengers/veh-h"}),
    "t_day": Unit("t_day", 1.0 / 1000.0, 2, {"de": "t CO2e/Tag", "en": "t CO2e/day"}),
    "t_year": Unit("t_year", WEEKDAY_EQUIVALENTS_PER_YEAR / 1000.0, 0,
                   {"de": "t CO2e/Jahr", "en": "t CO2e/year"}),
    "g_pkm": Unit("g_pkm", 1.0, 0, {"de": "g CO2e/Pkm", "en": "g CO2e/pkm"}),
    "eur": Unit("eur", 1.0, 2, _same("€")),
    "eur_day": Unit("eur_day", 1.0, 0, {"de": "€/Tag", "en": "€/day"}),
    "eur_year": Unit("eur_year", WEEKDAY_EQUIVALENTS_PER_YEAR, 0,
                     {"de": "€/Jahr", "en": "€/year"}),
    "eur_t": Unit("eur_t", 1.0, 0, {"de": "€/t CO2e", "en": "€/t CO2e"}),
}


def format_number(x: float, decimals: int, lang: str, *, signed: bool = False) -> str:
    """``x`` rounded to ``decimals`` with the language's separators; ``–`` for NaN; a
    minus sign (U+2212) and, if ``signed``, a plus sign for positive values."""
    if x is None or not math.isfinite(float(x)):
        return "–"
    x = float(x)
    txt = f"{abs(x):,.{decimals}f}"
    if float(txt.replace(",", "")) == 0.0:
        return txt if lang == "en" else txt.replace(".", ",")
    if lang == "de":
        txt = txt.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if x < 0:
        return "\u2212" + txt
    return ("+" + txt) if signed else txt


def shown(value: float, unit: str, lang: str, *, signed: bool = False) -> str:
    """The text the report shows for a stored ``value`` in ``unit`` (without the symbol)."""
    u = UNITS[unit]
    v = float(value) if value is not None else math.nan
    return format_number(v * u.scale if math.isfinite(v) else math.nan, u.decimals, lang,
                         signed=signed)
