"""Global sensitivity of a scenario's results to its assumptions (Morris screening, SALib).

``kl-mobility sensitivity SCENARIO.toml`` varies named assumptions (:data:`ASSUMPTION_RANGES`:
each a scenario key with a documented plausible range and its source) over their ranges
with the elementary-effects method of Morris (SALib ``sample.morris`` /
``analyze.morris``): ``r`` trajectories of ``k + 1`` runs each, ``r (k + 1)`` full runs of
the scenario (demand <-> service rounds in every sample, as ``kl-mobility run``), all with
the same seed, so only the assumptions differ. The runs go through the batch machinery
(:func:`kl_mobility.batch.run_specs`: a Dask cluster, one folder per sample, finished
samples skipped on a re-run, a progress bar).

A value is set in the scenario and, for ``demand`` keys, in its reference case and its
requests source too (the pivot point: a behavioural assumption holds for the baseline
as well); ``fleet.<kind>.<key>`` sets the key of every active electric vehicle type of
that kind (``van``: the pooling and night vans, not the shuttles; ``fuel_l_per_100km``
sets the combustion types instead); ``demand.attractors.<name>.weight`` and
``demand.external_zones.<name>.<key>`` set that entry. Profiles and other keys that hold
more than one number cannot be varied (one line, exit 2).

Outputs (``sensitivity.json``, ``samples.csv``, ``mu_star.png`` in the folder): for the
net city-wide CO2 change (both bus conventions and the old per-rider account), the
share served and the on-demand trips: minimum, maximum, 5-95 % band over the samples;
the Morris ranking (mu*, mu* confidence, sigma) per output; and whether the sign of the
net CO2 change is the same in every sample. Caveat: the band is taken over the Morris
design points (a space-filling screening design over uniform ranges), not over a
probability distribution of the assumptions; it shows how far the result moves within
the ranges, not a confidence interval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kl_mobility.assumptions import ASSUMPTION_RANGES, DEFAULT_ASSUMPTIONS, AssumptionRange
from kl_mobility.errors import InputError
from kl_mobility.io import atomic_file, write_json
from kl_mobility.progress import ProgressCallback
from kl_mobility.scenario import Scenario, scenario_from_mapping

__all__ = ["ASSUMPTION_RANGES", "DEFAULT_ASSUMPTIONS", "OUTPUTS", "AssumptionRange",
           "SensitivityResult", "analyse", "apply_values", "morris_samples", "run_sensitivity"]


OUTPUTS: dict[str, str] = {
    "co2_city_net_kg": "net city-wide CO2e change (kg/day, scenario's bus convention)",
    "co2_city_net_average_kg": "net city-wide CO2e change, bus at 83 g/Pkm (kg/day)",
    "co2_net_co2_kg": "alternative: one car avoided per rider (kg/day)",
    "share_served": "share of on-demand requests served",
    "n_served": "on-demand trips served per day",
}
"""The KPIs analysed (keys of ``kpis.json``)."""


def _set(mapping: dict[str, Any], key: str, value: float) -> None:
    section, _, name = key.partition(".")
    group, _, rest = name.partition(".")
    if section == "demand" and group in ("attractors", "external_zones"):
        entry, _, attr = rest.rpartition(".")
        items = [it for it in mapping["demand"][group] if it.get("name") == entry]
        if not items:
            raise InputError(f"{key}: no demand.{group} entry named {entry!r}")
        for it in items:
            it[attr] = value
        if mapping.get("calibration_base"):
            _set(mapping["calibration_base"], key, value)
        if mapping.get("requests_source"):
            _set(mapping["requests_source"], key, value)
        return
    if section == "fleet":
        kind, _, attr = name.partition(".")
        electric = attr != "fuel_l_per_100km"
        for vt in mapping.get("fleet", []):
            if ((vt.get("drivetrain", "electric") == "electric") == electric
                    and vt.get("count", 0) > 0 and vt.get("kind", "van") == kind):
                vt[attr] = value
        return
    current = mapping.get(section, {}).get(name)
    if isinstance(current, bool) or isinstance(current, list | tuple):
        raise InputError(f"{key}: not a single number, the sensitivity cannot vary it")
    if isinstance(current, int):
        value = int(round(value))
    mapping.setdefault(section, {})[name] = value
    if section == "demand":
        if mapping.get("calibration_base"):
            mapping["calibration_base"]["demand"][name] = value
        if mapping.get("requests_source"):
            _set(mapping["requests_source"], key, value)


def apply_values(scenario: Scenario, values: Mapping[str, float], *,
                 file: str | Path | None = None) -> Scenario:
    """``scenario`` with each named assumption of ``values`` set (module docstring),
    validated like a scenario file (a value the key does not accept is a ConfigError)."""
    mapping = scenario.to_mapping()
    for name, value in values.items():
        if name not in ASSUMPTION_RANGES:
            raise InputError(f"unknown assumption {name!r}; known: "
                             f"{', '.join(sorted(ASSUMPTION_RANGES))}")
        _set(mapping, ASSUMPTION_RANGES[name].key, float(value))
        if mapping.get("requests_source") and ASSUMPTION_RANGES[name].key.startswith("fleet."):
            _set(mapping["requests_source"], ASSUMPTION_RANGES[name].key, float(value))
    return scenario_from_mapping(mapping, file=file)


def _problem(names: Sequence[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names),
            "bounds": [[ASSUMPTION_RANGES[n].low, ASSUMPTION_RANGES[n].high] for n in names]}


def morris_samples(names: Sequence[str], trajectories: int, *, levels: int = 4,
                   seed: int = 0) -> np.ndarray:
    """The Morris design: ``trajectories x (len(names) + 1)`` rows of assumption values."""
    from SALib.sample import morris as morris_sample

    return np.asarray(morris_sample.sample(_problem(names), trajectories, num_levels=levels,
                                           seed=seed), np.float64)


@dataclass(frozen=True)
class SensitivityResult:
    """The analysis: per output the band, the Morris indices and the sign statement."""

    record: dict[str, Any]
    samples: pd.DataFrame

    @property
    def sign_statement(self) -> str:
        return str(self.record["sign_statement"])


def analyse(names: Sequence[str], X: np.ndarray, outputs: Mapping[str, np.ndarray], *,
            levels: int = 4, seed: int = 0) -> dict[str, Any]:
    """Bands, Morris indices (SALib ``analyze.morris``) and the sign of the net CO2 change.

    ``outputs``: per KPI one value per row of ``X`` (NaN for a failed sample: its
    trajectory cannot be analysed, so any NaN leaves the indices of that output out)."""
    from SALib.analyze import morris as morris_analyze

    problem = _problem(names)
    out: dict[str, Any] = {}
    for kpi, y in outputs.items():
        y = np.asarray(y, np.float64)
        ok = np.isfinite(y)
        entry: dict[str, Any] = {"label": OUTPUTS.get(kpi, kpi), "n": int(ok.sum())}
        if ok.any():
            entry.update({"min": float(y[ok].min()), "max": float(y[ok].max()),
                          "p05": float(np.percentile(y[ok], 5)),
                          "p95": float(np.percentile(y[ok], 95)),
                          "median": float(np.median(y[ok]))})
        if ok.all():
            res = morris_analyze.analyze(problem, X, y, num_levels=levels, seed=seed,
                                         print_to_console=False)
            entry["morris"] = [{"assumption": n, "mu_star": float(ms), "mu_star_conf":
                                float(mc), "mu": float(mu), "sigma": float(sg)}
                               for n, ms, mc, mu, sg in zip(
                                   names, res["mu_star"], res["mu_star_conf"], res["mu"],
                                   res["sigma"])]
            entry["morris"].sort(key=lambda r: -r["mu_star"])
        else:
            entry["morris"] = None
        out[kpi] = entry
    net = np.asarray(outputs.get("co2_city_net_kg", []), np.float64)
    net = net[np.isfinite(net)]
    if net.size == 0:
        sign = "no finished sample: the sign of the net CO2 change is unknown"
    elif (net < 0).all():
        sign = (f"robust: the net city-wide CO2 change is negative (a saving) in all "
                f"{net.size} samples ({net.max():+,.0f} to {net.min():+,.0f} kg/day)")
    elif (net > 0).all():
        sign = (f"robust: the net city-wide CO2 change is positive (an increase) in all "
                f"{net.size} samples ({net.min():+,.0f} to {net.max():+,.0f} kg/day)")
    else:
        sign = (f"NOT robust: the net city-wide CO2 change is negative in "
                f"{int((net < 0).sum())} and positive in {int((net > 0).sum())} of "
                f"{net.size} samples ({net.min():+,.0f} to {net.max():+,.0f} kg/day)")
    return {"outputs": out, "sign_statement": sign}


def _mu_star_figure(record: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = record["outputs"].get("co2_city_net_kg", {}).get("morris")
    if not rows:
        return
    names = [r["assumption"] for r in rows][::-1]
    mu = [r["mu_star"] for r in rows][::-1]
    conf = [r["mu_star_conf"] for r in rows][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.5))
    ax.barh(names, mu, xerr=conf, color="#4477aa")
    ax.set_xlabel("Morris mu*: mean |effect| over the full range on the net city-wide CO2 "
                  "change (kg CO2e/day)")
    ax.set_title("Influence of the assumptions (elementary effects over their ranges)")
    fig.tight_layout()
    with atomic_file(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)


def _write_json(path: Path, data: Any) -> None:
    write_json(path, data, indent=1)


def run_sensitivity(
    scenario_file: str | Path,
    out_dir: str | Path,
    *,
    assumptions: Sequence[str] = DEFAULT_ASSUMPTIONS,
    trajectories: int = 4,
    levels: int = 4,
    seed: int | None = None,
    sample_seed: int = 0,
    run_fn: Callable[..., Mapping[str, Any]] | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Any = None,
    progress: ProgressCallback | None = None,
    on_outcome: Callable[[Any], None] | None = None,
) -> SensitivityResult:
    """Morris screening of ``scenario_file`` (module docstring); results in ``out_dir``.

    Every sample is one batch run ``out_dir/s<NNNN>/<seed>/`` (skipped when finished with
    the same content, seed and code); a sample that fails is NaN in the outputs and leaves
    the Morris indices of the outputs it touches out (reported)."""
    from kl_mobility.batch import RunSpec, code_version, run_key, run_specs
    from kl_mobility.scenario import scenario_from_file

    names = list(dict.fromkeys(assumptions))
    if not names:
        raise InputError("no assumptions to vary")
    for n in names:
        if n not in ASSUMPTION_RANGES:
            raise InputError(f"unknown assumption {n!r}; known: "
                             f"{', '.join(sorted(ASSUMPTION_RANGES))}")
    if trajectories < 2:
        raise InputError("--trajectories must be >= 2 (Morris needs at least two)")
    if levels < 2 or levels % 2:
        raise InputError("--levels must be an even number >= 2")
    scenario = scenario_from_file(scenario_file)
    seed = scenario.seed if seed is None else seed
    X = morris_samples(names, trajectories, levels=levels, seed=sample_seed)
    version = code_version()
    out_dir = Path(out_dir)
    specs = []
    for i, row in enumerate(X):
        sc = apply_values(scenario, dict(zip(names, row)), file=scenario_file)
        name = f"s{i:04d}"
        specs.append(RunSpec(name, str(scenario_file), sc.to_mapping(), int(seed),
                             run_key(sc, seed, version), str(out_dir / name / str(seed)),
                             version))
    res = run_specs(specs, out_dir, run_fn=run_fn, scheduler=scheduler, workers=workers,
                    client=client, progress=progress, on_outcome=on_outcome)
    samples = pd.DataFrame(X, columns=names)
    samples.insert(0, "sample", [s.scenario_name for s in specs])
    samples["status"] = [o.status for o in res.outcomes]
    for kpi in OUTPUTS:
        samples[kpi] = [float(o.kpis.get(kpi, np.nan)) if o.status != "failed"
                        and o.kpis.get(kpi) is not None else np.nan for o in res.outcomes]
    analysis = analyse(names, X, {k: samples[k].to_numpy() for k in OUTPUTS},
                       levels=levels, seed=sample_seed)
    record = {
        "scenario": scenario.name, "scenario_file": str(scenario_file), "seed": int(seed),
        "method": "Morris elementary effects (SALib)", "trajectories": trajectories,
        "levels": levels, "sample_seed": sample_seed, "runs": len(specs),
        "failed": [o.scenario for o in res.outcomes if o.status == "failed"],
        "run_seconds": float(sum(o.seconds for o in res.outcomes if o.status == "done")),
        "assumptions": {n: {"key": ASSUMPTION_RANGES[n].key, "low": ASSUMPTION_RANGES[n].low,
                            "high": ASSUMPTION_RANGES[n].high,
                            "source": ASSUMPTION_RANGES[n].source} for n in names},
        "band_caveat": "min/max and 5-95 % over the Morris design points (uniform ranges), "
                       "not a probability interval",
        **analysis,
    }
    with atomic_file(out_dir / "samples.csv") as tmp:
        samples.to_csv(tmp, index=False)
    _write_json(out_dir / "sensitivity.json", _finite(record))
    _mu_star_figure(record, out_dir / "mu_star.png")
    return SensitivityResult(record, samples)


def _finite(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj
