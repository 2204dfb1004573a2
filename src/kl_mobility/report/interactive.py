"""The interactive map of a report (``kl-mobility report ... --interactive``): one
self-contained HTML file for the browser that works offline.

No tiles and no script from elsewhere: the map is inline SVG drawn from the project's own
data (the context of :mod:`kl_mobility.report.basemap`: the runs' street network, the PLZ
polygons, the outer districts, the OSM landmarks) with a small inline script for pan and
zoom (mouse wheel, dragging, buttons), tooltips, a click panel with each district's KPIs
(the report's ``districts.csv``: mean over the seeds) and a choice of scenario and layers:
vehicle-km per street segment (both directions on one line, the classes of the static
map) and requests by origin (500 m cells, area = requests per weekday, colour = share
served). Legend, scale bar (recomputed at every zoom), north arrow and the OpenStreetMap
attribution are always on screen.

Coordinates: metres east and south of the map's north-west corner on a local
equirectangular projection (x = lon x 111,320 m x cos(mid latitude), y = lat x 110,574 m),
rounded to the metre; at the size of the city the distortion is far below a pixel.

A URL fragment selects a state, e.g. ``interactive_map.html#scenario=klima-plus-2030&
district=Kernstadt%2067655&zoom=2`` (scenario, the district whose panel is open, zoom
factor about the centre), so a saved link or a headless browser shows that view.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.report.basemap import ATTRIBUTION, MapContext, extent
from kl_mobility.report.units import UNITS, format_number

__all__ = ["KX_M_PER_DEG", "KY_M_PER_DEG", "VKM_BOUNDS", "interactive_html", "projection"]

KX_M_PER_DEG = 111_320.0
"""Metres per degree of longitude at the equator (x cos latitude)."""
KY_M_PER_DEG = 110_574.0
"""Metres per degree of latitude (as :func:`kl_mobility.report.maps.request_cells`)."""

VKM_BOUNDS = (0.0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
"""Class bounds of vehicle-km per segment (km per weekday), those of the static map."""

_DISPLAY_TO_MODEL = {"Mölschbach": "Moelschbach",
                     "Erzhütten-Wiesenthalerhof": "Erzhuetten-Wiesenthalerhof"}
_TIP_KPIS = (("k_residents", "residents", "count"), ("k_requests", "requests", "count"),
             ("k_share_served", "served_share", "pct"), ("k_wait_mean", "wait_mean_min",
                                                         "min_direct"),
             ("k_from_car", "from_car", "count"), ("k_hbf_bus", "bus_hbf_share", "pct"),
             ("k_hbf_ondemand", "ondemand_hbf_share", "pct"))


def projection(ctx: MapContext) -> tuple[Any, float, float]:
    """``(to_xy, width_m, height_m)``: ``to_xy(lon, lat)`` -> integer metres east and south
    of the north-west corner of :func:`~kl_mobility.report.basemap.extent`."""
    x0, x1, y0, y1 = extent(ctx)
    kx = KX_M_PER_DEG * math.cos(math.radians(0.5 * (y0 + y1)))

    def to_xy(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        x = np.rint((np.asarray(lon, np.float64) - x0) * kx).astype(np.int64)
        y = np.rint((y1 - np.asarray(lat, np.float64)) * KY_M_PER_DEG).astype(np.int64)
        return x, y

    return to_xy, (x1 - x0) * kx, (y1 - y0) * KY_M_PER_DEG


def _segments_path(xa: np.ndarray, ya: np.ndarray, xb: np.ndarray, yb: np.ndarray) -> str:
    return "".join(f"M{a} {b}L{c} {d}" for a, b, c, d in zip(xa.tolist(), ya.tolist(),
                                                           xb.tolist(), yb.tolist()))


def _hex(rgba: Sequence[float]) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgba[:3])


def _district_kpis(dist: pd.DataFrame, lang: str, t: dict[str, str]
                   ) -> dict[str, dict[str, list[list[str]]]]:
    """district -> scenario -> [label, shown value] rows of the report's districts.csv."""
    out: dict[str, dict[str, list[list[str]]]] = {}
    if dist is None or not len(dist):
        return out
    idx = dist.set_index(["scenario", "district", "kpi"])
    for (scen, name), _ in dist.groupby(["scenario", "district"], sort=False):
        rows = []
        for label, kpi, unit in _TIP_KPIS:
            if (scen, name, kpi) not in idx.index:
                continue
            r = idx.loc[(scen, name, kpi)]
            v = float(r["mean"])
            u = UNITS[unit]
            sym = u.label(lang)
            txt = format_number(v * u.scale if math.isfinite(v) else math.nan, u.decimals,
                                lang)
            if math.isfinite(float(r["ci95_low"])) and r["ci95_low"] != r["ci95_high"]:
                lo = format_number(float(r["ci95_low"]) * u.scale, u.decimals, lang)
                hi = format_number(float(r["ci95_high"]) * u.scale, u.decimals, lang)
                txt += f" [{lo}; {hi}]"
            rows.append([t[label], f"{txt} {sym}".strip()])
        out.setdefault(str(name), {})[str(scen)] = rows
    return out


