"""The report's words in German and English (``--lang de|en``).

:data:`TEXT` maps a key to its German and English text; :func:`texts` gives one language's
table (a missing key in either language is a ``KeyError`` at import, checked by a test).
Scenario names and the scenario files' descriptions are shown as written.
"""

from __future__ import annotations

__all__ = ["ASSUMPTION_NAMES_DE", "ASSUMPTION_WHY_DE", "LANGS", "MODE_LABELS", "TEXT",
           "assumption_text", "texts"]

LANGS = ("de", "en")

MODE_LABELS = {
    "de": {"walk": "zu Fuß", "bike": "Rad", "bus": "Bus (SWK)", "car": "Pkw",
           "ondemand": "On-Demand (bedient)"},
    "en": {"walk": "walk", "bike": "bike", "bus": "bus (SWK)", "car": "car",
           "ondemand": "on-demand (served)"},
}

_T: dict[str, tuple[str, str]] = {
    # key: (German, English)
    "title": ("Mobilitätsbericht Kaiserslautern", "Mobility report Kaiserslautern"),
    "subtitle": ("Simulation eines Werktags: {n} Szenarien verglichen mit „{base}“",
                 "Simulation of one weekday: {n} scenarios compared with '{base}'"),
    "summary": ("Zusammenfassung", "Summary"),
    "headline_q": ("Was ändert die Maßnahme gegenüber „{base}“?",
                   "What does the measure change against '{base}'?"),
    "headline_net": ("Netto-Änderung der CO2-Emissionen aus dem Verkehr der Einwohner "
                     "(Pkw + Bus + On-Demand-Flotte)",
                     "Net change of the residents' transport CO2 (car + bus + on-demand "
                     "fleet)"),
    "per_day": ("pro Werktag", "per weekday"),
    "per_year": ("pro Jahr", "per year"),
    "ci_seeds": ("95-%-Intervall über {n} Seeds (gepaarte Differenzen, t-Intervall)",
                 "95 % interval over {n} seeds (paired differences, t-interval)"),
    "one_seed": ("nur ein Seed: kein Konfidenzintervall", "one seed only: no confidence "
                 "interval"),
    "band": ("Spanne über die Annahmen (Morris-Screening, 5–95 % von {runs} Läufen)",
             "Band over the assumptions (Morris screening, 5–95 % of {runs} runs)"),
    "band_varied": ("Variiert: {names} (Seed {seed}).", "Varied: {names} (seed {seed})."),
    "band_none": ("keine Sensitivitätsanalyse vorhanden (kl-mobility sensitivity)",
                  "no sensitivity analysis available (kl-mobility sensitivity)"),
    "band_caveat": ("Die Spanne ist über die Versuchspunkte genommen, kein "
                    "Wahrscheinlichkeitsintervall.",
                    "The band is taken over the design points, not a probability "
                    "interval."),
    "sign_robust_neg": ("Vorzeichen robust: in allen Läufen eine Einsparung.",
                        "Sign robust: a saving in every run."),
    "sign_robust_pos": ("Vorzeichen robust: in allen Läufen ein Anstieg.",
                        "Sign robust: an increase in every run."),
    "sign_not_robust": ("Vorzeichen NICHT robust: je nach Annahmen Einsparung oder Anstieg.",
                        "Sign NOT robust: a saving or an increase depending on the "
                        "assumptions."),
    "car_km_change": ("Pkw-Kilometer der Einwohner", "Residents' car-km"),
    "car_share_change": ("Pkw-Anteil an den Wegen", "Car share of trips"),
    "served_share": ("Bediente Anfragen", "Requests served"),
    "requests": ("On-Demand-Anfragen", "On-demand requests"),
    "what_changes": ("Was die Maßnahme ändert (Unterschiede der Szenariodatei zu „{base}“)",
                     "What the measure changes (differences of the scenario file to "
                     "'{base}')"),
    "description": ("Beschreibung", "Description"),
    "no_diff": ("keine Unterschiede in den Eingaben", "no differences in the inputs"),
    "key_assumptions": ("Wichtigste Annahmen", "Key assumptions"),
    "key_assumptions_note": ("Die Annahmen, die das CO2-Ergebnis am stärksten bewegen{ranked}; "
                             "alle {n} weiteren benannten Annahmen mit ihren Spannen stehen "
                             "im Anhang.",
                             "The assumptions that move the CO2 result most{ranked}; all "
                             "{n} further named assumptions with their ranges are in the "
                             "appendix."),
    "key_ranked": (" (zuerst die der Sensitivitätsanalyse, nach ihrem Einfluss μ*)",
                   " (first those of the sensitivity analysis, by their influence μ*)"),
    "more_assumptions": ("Weitere benannte Annahmen", "Further named assumptions"),
    "why_english": ("(Begründung englisch, aus kl_mobility.assumptions)",
                    "(reasoning in English, from kl_mobility.assumptions)"),
    "assumption": ("Annahme", "Assumption"),
    "value": ("Wert", "Value"),
    "range": ("plausible Spanne", "plausible range"),
    "source": ("Quelle / Begründung", "Source / reason"),
    "annualisation": ("Hochrechnung auf ein Jahr: Werktags-Äquivalente pro Jahr",
                      "Annualisation: weekday equivalents per year"),
    "annualisation_src": ("ANNAHME: das Modell simuliert einen Werktag; Wochenenden und "
                          "Feiertage tragen weniger Verkehr. FACTS.md nennt keinen Faktor.",
                          "ASSUMPTION: the model simulates one weekday; weekends and "
                          "holidays carry less traffic. FACTS.md gives no factor."),
    "outside": ("Nicht im Modell: Einpendler (58,4 % der in der Stadt Beschäftigten, "
                "FACTS.md Abschnitt 9), Durchgangs- und Wirtschaftsverkehr, Wege der "
                "Einwohner aus der Stadt hinaus, Bahn, Tempo-Effekte auf den Pkw-Faktor je km "
                "und die Fahrzeugherstellung.",
                "Outside the model: in-commuters (58.4 % of the employees working in the "
                "city, FACTS.md section 9), through and commercial traffic, residents' trips "
                "leaving the city, rail, speed effects on the per-km car factor and vehicle "
                "manufacture."),
    "method": ("Methode", "Method"),
    "method_text": (
        "Jedes Szenario läuft mit denselben Seeds wie „{base}“ (gleiche Zufallszahlen für "
        "Nachfrage und Flotte). Änderungen sind gepaarte Differenzen Szenario − {base} je "
        "Seed; angegeben sind deren Mittelwert und das 95-%-t-Intervall über die "
        "Seed-Paare [untere; obere Grenze]. Niveaus (z. B. Wartezeit) sind Mittelwerte über "
        "die Seeds mit 95-%-t-Intervall. Bei nur einem Seed gibt es kein Intervall. "
        "CO2-Werte sind Tonnen CO2-Äquivalente pro simuliertem Werktag bzw. pro Jahr "
        "(× {days} Werktags-Äquivalente, Annahme); Zeiten in Minuten; Anteile in %, deren "
        "Änderungen in Prozentpunkten (%-Pkt.).",
        "Every scenario runs with the same seeds as '{base}' (the same random numbers for "
        "demand and fleet). Changes are paired differences scenario − {base} per seed; shown "
        "are their mean and the 95 % t-interval over the seed pairs [lower; upper]. Levels "
        "(e.g. waiting time) are means over the seeds with a 95 % t-interval. With one seed "
        "there is no interval. CO2 is in tonnes of CO2 equivalents per simulated weekday "
        "or per year (× {days} weekday equivalents, an assumption); times in minutes; "
        "shares in %, their changes in percentage points (pp)."),
    "seeds_used": ("Seeds: {seeds}", "Seeds: {seeds}"),
    "scenario": ("Szenario", "Scenario"),
    "baseline_row": ("Referenzfall: die Änderungen der anderen Zeilen sind gegen ihn gerechnet",
                     "reference case: the other rows' changes are taken against it"),
    "modal_split": ("Verkehrsmittelwahl (Modal Split) der Wege der Einwohner",
                    "Modal split of the residents' trips"),
    "modal_note": ("Anteil an allen Wegen des simulierten Tages (Stichprobe der Nachfrage); "
                   "On-Demand = bediente Anfragen, nicht bediente Anfragen bleiben beim "
                   "gewohnten Verkehrsmittel. Darunter: Änderung gegenüber „{base}“ in "
                   "%-Pkt. [95-%-Intervall].",
                   "Share of all trips of the simulated day (the demand sample); on-demand = "
                   "served requests, unserved requests stay with their usual mode. Below: "
                   "change against '{base}' in pp [95 % interval]."),
    "car_co2": ("Pkw-Kilometer und CO2 nach Verkehrsmittel", "Car-km and CO2 by mode"),
    "car_co2_note": ("Pkw-km: erwartete Pkw-Wege des Nachfragemodells × kürzeste Wege im "
                     "Netz des Szenarios ÷ Besetzungsgrad, abzüglich der bedienten "
                     "On-Demand-Anfragen, die sonst mit dem Pkw gefahren wären. CO2: "
                     "Änderung gegenüber „{base}“; Bus nach der Konvention des Szenarios "
                     "(marginal: Busse fahren ihren Fahrplan, Bus-km des Fahrplans × g/km, zusätzliches "
                     "Angebot zählt voll); Flotte well-to-wheel.",
                     "Car-km: expected car trips of the demand model × fastest paths on the "
                     "scenario's network ÷ car occupancy, minus the served on-demand "
                     "requests whose usual mode is car. CO2: change against '{base}'; bus "
                     "by the scenario's convention (marginal: the buses run their "
                     "timetable, the timetable's bus-km x g/km, added service counts in "
                     "full); fleet well to wheel."),
    "car_vkm": ("Pkw-km der Einwohner", "residents' car-km"),
    "car_vkm_change": ("Änderung Pkw-km", "change of car-km"),
    "co2_car": ("CO2 Pkw", "CO2 car"),
    "co2_bus": ("CO2 Bus", "CO2 bus"),
    "co2_fleet": ("CO2 On-Demand-Flotte", "CO2 on-demand fleet"),
    "co2_net": ("CO2 netto", "CO2 net"),
    "co2_net_year": ("CO2 netto pro Jahr", "CO2 net per year"),
    "service": ("Servicequalität des On-Demand-Angebots", "Service quality of the on-demand "
                "service"),
    "service_note": ("Mittelwert über die Seeds [95-%-Intervall]. Szenarien ohne "
                     "On-Demand-Angebot sind nicht aufgeführt: {none}.",
                     "Mean over the seeds [95 % interval]. Scenarios without an on-demand "
                     "service are not listed: {none}."),
    "no_service_at_all": ("Kein Szenario enthält ein On-Demand-Angebot.",
                          "No scenario has an on-demand service."),
    "k_requests": ("Anfragen", "requests"),
    "k_share_served": ("bedient", "served"),
    "k_wait_mean": ("Wartezeit Mittel", "mean wait"),
    "k_wait_p95": ("Wartezeit 95-%-Perzentil", "wait, 95th percentile"),
    "k_detour": ("Umwegfaktor (Fahrzeit/Direktzeit)", "detour factor (ride/direct time)"),
    "k_shared": ("geteilte Fahrten", "shared rides"),
    "k_occupancy": ("Besetzung", "occupancy"),
    "k_empty": ("Leerkilometer", "empty km"),
    "k_vkm": ("Fahrzeug-km", "vehicle-km"),
    "k_pax_vh": ("Fahrgäste je Fahrzeugstunde", "passengers per vehicle-hour"),
    "k_fleet_gpkm": ("Flotte CO2 je Pkm", "fleet CO2 per pkm"),
    "feeder": ("Zubringer zu Bus und Bahn", "Feeder rides to public transport"),
    "feeder_note": ("Fahrten zu einer Abfahrt (erste Meile: Absetzen spätestens "
                    "feeder.transfer_buffer_s vor der Abfahrt) und ab einer Ankunft (letzte "
                    "Meile: Abholung frühestens feeder.egress_s nach der Ankunft). Erreicht = "
                    "bedient, verpasst = nicht bedient (Anfragen). Umsteigewartezeit: Absetzen "
                    "bis Abfahrt bzw. Ankunft bis Abholung. Fahrgäste je Fahrzeugstunde: "
                    "beförderte Zubringer-Personen / Fahrzeugstunden der ganzen Flotte. "
                    "Gewonnen: Personen, die ohne den Zubringer gar nicht Bus oder Bahn "
                    "fahren (Bahnreisende sitzen ohnehin im Zug). Mittel über die Seeds "
                    "[95-%-Intervall].",
                    "Rides to a departure (first mile: set down at least "
                    "feeder.transfer_buffer_s before it) and from an arrival (last mile: "
                    "picked up no earlier than feeder.egress_s after it). Made = served, "
                    "missed = not served (requests). Transfer wait: set-down to departure, or "
                    "arrival to pickup. Riders per vehicle-hour: feeder persons carried / "
                    "vehicle-hours of the whole fleet. Gained: persons who would not use "
                    "public transport at all without the feeder (rail passengers are on the "
                    "train anyway). Mean over the seeds [95 % interval]."),
    "k_feeder_requests": ("Zubringer-Anfragen", "feeder requests"),
    "k_feeder_made": ("Anschlüsse erreicht", "connections made"),
    "k_feeder_missed": ("Anschlüsse verpasst", "connections missed"),
    "k_feeder_wait_mean": ("Umsteigewartezeit Mittel", "transfer wait, mean"),
    "k_feeder_wait_p95": ("Umsteigewartezeit 95-%-Perzentil", "transfer wait, 95th "
                          "percentile"),
    "k_feeder_riders_vh": ("Zubringer-Fahrgäste je Fahrzeugstunde", "feeder riders per "
                           "vehicle-hour"),
    "k_feeder_gained": ("für Bus und Bahn gewonnen (Personen)", "public transport riders "
                        "gained (persons)"),
    "cost": ("Kosten des Betreibers", "Operator cost"),
    "cost_none": ("Keine Kostenrechnung in diesen Läufen (keine econ_*-Kennzahlen; Läufe "
                  "einer älteren Version).",
                  "No cost figures in these runs (no econ_* KPIs; runs of an older "
                  "version)."),
    "cost_note": ("Betreiberkosten pro Werktag ohne MwSt. (Kapital, Personal, Energie, "
                  "Wartung, Depot, Verwaltung; kl_mobility.economics, Annahmen im Anhang und "
                  "in costs.json jedes Laufs), Mittel über die Seeds [95-%-Intervall]. Je "
                  "Fahrt = je bedienter Personenfahrt. Zuschuss = Kosten − Fahrgeldeinnahmen. "
                  "€ je t CO2e vermieden: Zuschuss ÷ Netto-Einsparung der Stadt (leer, wenn "
                  "nichts eingespart wird). Pro Jahr: × Werktags-Äquivalente (Annahme).",
                  "Operator cost per weekday net of VAT (capital, staff, energy, maintenance, "
                  "depot, overhead; kl_mobility.economics, assumptions in the appendix and in "
                  "every run's costs.json), mean over the seeds [95 % interval]. Per trip = "
                  "per served person trip. Subsidy = cost − fare revenue. € per t CO2e "
                  "avoided: subsidy ÷ the city's net saving (empty when nothing is saved). "
                  "Per year: × weekday equivalents (assumption)."),
    "k_cost_total": ("Kosten", "cost"),
    "k_revenue": ("Fahrgeldeinnahmen", "fare revenue"),
    "k_subsidy": ("Zuschussbedarf", "subsidy"),
    "k_subsidy_year": ("Zuschussbedarf pro Jahr", "subsidy per year"),
    "k_cost_trip": ("Kosten je Fahrt", "cost per trip"),
    "k_subsidy_trip": ("Zuschuss je Fahrt", "subsidy per trip"),
    "k_cost_vh": ("Kosten je Fahrzeugstunde", "cost per vehicle-hour"),
    "k_farebox": ("Kostendeckungsgrad", "farebox recovery"),
    "k_eur_t": ("Kosten je t CO2e vermieden", "cost per t CO2e avoided"),
    "districts": ("Ergebnisse nach Stadtteil", "Results by district"),
    "district": ("Stadtteil", "District"),
    "districts_note": ("Nach Startort der Anfrage: Kernstadt nach PLZ-Gebiet (Einwohnerzahlen "
                       "der Stadtteile der Kernstadt liegen nicht vor, FACTS.md Abschnitt 1), "
                       "die neun Ortsbezirke, Punkte außerhalb der PLZ-Flächen als eigene "
                       "Zeile; die Zeilen summieren sich zur Stadt. Einwohner: die des "
                       "Nachfragemodells. Vom Pkw: bediente Personen, die sonst Pkw gefahren "
                       "wären. Hbf in 30 min: Anteil der Einwohner, die den Hbf von Tür zu "
                       "Tür in 30 Minuten erreichen (Bus wie in der Verkehrsmittelwahl, Abfahrt "
                       "8:00 Uhr: mit Fahrplanrouting die Tür-zu-Tür-Zeit des Fahrplans in "
                       "diesem Zeitraum, für Zonen ohne Haltestelle im Netzausschnitt, etwa "
                       "die Ortsbezirke, die Näherung mit halbem Takt als Wartezeit; "
                       "On-Demand mit der mittleren Wartezeit des Stadtteils). "
                       "Mittel über die Seeds [95-%-Intervall].",
                       "By origin of the request: the Kernstadt by postcode area (per-district "
                       "populations of the Kernstadt are not available, FACTS.md section 1), "
                       "the nine Ortsbezirke, points outside the postcode areas as their own "
                       "row; the rows sum to the city. Residents: those of the demand model. "
                       "From car: served persons who would otherwise have driven. Hbf in 30 "
                       "min: share of residents reaching the Hbf door to door within 30 "
                       "minutes (bus as in the mode choice, departing at 08:00: with "
                       "timetable routing the timetable's door-to-door time in that period, "
                       "for zones without a stop in the network extract, such as the outer "
                       "districts, the approximation with half the headway as wait; "
                       "on-demand with the district's mean wait). Mean over the seeds "
                       "[95 % interval]."),
    "districts_empty": ("Ohne Einwohner und ohne Anfragen, daher nicht aufgeführt: {names}.",
                        "Without residents and without requests, so not listed: {names}."),
    "no_saving": ("– (keine gesicherte CO2-Einsparung)", "– (no certain CO2 saving)"),
    "cost_assumptions": ("Annahmen der Kostenrechnung", "Assumptions of the cost model"),
    "k_residents": ("Einwohner", "residents"),
    "k_req_per_1000": ("Anfragen", "requests"),
    "k_from_car": ("vom Pkw (Personen/Tag)", "from car (persons/day)"),
    "k_hbf_bus": ("Hbf in 30 min, Bus", "Hbf within 30 min, bus"),
    "k_hbf_ondemand": ("Hbf in 30 min, On-Demand", "Hbf within 30 min, on-demand"),
    "districts_none": ("Keine Ergebnisse nach Stadtteil in diesen Läufen "
                       "(districts.csv fehlt: Läufe einer älteren Version).",
                       "No results by district in these runs (no districts.csv: runs of an "
                       "older version)."),
    "maps": ("Karten", "Maps"),
    "map_vkm_q": ("Wo fahren die Fahrzeuge? – {scen}", "Where do the vehicles drive? – {scen}"),
    "map_vkm_cap": ("Fahrzeug-km pro Werktag je Straßenabschnitt (beide Richtungen, "
                    "{over_seeds}). Fahrten zu den Ortsbezirken außerhalb des Straßennetzes "
                    "sind nicht auf Straßen verteilt.",
                    "Vehicle-km per weekday per road segment (both directions, {over_seeds}). "
                    "Drives to the outer districts beyond the road network are not on any "
                    "street."),
    "map_req_q": ("Woher kommen die Anfragen und wie gut werden sie bedient? – {scen}",
                  "Where do requests come from and how well are they served? – {scen}"),
    "map_req_cap": ("Anfragen pro Werktag nach Startort (Rasterzellen von {cell} m; "
                    "Ortsbezirke außerhalb des Netzes an ihrem Mittelpunkt), Fläche ∝ Anfragen, "
                    "Farbe = Anteil bedient. {over_seeds_cap}.",
                    "Requests per weekday by origin (grid cells of {cell} m; outer districts "
                    "beyond the network at their centre), area ∝ requests, colour = share "
                    "served. {over_seeds_cap}."),
    "over_seeds_1": ("ein Seed", "one seed"),
    "over_seeds_n": ("Mittel über {n} Seeds", "mean over {n} seeds"),
    "map_missing": ("Nicht in den OSM-Daten gefunden und daher nicht eingezeichnet: {names}.",
                    "Not found in the OSM data and therefore not drawn: {names}."),
    "map_none": ("Keine Karte: das Straßennetz der Läufe ließ sich nicht laden.",
                 "No map: the runs' road network could not be loaded."),
    "figures": ("Diagramme", "Figures"),
    "fig_co2_cap": ("CO2-Änderung pro Werktag gegenüber „{base}“ nach Verkehrsmittel; "
                    "Fehlerbalken: 95-%-Intervall über die Seed-Paare.",
                    "CO2 change per weekday against '{base}' by mode; error bars: 95 % "
                    "interval over the seed pairs."),
    "fig_service_cap": ("Bediente Anfragen und mittlere Wartezeit, Mittel über die Seeds; "
                        "Fehlerbalken: 95-%-Intervall.",
                        "Requests served and mean wait, mean over the seeds; error bars: 95 % "
                        "interval."),
    "fig_wait_cap": ("Verteilung der Wartezeit und des Umwegfaktors der bedienten Fahrten "
                     "(Box 25–75 %, Antennen 5–95 %, Dreieck = Mittelwert).",
                     "Distribution of wait and detour factor of the served trips (box "
                     "25–75 %, whiskers 5–95 %, triangle = mean)."),
    "fig_occ_cap": ("Fahrzeuge im Einsatz und Fahrgäste an Bord über den Tag (Mittel über "
                    "die Seeds, 15-Minuten-Intervalle).",
                    "Vehicles busy and passengers on board over the day (mean over seeds, "
                    "15-minute bins)."),
    "appendix": ("Anhang", "Appendix"),
    "all_assumptions": ("Alle weiteren Annahmen und Konventionen der CO2-Rechnung",
                        "All further assumptions and conventions of the CO2 account"),
    "factors": ("Emissionsfaktoren der Fahrzeugtypen", "Emission factors of the vehicle "
                "types"),
    "vehicle_type": ("Fahrzeugtyp", "vehicle type"),
    "drivetrain": ("Antrieb", "drivetrain"),
    "energy": ("Energie je km", "energy per km"),
    "g_vkm": ("g CO2e/Fzkm", "g CO2e/vkm"),
    "failed": ("Fehlgeschlagene Läufe (nicht in den Ergebnissen)",
               "Failed runs (not in the results)"),
    "files": ("Dateien dieses Berichts: {files}.", "Files of this report: {files}."),
    "attribution": ("Kartendaten © OpenStreetMap contributors, ODbL 1.0 "
                    "(openstreetmap.org/copyright). PLZ-Grenzen aus OSM abgeleitet, "
                    "Herkunft nicht amtlich geprüft.",
                    "Map data © OpenStreetMap contributors, ODbL 1.0 "
                    "(openstreetmap.org/copyright). Postcode boundaries derived from OSM, "
                    "provenance not officially verified."),
    "lang_other": ("English version: --lang en", "Deutsche Fassung: --lang de"),
    # figure and map texts
    "ax_t_day": ("t CO2e pro Werktag", "t CO2e per weekday"),
    "ax_served_pct": ("bediente Anfragen (%)", "requests served (%)"),
    "ax_wait_min": ("mittlere Wartezeit (min)", "mean wait (min)"),
    "ax_wait_box": ("Wartezeit (min)", "wait (min)"),
    "ax_detour": ("Fahrzeit / Direktzeit (–)", "ride time / direct time (–)"),
    "ax_hour": ("Uhrzeit (h)", "hour of day (h)"),
    "ax_vehicles": ("Fahrzeuge im Einsatz (Anzahl)", "vehicles busy (number)"),
    "ax_pax": ("Fahrgäste an Bord (Personen)", "passengers on board (persons)"),
    "t_co2": ("CO2-Änderung gegenüber {base}", "CO2 change against {base}"),
    "t_service": ("Bedienung und Wartezeit", "Service and waiting time"),
    "t_wait": ("Wartezeit", "Waiting time"),
    "t_detour": ("Umweg", "Detour"),
    "t_busy": ("Fahrzeuge im Einsatz", "Vehicles busy"),
    "t_pax": ("Fahrgäste an Bord", "Passengers on board"),
    "lg_car": ("Pkw", "car"),
    "lg_bus": ("Bus", "bus"),
    "lg_fleet": ("On-Demand-Flotte", "on-demand fleet"),
    "lg_net": ("netto", "net"),
    "lg_streets": ("Straßennetz (Hauptstraßen dicker)", "road network (main roads wider)"),
    "lg_plz": ("PLZ-Gebiet", "postcode area"),
    "lg_outer": ("Ortsbezirk (außerhalb des Netzes)", "outer district (beyond the network)"),
    "lg_landmark": ("Orientierungspunkt (OSM)", "landmark (OSM)"),
    "cb_vkm": ("Fahrzeug-km pro Werktag je Abschnitt", "vehicle-km per weekday per segment"),
    "cb_served": ("Anteil bedient (%)", "share served (%)"),
    "lg_req_size": ("{n} Anfragen/Tag", "{n} requests/day"),
    "im_title": ("Interaktive Karte – {batch}", "Interactive map – {batch}"),
    "im_link": ("Interaktive Karte (im Browser, offline, ohne Nachladen): ",
                "Interactive map (in the browser, offline, loads nothing): "),
    "im_none_net": ("Keine interaktive Karte: das Straßennetz der Läufe ließ sich nicht laden.",
                    "No interactive map: the runs' road network could not be loaded."),
    "im_scenario": ("Szenario", "Scenario"),
    "im_layer_vkm": ("Fahrzeug-km", "vehicle-km"),
    "im_layer_req": ("Anfragen", "requests"),
    "im_layer_districts": ("Stadtteile", "districts"),
    "im_reset": ("ganze Stadt", "whole city"),
    "im_hint": ("Mausrad: zoomen · ziehen: verschieben · Stadtteil anklicken: Kennzahlen",
                "mouse wheel: zoom · drag: pan · click a district: its figures"),
    "im_info": ("Einen Stadtteil (PLZ-Fläche oder Ortsbezirk) anklicken, um seine Kennzahlen "
                "zu sehen.", "Click a district (postcode area or outer district) to see its "
                "figures."),
    "im_no_kpis": ("Keine Kennzahlen für diesen Stadtteil in diesem Szenario.",
                   "No figures for this district in this scenario."),
    "im_kpi_note": ("Nach Startort der Anfrage; Mittel über die Seeds [95-%-Intervall], wie "
                    "in der Tabelle „Ergebnisse nach Stadtteil“ des Berichts.",
                    "By origin of the request; mean over the seeds [95 % interval], as in "
                    "the report's table 'Results by district'."),
    "im_lg_vkm": ("Fahrzeug-km pro Werktag je Abschnitt", "vehicle-km per weekday per segment"),
    "im_lg_req": ("Anfragen: Fläche = Anzahl, Farbe = Anteil bedient",
                  "requests: area = number, colour = share served"),
    "im_none": ("keine", "none"),
    "im_vkm_tip": ("Fahrzeug-km pro Werktag: {label}", "vehicle-km per weekday: {label}"),
    "im_cell_tip": ("{req} Anfragen/Tag, {served} % bedient ({cell}-m-Zelle)",
                    "{req} requests/day, {served} % served ({cell} m cell)"),
    "fc_section": ("Flottengröße: wie viele Fahrzeuge braucht das Ziel?",
                   "Fleet size: how many vehicles does the target need?"),
    "fc_title": ("{scen}: Flottengröße „{vtype}“", "{scen}: fleet size of '{vtype}'"),
    "fc_note": ("Jede Flottengröße ist ein ganzer Lauf mit neu eingeschwungener Nachfrage "
                "(kl-mobility size; mehr Fahrzeuge ziehen mehr Anfragen an); die übrigen "
                "Fahrzeugtypen wie im Szenario. Seeds: {seeds}. Gezeigt ist das Mittel über "
                "die Seeds, die die Größe gerechnet haben, darunter grau das 95-%-t-Intervall, "
                "wo es mindestens zwei sind (die Suche jedes Seeds rechnet eigene Größen). "
                "CO2: Netto-Änderung der CO2-Emissionen aus dem Verkehr der Einwohner (Pkw + "
                "Bus + Flotte) gegenüber „{ref}“, dieselbe Konvention wie in der "
                "Zusammenfassung.",
                "Each fleet size is a whole run with its demand re-settled (kl-mobility size; "
                "more vehicles draw more requests); the other vehicle types as in the "
                "scenario. Seeds: {seeds}. Shown is the mean over the seeds that evaluated "
                "the size, below it in grey the 95 % t-interval where two or more did (each "
                "seed's search evaluates its own sizes). CO2: net change of the residents' "
                "transport CO2 (car + bus + fleet) against '{ref}', the convention of the "
                "summary."),
    "fc_answer": ("Kleinste Flotte, die das Ziel „{target}“ erreicht",
                  "Smallest fleet meeting the target '{target}'"),
    "fc_answer_mean": ("Mittelkurve", "mean curve"),
    "fc_answer_seed": ("Seed {seed}", "seed {seed}"),
    "fc_not_reached": ("nicht erreicht bis {n} Fahrzeuge", "not reached up to {n} vehicles"),
    "fc_answer_rule": ("Mittelkurve: die kleinste gerechnete Größe, deren Mittel das Ziel "
                       "erreicht, wobei auch jede größere gerechnete Größe es erreicht; je "
                       "Seed: das Ergebnis seiner Suche (Eingrenzen und Halbieren, setzt "
                       "voraus, dass mehr Fahrzeuge nie schlechter sind).",
                       "Mean curve: the smallest size evaluated whose mean meets the target "
                       "while every larger size evaluated meets it too; per seed: the answer "
                       "of its search (bracketing and bisection, which assumes more vehicles "
                       "never do worse)."),
    "fc_nonmono": ("Achtung: bei Seed {seed} hielt das Ziel bei {sizes} Fahrzeugen, bei einer "
                   "größeren gerechneten Flotte aber nicht; die Annahme der Suche gilt dort "
                   "nicht.",
                   "Warning: for seed {seed} the target held at {sizes} vehicles but failed "
                   "at a larger fleet evaluated; the search's assumption does not hold there."),
    "fc_h_count": ("Fahrzeuge „{vtype}“", "vehicles '{vtype}'"),
    "fc_h_requests": ("Anfragen (Fahrten/Tag)", "requests (trips/day)"),
    "fc_h_served": ("bedient (%)", "served (%)"),
    "fc_h_wait": ("mittlere Wartezeit (min)", "mean wait (min)"),
    "fc_h_wait_p95": ("95-%-Wartezeit (min)", "95th percentile wait (min)"),
    "fc_h_co2": ("Netto-CO2e (t CO2e/Tag)", "net CO2e (t CO2e/day)"),
    "fc_h_met": ("Ziel (Mittel)", "target (mean)"),
    "fc_met": ("erreicht", "met"),
    "fc_not_met": ("nicht erreicht", "not met"),
    "fc_k_share_served": ("bedient", "served"),
    "fc_k_wait_mean_s": ("mittlere Wartezeit", "mean wait"),
    "fc_k_wait_median_s": ("Median der Wartezeit", "median wait"),
    "fc_k_wait_p95_s": ("95-%-Wartezeit", "95th percentile wait"),
    "fc_ax_served": ("bediente Anfragen (%)", "requests served (%)"),
    "fc_ax_wait": ("mittlere Wartezeit (min)", "mean wait (min)"),
    "fc_ax_wait_p95": ("95-%-Wartezeit (min)", "95th percentile wait (min)"),
    "fc_ax_co2": ("Netto-CO2e (t/Tag)", "net CO2e (t/day)"),
    "fc_ax_x": ("Flottengröße (Fahrzeuge „{vtype}“)", "fleet size (vehicles '{vtype}')"),
    "fc_lg_mean": ("Mittel über Seeds (95-%-Intervall)", "mean over seeds (95 % interval)"),
    "fc_lg_one": ("Seed {seed} (ein Seed: kein Intervall)", "seed {seed} (one seed: no interval)"),
    "fc_lg_target": ("Ziel: {target}", "target: {target}"),
    "fc_lg_answer": ("kleinste Flotte: {n}", "smallest fleet: {n}"),
    "fc_cap": ("Bediente Anfragen, Wartezeit und Netto-CO2 pro Werktag gegenüber der "
               "Flottengröße; Fehlerbalken: 95-%-Intervall über die Seeds (wo mindestens "
               "zwei); rot gestrichelt das Ziel, grün gepunktet die kleinste Flotte der "
               "Mittelkurve.",
               "Requests served, wait and net CO2 per weekday against fleet size; error "
               "bars: 95 % interval over the seeds (where two or more); dashed red the "
               "target, dotted green the mean curve's smallest fleet."),
}