def interactive_html(  # noqa: PLR0913 - keyword-only inputs
        ctx: MapContext, *, scenarios: Sequence[str], edges: pd.DataFrame,
                     trips: pd.DataFrame, districts: pd.DataFrame, t: dict[str, str],
                     lang: str, title: str, cell_m: float = 500.0) -> str:
    """The interactive map's HTML (module docstring). ``scenarios``: those with a service
    (one layer set each); ``edges`` / ``trips``: the batch's tables with ``scenario`` and
    ``seed``; ``districts``: the report's ``districts.csv``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kl_mobility.report.maps import request_cells, segment_vkm

    to_xy, width, height = projection(ctx)
    w, h = math.ceil(width), math.ceil(height)
    # streets: one line per node pair, minor and main roads as one path each
    a = np.minimum(ctx.edge_tail, ctx.edge_head)
    b = np.maximum(ctx.edge_tail, ctx.edge_head)
    pairs = pd.DataFrame({"a": a, "b": b, "main": ctx.main_road}).groupby(
        ["a", "b"], sort=True)["main"].max().reset_index()
    nx, ny = to_xy(ctx.node_lon, ctx.node_lat)
    streets = {}
    for key, sel in (("minor", ~pairs["main"].to_numpy(bool)), ("main", pairs["main"].to_numpy(bool))):
        pa, pb = pairs["a"].to_numpy(np.int64)[sel], pairs["b"].to_numpy(np.int64)[sel]
        streets[key] = _segments_path(nx[pa], ny[pa], nx[pb], ny[pb])
    # districts: PLZ polygons (named as districts.csv names them) and outer districts
    kpis = _district_kpis(districts, lang, t)
    polys = []
    for d in ctx.districts:
        name = d.name.replace("PLZ ", "Kernstadt ")
        path = ""
        for ring in d.rings:
            rx, ry = to_xy(ring[:, 0], ring[:, 1])
            path += "M" + "L".join(f"{x} {y}" for x, y in zip(rx.tolist(), ry.tolist())) + "Z"
        lx, ly = to_xy(d.label_lon, d.label_lat)
        polys.append({"name": name, "label": d.name, "d": path, "x": int(lx), "y": int(ly)})
    outer = []
    for name, lat, lon in ctx.outer:
        ox, oy = to_xy(lon, lat)
        outer.append({"name": _DISPLAY_TO_MODEL.get(name, name), "label": name,
                      "x": int(ox), "y": int(oy)})
    marks = []
    for lm in ctx.landmarks:
        mx, my = to_xy(lm.lon, lm.lat)
        marks.append({"label": lm.label, "x": int(mx), "y": int(my),
                      "tip": f"{lm.label}: {lm.osm_name} (OSM {lm.osm_ref})"})
    # per scenario: vehicle-km classes and request cells
    cmap_v = plt.get_cmap("YlOrRd")
    cmap_r = plt.get_cmap("RdYlGn")
    layers = []
    for s in scenarios:
        e = edges[edges["scenario"] == s] if len(edges) else edges
        seg = segment_vkm(e)
        seg = seg[seg["vkm"] > 0]
        classes = []
        if len(seg):
            vmax = float(seg["vkm"].max())
            bounds = [x for x in VKM_BOUNDS if x < vmax] + [vmax]
            vals = seg["vkm"].to_numpy(float)
            cls = np.clip(np.searchsorted(bounds, vals, side="left") - 1, 0, len(bounds) - 2)
            for k in range(len(bounds) - 1):
                sel = cls == k
                if not sel.any():
                    continue
                sa = seg["a"].to_numpy(np.int64)[sel]
                sb = seg["b"].to_numpy(np.int64)[sel]
                frac = (k + 0.5) / (len(bounds) - 1)
                classes.append({"d": _segments_path(nx[sa], ny[sa], nx[sb], ny[sb]),
                                "color": _hex(cmap_v(0.15 + 0.85 * frac)),
                                "width": round(1.2 + 3.0 * frac, 2),
                                "label": f"{format_number(bounds[k], 0, lang)}–"
                                         f"{format_number(bounds[k + 1], 0, lang)} km",
                                "n": int(sel.sum())})
        tr = trips[trips["scenario"] == s] if len(trips) else trips
        cells = request_cells(tr, cell_m)
        circles = []
        if len(cells):
            rmax = float(cells["requests"].max())
            cx, cy = to_xy(cells["lon"].to_numpy(float), cells["lat"].to_numpy(float))
            for x, y, req, share in zip(cx.tolist(), cy.tolist(),
                                        cells["requests"].tolist(),
                                        cells["served_share"].tolist(), strict=True):
                circles.append({
                    "x": x, "y": y, "r": round(0.48 * cell_m * math.sqrt(req / rmax), 1),
                    "color": _hex(cmap_r(share)),
                    "tip": t["im_cell_tip"].format(
                        req=format_number(req, 1, lang),
                        served=format_number(100.0 * share, 1, lang), cell=int(cell_m))})
        layers.append({"scenario": s, "vkm": classes, "cells": circles})
    plt.close("all")
    data = {"w": w, "h": h, "districts": kpis, "scenarios": list(scenarios),
            "t": {k[3:]: v for k, v in t.items() if k.startswith("im_")}}
    return _render({"title": title, "lang": lang, "w": w, "h": h, "streets": streets,
                    "polys": polys, "outer": outer, "marks": marks, "layers": layers,
                    "data": data, "missing": ctx.missing_landmarks}, t)


def _render(m: dict[str, Any], t: dict[str, str]) -> str:
    """The page from the drawn parts ``m`` (see :func:`interactive_html`)."""
    esc = html.escape
    title, lang, w, h = m["title"], m["lang"], m["w"], m["h"]
    streets, polys, outer, marks = m["streets"], m["polys"], m["outer"], m["marks"]
    layers, data, missing = m["layers"], m["data"], m["missing"]
    svg = [f'<svg id="map" viewBox="0 0 {w} {h}" '
           'preserveAspectRatio="xMidYMid meet">',
           f'<rect x="{-w}" y="{-h}" width="{3 * w}" height="{3 * h}" fill="#f4f2ec"/>',
           '<g id="g-districts">']
    for p in polys:
        svg.append(f'<path class="district" data-name="{esc(p["name"])}" d="{p["d"]}"/>')
    svg.append('</g><g id="g-streets">'
               f'<path class="street minor" d="{streets["minor"]}"/>'
               f'<path class="street main" d="{streets["main"]}"/></g>')
    for i, layer in enumerate(layers):
        svg.append(f'<g class="layer vkm" data-scenario="{esc(layer["scenario"])}" '
                   f'id="vkm-{i}">')
        for c in layer["vkm"]:
            svg.append(f'<path class="vkm" stroke="{c["color"]}" stroke-width="{c["width"]}" '
                       f'data-tip="{esc(t["im_vkm_tip"].format(label=c["label"]))}" '
                       f'd="{c["d"]}"/>')
        svg.append('</g>')
        svg.append(f'<g class="layer req" data-scenario="{esc(layer["scenario"])}" '
                   f'id="req-{i}">')
        for c in layer["cells"]:
            svg.append(f'<circle class="cell" cx="{c["x"]}" cy="{c["y"]}" r="{c["r"]}" '
                       f'fill="{c["color"]}" data-tip="{esc(c["tip"])}"/>')
        svg.append('</g>')
    svg.append('<g id="g-outer">')
    for o in outer:
        svg.append(f'<circle class="outer" data-name="{esc(o["name"])}" cx="{o["x"]}" '
                   f'cy="{o["y"]}" r="220" data-r="220"/>')
    svg.append('</g><g id="g-marks">')
    for mk in marks:
        svg.append(f'<rect class="mark" x="{mk["x"] - 110}" y="{mk["y"] - 110}" width="220" '
                   f'height="220" data-cx="{mk["x"]}" data-cy="{mk["y"]}" data-s="220" '
                   f'data-tip="{esc(mk["tip"])}"/>')
    svg.append('</g><g id="g-labels">')
    # labels keep their size on screen when zooming: the script scales font size and
    # offset (data-fs, data-dx, data-dy, in map metres at zoom 1) by 1 / zoom
    def label(cls: str, x: int, y: int, dx: int, dy: int, fs: int, text: str) -> str:
        return (f'<text class="lbl {cls}" x="{x + dx}" y="{y + dy}" font-size="{fs}" '
                f'data-x="{x}" data-y="{y}" data-dx="{dx}" data-dy="{dy}" data-fs="{fs}">'
                f'{esc(text)}</text>')

    for p in polys:
        svg.append(label("", p["x"], p["y"], 0, 0, 260, p["label"]))
    for o in outer:
        svg.append(label("outer-lbl", o["x"], o["y"], 0, 520, 230, o["label"]))
    for mk in marks:
        svg.append(label("mark-lbl", mk["x"], mk["y"], 170, 80, 260, mk["label"]))
    svg.append('</g></svg>')
    options = "".join(f'<option value="{esc(s)}">{esc(s)}</option>' for s in data["scenarios"])
    legends = []
    for layer in layers:
        rows = "".join(f'<div class="lg"><span class="ln" style="background:{c["color"]};'
                       f'height:{max(2, round(c["width"]))}px"></span>{esc(c["label"])}</div>'
                       for c in layer["vkm"])
        legends.append(f'<div class="lg-s" data-scenario="{esc(layer["scenario"])}">'
                       f'<b>{esc(t["im_lg_vkm"])}</b>{rows or esc(t["im_none"])}</div>')
    grad = ", ".join(_hex(c) for c in _gradient())
    return _PAGE.format(
        lang=lang, title=esc(title), svg="".join(svg), options=options,
        legends="".join(legends), grad=grad, attribution=esc(ATTRIBUTION),
        data=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"),
        js=_JS, css=_CSS, hint=esc(t["im_hint"]), info=esc(t["im_info"]),
        l_scen=esc(t["im_scenario"]), l_vkm=esc(t["im_layer_vkm"]),
        l_req=esc(t["im_layer_req"]), l_dist=esc(t["im_layer_districts"]),
        lg_streets=esc(t["lg_streets"]), lg_plz=esc(t["lg_plz"]), lg_outer=esc(t["lg_outer"]),
        lg_mark=esc(t["lg_landmark"]), lg_req=esc(t["im_lg_req"]),
        missing=esc(t["map_missing"].format(names=", ".join(missing))) if missing else "",
        reset=esc(t["im_reset"]))


def _gradient() -> list[tuple[float, ...]]:
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("RdYlGn")
    return [cmap(x) for x in (0.0, 0.25, 0.5, 0.75, 1.0)]


_CSS = """
html,body{margin:0;height:100%;font-family:"DejaVu Sans",Arial,sans-serif;color:#222}
#wrap{position:relative;height:100%;overflow:hidden;background:#f4f2ec}
#map{width:100%;height:100%;cursor:grab;display:block}#map.drag{cursor:grabbing}
.district{fill:#dfe7ef;fill-opacity:.35;stroke:#4a6a8a;stroke-width:1.6px;
vector-effect:non-scaling-stroke;cursor:pointer}.district:hover,.district.sel{fill:#9fc3e6;fill-opacity:.55}
.street{fill:none;stroke:#9a9a9a;vector-effect:non-scaling-stroke;stroke-linecap:round}
.street.minor{stroke-width:.6px}.street.main{stroke:#6d6d6d;stroke-width:1.6px}
.vkm{fill:none;vector-effect:non-scaling-stroke;stroke-linecap:round}
.cell{fill-opacity:.8;stroke:#333;stroke-width:.6px;vector-effect:non-scaling-stroke}
.outer{fill:#fff;fill-opacity:0;stroke:#4a6a8a;stroke-width:2.5px;vector-effect:non-scaling-stroke;cursor:pointer}
.outer:hover,.outer.sel{fill:#9fc3e6;fill-opacity:.5}
.mark{fill:#222;stroke:#fff;stroke-width:1px;vector-effect:non-scaling-stroke}
.lbl{fill:#2b4a6a;text-anchor:middle;paint-order:stroke;stroke:#fff;
stroke-width:3px;stroke-linejoin:round;pointer-events:none}
.mark-lbl{text-anchor:start;font-weight:bold;fill:#111}
.panel{position:absolute;background:rgba(255,255,255,.94);border:1px solid #aaa;
border-radius:5px;padding:6px 9px;font-size:13px}
#bar{top:8px;left:8px;max-width:60%}#bar h1{font-size:15px;margin:0 0 4px}
#bar label{margin-right:9px;white-space:nowrap}#bar button{min-width:28px}
#legend{bottom:30px;left:8px;max-width:300px}.lg{display:flex;align-items:center;gap:6px}
.ln{display:inline-block;width:26px}.sw{display:inline-block;width:16px;height:12px;border:1px solid #4a6a8a}
.grad{height:10px;width:150px;border:1px solid #888}
#info{top:8px;right:8px;width:330px;max-height:70%;overflow:auto}
#info table{border-collapse:collapse;width:100%}#info td,#info th{border-bottom:1px solid #ddd;
padding:2px 4px;text-align:left;font-size:12px}#info td.v{text-align:right;white-space:nowrap}
#tip{position:absolute;pointer-events:none;display:none;background:#222;color:#fff;
padding:3px 6px;border-radius:3px;font-size:12px;white-space:nowrap}
#scale{bottom:30px;right:8px;text-align:center;padding:4px 8px}
#scalebar{height:6px;border:2px solid #222;border-top:none;margin:0 auto}
#north{position:absolute;right:14px;top:46%;font:bold 16px sans-serif;text-align:center}
#attr{position:absolute;bottom:0;right:0;background:rgba(255,255,255,.85);font-size:11px;
padding:2px 6px}.note{font-size:11px;color:#555}
"""

_JS = r"""
(function(){
var D=JSON.parse(document.getElementById('data').textContent),T=D.t;
var HOME=[-0.04*D.w,-0.14*D.h,1.08*D.w,1.18*D.h];
var svg=document.getElementById('map'),vb=HOME.slice(),tip=document.getElementById('tip');
var fixed=document.querySelectorAll('[data-fs],[data-r],[data-s]');
function resize(){var k=Math.max(1,HOME[2]/vb[2]);fixed.forEach(function(e){var a=function(n){return parseFloat(e.getAttribute(n));};
if(e.hasAttribute('data-fs')){e.setAttribute('font-size',a('data-fs')/k);e.setAttribute('x',a('data-x')+a('data-dx')/k);e.setAttribute('y',a('data-y')+a('data-dy')/k);}
else if(e.hasAttribute('data-r')){e.setAttribute('r',a('data-r')/k);}
else{var s=a('data-s')/k;e.setAttribute('x',a('data-cx')-s/2);e.setAttribute('y',a('data-cy')-s/2);e.setAttribute('width',s);e.setAttribute('height',s);}});}
function setVB(){svg.setAttribute('viewBox',vb.join(' '));scale();resize();}
function pxPerM(){var r=svg.getBoundingClientRect();return Math.min(r.width/vb[2],r.height/vb[3]);}
function scale(){var p=pxPerM(),m=120/p,steps=[50,100,200,500,1000,2000,5000,10000],L=steps[0];
for(var i=0;i<steps.length;i++){if(steps[i]<=m)L=steps[i];}
document.getElementById('scalebar').style.width=(L*p)+'px';
document.getElementById('scaletxt').textContent=L>=1000?(L/1000)+' km':L+' m';}
function zoom(f,cx,cy){var r=svg.getBoundingClientRect(),p=pxPerM();
if(cx===undefined){cx=vb[0]+vb[2]/2;cy=vb[1]+vb[3]/2;}
var nw=Math.min(Math.max(vb[2]/f,300),D.w*3),nh=nw*vb[3]/vb[2],k=nw/vb[2];
vb=[cx-(cx-vb[0])*k,cy-(cy-vb[1])*k,nw,nh];setVB();}
function toMap(e){var r=svg.getBoundingClientRect(),p=pxPerM(),
ox=(r.width-vb[2]*p)/2,oy=(r.height-vb[3]*p)/2;
return [vb[0]+(e.clientX-r.left-ox)/p,vb[1]+(e.clientY-r.top-oy)/p];}
svg.addEventListener('wheel',function(e){e.preventDefault();var q=toMap(e);
zoom(e.deltaY<0?1.25:0.8,q[0],q[1]);},{passive:false});
var drag=null;
svg.addEventListener('mousedown',function(e){drag=[e.clientX,e.clientY,vb[0],vb[1]];svg.classList.add('drag');});
window.addEventListener('mouseup',function(){drag=null;svg.classList.remove('drag');});
window.addEventListener('mousemove',function(e){if(drag){var p=pxPerM();
vb[0]=drag[2]-(e.clientX-drag[0])/p;vb[1]=drag[3]-(e.clientY-drag[1])/p;setVB();}
var el=e.target,s=el&&el.getAttribute&&(el.getAttribute('data-tip')||el.getAttribute('data-name'));
if(s&&!drag){tip.textContent=s;tip.style.display='block';tip.style.left=(e.clientX+12)+'px';
tip.style.top=(e.clientY+12)+'px';}else{tip.style.display='none';}});
document.getElementById('zin').onclick=function(){zoom(1.5);};
document.getElementById('zout').onclick=function(){zoom(1/1.5);};
document.getElementById('zreset').onclick=function(){vb=HOME.slice();setVB();};
var sel=document.getElementById('scen'),cur=D.scenarios[0]||'',picked=null;
function show(){var v=document.getElementById('cvkm').checked,q=document.getElementById('creq').checked,
d=document.getElementById('cdist').checked;
document.querySelectorAll('.layer.vkm').forEach(function(g){g.style.display=(v&&g.getAttribute('data-scenario')===cur)?'':'none';});
document.querySelectorAll('.layer.req').forEach(function(g){g.style.display=(q&&g.getAttribute('data-scenario')===cur)?'':'none';});
document.querySelectorAll('.lg-s').forEach(function(g){g.style.display=(g.getAttribute('data-scenario')===cur)?'':'none';});
document.getElementById('g-districts').style.display=d?'':'none';
if(picked)panel(picked);}
function esc(s){var x=document.createElement('span');x.textContent=s;return x.innerHTML;}
function panel(name){picked=name;document.querySelectorAll('.sel').forEach(function(x){x.classList.remove('sel');});
document.querySelectorAll('[data-name]').forEach(function(x){if(x.getAttribute('data-name')===name)x.classList.add('sel');});
var k=(D.districts[name]||{})[cur],h='<b>'+esc(name)+'</b> <span class="note">('+esc(cur)+')</span>';
if(!k){h+='<p class="note">'+esc(T.no_kpis)+'</p>';}else{h+='<table>';
k.forEach(function(r){h+='<tr><th>'+esc(r[0])+'</th><td class="v">'+esc(r[1])+'</td></tr>';});h+='</table>';}
h+='<p class="note">'+esc(T.kpi_note)+'</p>';document.getElementById('info').innerHTML=h;}
document.querySelectorAll('[data-name]').forEach(function(x){x.addEventListener('click',function(e){
if(drag&&(Math.abs(e.clientX-drag[0])>3||Math.abs(e.clientY-drag[1])>3))return;panel(x.getAttribute('data-name'));});});
sel.onchange=function(){cur=sel.value;show();};
['cvkm','creq','cdist'].forEach(function(id){document.getElementById(id).onchange=show;});
var h=location.hash.replace(/^#/,'').split('&'),z=1;
h.forEach(function(kv){var p=kv.split('='),v=decodeURIComponent(p[1]||'');
if(p[0]==='scenario'&&D.scenarios.indexOf(v)>=0){cur=v;sel.value=v;}
if(p[0]==='zoom'){z=parseFloat(v)||1;}if(p[0]==='district'){picked=v;}
if(p[0]==='layers'){document.getElementById('cvkm').checked=v.indexOf('vkm')>=0;
document.getElementById('creq').checked=v.indexOf('req')>=0;}});
show();setVB();if(z!==1)zoom(z);window.addEventListener('resize',scale);
document.body.setAttribute('data-ready','1');
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<div id="wrap">
{svg}
<div id="bar" class="panel"><h1>{title}</h1>
<label>{l_scen} <select id="scen">{options}</select></label>
<label><input type="checkbox" id="cvkm" checked> {l_vkm}</label>
<label><input type="checkbox" id="creq"> {l_req}</label>
<label><input type="checkbox" id="cdist" checked> {l_dist}</label>
<button id="zin" title="+">+</button><button id="zout" title="−">−</button>
<button id="zreset">{reset}</button>
<div class="note">{hint}</div></div>
<div id="info" class="panel"><p class="note">{info}</p></div>
<div id="legend" class="panel">
<div class="lg"><span class="ln" style="background:#6d6d6d;height:2px"></span>{lg_streets}</div>
<div class="lg"><span class="sw" style="background:#dfe7ef"></span>{lg_plz}</div>
<div class="lg"><span class="sw" style="border-radius:8px;background:#fff"></span>{lg_outer}</div>
<div class="lg"><span class="sw" style="background:#222;border-color:#fff"></span>{lg_mark}</div>
{legends}
<div><b>{lg_req}</b><div class="grad" style="background:linear-gradient(to right, {grad})"></div>
<div class="note">0 % … 100 %</div></div>
<div class="note">{missing}</div>
</div>
<div id="scale" class="panel"><div id="scalebar"></div><div id="scaletxt"></div></div>
<div id="north" class="panel">N<br>↑</div>
<div id="attr">{attribution}</div>
<div id="tip"></div>
</div>
<script id="data" type="application/json">{data}</script>
<script>{js}</script>
</body>
</html>
"""