TEXT: dict[str, dict[str, str]] = {lang: {k: v[i] for k, v in _T.items()}
                                   for i, lang in enumerate(LANGS)}


def texts(lang: str) -> dict[str, str]:
    """The text table of ``lang`` (``de`` or ``en``); ``ValueError`` for another."""
    if lang not in TEXT:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, got {lang!r}")
    return TEXT[lang]


ASSUMPTION_NAMES_DE: dict[str, str] = {
    # the named assumptions of kl_mobility.assumptions, what each is, in German
    "car_occupancy": "Personen je Pkw",
    "grid_g_per_kwh": "CO2-Faktor des Stroms (g/kWh)",
    "asc_ondemand_minus_bus": "Konstante des On-Demand-Angebots relativ zum Bus",
    "beta_reject": "Nutzen je Einheit Ablehnungswahrscheinlichkeit des On-Demand-Angebots",
    "fare_eur": "On-Demand-Fahrpreis je Fahrt (EUR)",
    "battery_kwh": "nutzbare Batterie der E-Vans (bestimmt die Ladestopps, kWh)",
    "energy_kwh_per_km": "Energieverbrauch der E-Vans (kWh/km)",
    "fuel_wtw_factor": "Verhältnis Well-to-Wheel / Tank-to-Wheel der Kraftstoffe",
    "car_walk_min": "Fußweg zwischen Pkw und Fahrtende außerhalb der Innenstadt (min)",
    "car_walk_centre_min": "Fußweg zwischen Pkw und Fahrtende in der Innenstadt (min)",
    "car_park_search_min": "Parksuche am Ziel außerhalb der Innenstadt (min)",
    "car_park_search_centre_min": "Parksuche am Ziel in der Innenstadt (min)",
    "car_centre_radius_m": "Radius der Innenstadt-Parkbedingungen um die Stadtmitte (m)",
    "car_signal_stop_share": "Wahrscheinlichkeit, dass ein Pkw an einer Ampel hält",
    "car_signal_wait_s": "mittlere Wartezeit eines an der Ampel haltenden Pkw (s)",
    "car_give_way_speed_kmh": "Geschwindigkeit eines Pkw an Vorfahrtstellen (km/h)",
    "car_accel_mps2": "mittlere Beschleunigung eines Pkw im Stadtverkehr (m/s²)",
    "car_decel_mps2": "mittlere Verzögerung eines Pkw im Stadtverkehr (m/s²)",
    "min_residential_m2": "kleinste Grundfläche eines „building=yes“, das als Wohnhaus zählt "
                          "(m²)",
    "attraction_per_resident": "Attraktionseinheiten je Einwohner",
    "attraction_per_nonres_m2": "Attraktionseinheiten je m² Nichtwohn-Grundfläche",
    "attraction_per_shop": "Attraktionseinheiten je OSM-Geschäft",
    "attraction_per_amenity": "Attraktionseinheiten je Besuchereinrichtung",
    "attraction_per_school": "Attraktionseinheiten je Schule oder Kita",
    "attractor_hauptbahnhof": "tägliche Fahrten der Einwohner zum Hauptbahnhof",
    "attractor_stadtmitte": "zusätzliche Attraktion der Stadtmitte",
    "attractor_pre_uni_park": "Arbeitsplätze im PRE-Uni-Park (Fraunhofer, DFKI, MPI)",
    "attractor_gewerbegebiet_nord_ost": "Arbeitsplätze und Kunden im Gewerbegebiet Nord-Ost",
    "attractor_messeplatz": "werktägliche Besucher von Messeplatz / Volkspark",
    "gravity_decay_per_min": "Distanzabnahme der Zielwahl (je min Fahrzeit)",
    "outbound_profile_peak": "Morgenspitze der Hinwege",
    "return_profile_peak": "Nachmittagsspitze der Rückwege",
    "walk_speed_kmh": "Gehgeschwindigkeit (km/h)",
    "bike_speed_kmh": "Radgeschwindigkeit (km/h)",
    "car_cost_eur_per_km": "wahrgenommene Pkw-Betriebskosten (EUR/km)",
    "intrazonal_speed_kmh": "Pkw-Geschwindigkeit innerhalb einer Zone (km/h)",
    "bus_headway_min": "effektiver Bustakt in der Kernstadt (min)",
    "bus_ivt_factor": "Fahrzeit im Bus / Pkw-Fahrzeit",
    "bus_fare_eur": "mittlerer wahrgenommener Busfahrpreis je Fahrt (EUR)",
    "bus_start_s": "erste reguläre Busse (s nach Mitternacht)",
    "bus_access_detour_factor": "Fußweg / Luftlinie zur Bushaltestelle",
    "external_detour_factor": "Straßen- / Luftlinienentfernung der Anbindung eines "
                              "Ortsbezirks",
    "external_speed_kmh": "Pkw-Geschwindigkeit auf der Anbindung eines Ortsbezirks (km/h)",
    "external_facility_factor": "Einrichtungen je Einwohner eines Ortsbezirks relativ zur "
                                "Kernstadt",
    "external_intrazonal_m": "mittlere Fahrtlänge innerhalb eines Ortsbezirks (m)",
    "einsiedlerhof_attraction": "Attraktion des Industriegebiets Einsiedlerhof",
    "beta_ivt_per_min": "Logit-Koeffizient der Fahrzeit im Fahrzeug",
    "beta_walk_per_min": "Logit-Koeffizient der Gehzeit (Modus zu Fuß)",
    "beta_bike_per_min": "Logit-Koeffizient der Radfahrzeit",
    "beta_access_per_min": "Logit-Koeffizient der Zugangswege (Haltestellen, geparkter Pkw)",
    "beta_wait_per_min": "Logit-Koeffizient der Wartezeit",
    "beta_cost_per_eur": "Logit-Koeffizient der Kosten",
    "assumed_wait_s": "vor der ersten Simulation angenommene On-Demand-Wartezeit (s)",
    "assumed_detour_factor": "vor der ersten Simulation angenommener On-Demand-Umwegfaktor",
    "service_step": "Dämpfung der Runden Nachfrage <-> Angebot",
    "service_requests_tol": "Toleranz der Anfragen-Differenz konvergierter Runden",
    "service_level_tol": "Toleranz der Angebotsänderung konvergierter Runden",
    "service_local_prior": "Ausweichgewicht der Rückmeldung je Stadtteil (Anfragen)",
    "stop_dwell_s": "Haltezeit eines Fahrzeugs beim Ein- oder Ausstieg (s)",
    "board_s_per_passenger": "Einstiegszeit je Fahrgast (s)",
    "walk_detour_factor": "Fußweg / Luftlinie zur virtuellen Haltestelle",
    "charge_threshold": "Ladezustand, bei dem ein Fahrzeug zum Laden fährt",
    "service_walk_speed_kmh": "Gehgeschwindigkeit zu und von virtuellen Haltestellen (km/h)",
    "diesel_van_l_per_100km": "Kraftstoffverbrauch der Diesel-Vans (l/100 km)",
    "charge_time_s": "Dauer eines Ladestopps (s)",
    "headway_morlautern": "Bustakt nach Morlautern (min)",
    "headway_siegelbach": "Bustakt nach Siegelbach (min)",
    "headway_erfenbach": "Bustakt nach Erfenbach (min)",
    "headway_erzhuetten_wiesenthalerhof": "Bustakt nach Erzhütten-Wiesenthalerhof (min)",
    "headway_dansenberg": "Bustakt nach Dansenberg (min)",
    "headway_erlenbach": "Bustakt nach Erlenbach (min)",
    "driver_eur_per_h": "Bruttolohn Fahrpersonal je bezahlter Stunde (EUR)",
    "employer_cost_factor": "Arbeitgeberkosten je Bruttolohn",
    "paid_hours_factor": "bezahlte Personalstunden je Fahrzeugstunde im Betrieb",
    "electricity_eur_per_kwh": "Strompreis netto (EUR/kWh)",
    "overhead_share": "Verwaltung, Dispositionssoftware, Buchung und Kundenservice als Anteil "
                      "der direkten Kosten",
    "van_lifetime_years": "Nutzungsdauer eines Vans (Jahre)",
    "van_interest_pct": "Zins auf das Van-Kapital (% pro Jahr)",
    "van_maintenance_eur_per_km": "Wartung eines Vans (EUR/km)",
    "van_depot_eur_per_vehicle_day": "Stellplatz, Ladepunkt und Reinigung je Van und Tag (EUR)",
    "shuttle_price_eur": "Preis eines automatisierten Shuttles (EUR)",
    "shuttle_lifetime_years": "Nutzungsdauer eines Shuttles (Jahre)",
    "shuttle_interest_pct": "Zins auf das Shuttle-Kapital (% pro Jahr)",
    "shuttle_staff_share": "Aufsichts-/Teleoperations-Personalstunden je Shuttle-Stunde",
    "shuttle_maintenance_eur_per_km": "Wartung eines Shuttles (EUR/km)",
    "shuttle_depot_eur_per_vehicle_day": "Stellplatz, Ladepunkt und Reinigung je Shuttle und "
                                         "Tag (EUR)",
}
"""German for the ``what`` of every named assumption (:mod:`kl_mobility.assumptions`);
a test checks that every assumption has one."""

ASSUMPTION_WHY_DE: dict[str, str] = {
    # the reasoning of the assumptions the summary shows first (HEADLINE_ASSUMPTIONS)
    "car_occupancy": "1,2 lokal (FACTS.md Abschnitt 3), 1,4 UBA (Abschnitt 6), 1,5 MiD 2017 "
                     "(Abschnitt 10)",
    "grid_g_per_kwh": "UBA-Strommix der letzten Jahre in FACTS.md Abschnitt 6: 363 (2024) bis "
                      "434 (2022)",
    "asc_ondemand_minus_bus": "kein lokaler Wert; 0 = so attraktiv wie der Bus bei gleichen "
                              "Zeiten und Kosten, −2 = starke Abneigung gegen ein neues, zu "
                              "buchendes Angebot",
    "beta_reject": "kein lokaler Wert; −2 lässt eine sichere Ablehnung wie 25 min Fahrzeit "
                   "wiegen (−2 / −0,08 je min Wartezeit); −0,5 bis −4 entspricht 6 bis 50 min "
                   "Wartezeit",
    "fare_eur": "KEXI 2–4 EUR, Hopper 2,60 EUR + 0,20 EUR/km (FACTS.md Abschnitt 7d); "
                "1,5 EUR = der wahrgenommene Busfahrpreis",
    "battery_kwh": "standardmäßig 40 kWh nutzbar für die Vans; 90 kWh nutzbar beim eVito "
                   "Tourer (FACTS.md Abschnitt 7b)",
    "energy_kwh_per_km": "e-NV200-Van 0,281 kWh/km (ADAC, FACTS.md Abschnitt 6); Pkw "
                         "0,155–0,297, große Vans „fast das Doppelte“ des besten Pkw "
                         "(Abschnitt 6)",
    "fuel_wtw_factor": "Diesel-Vorkette 12–24 % (FACTS.md Abschnitt 11: TREMOD 16 %, "
                       "VCOe 24 %)",
}
"""German reasoning of the headline assumptions; the others show the English reasoning of
:mod:`kl_mobility.assumptions`, marked as such (``why_english``)."""


def assumption_text(name: str, what: str, why: str, lang: str) -> tuple[str, str]:
    """``(what, why)`` of the named assumption ``name`` in ``lang``: German from
    :data:`ASSUMPTION_NAMES_DE` / :data:`ASSUMPTION_WHY_DE`, a German reasoning that is
    missing marked as English; ``en`` as given."""
    if lang != "de":
        return what, why
    why_de = ASSUMPTION_WHY_DE.get(name)
    return (ASSUMPTION_NAMES_DE.get(name, what),
            why_de if why_de is not None else f"{TEXT['de']['why_english']} {why}")
