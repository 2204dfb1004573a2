"""A result whose event tables are deferred (:meth:`SimulationResult.deferred`) makes them
once, when first read, and carries them through a pickle."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from kl_mobility.results.records import SimulationResult


def _tables():
    trips = pd.DataFrame({"status": ["served"], "passengers": [1]})
    vehicles = pd.DataFrame({"vehicle_id": [0]})
    events = pd.DataFrame({"time_s": [10, 20], "kind": ["pickup", "dropoff"]})
    occupancy = pd.DataFrame({"bin_start_s": [0], "passengers": [0.5]})
    return trips, vehicles, events, occupancy


def test_deferred_event_tables_are_made_once_when_first_read(monkeypatch):
    trips, vehicles, events, occupancy = _tables()
    calls = []

    def make():
        calls.append(1)
        return events, occupancy

    monkeypatch.setattr("kl_mobility.results.records.compute_kpis", lambda t, v: {"n": 1.0})
    r = SimulationResult.deferred(trips, vehicles, pd.DataFrame(), make)
    assert r.kpis == {"n": 1.0} and calls == []  # the KPIs need no event log
    assert r.occupancy is occupancy and calls == [1]
    assert r.events is events and calls == [1]  # both came from the one call


def test_pickling_makes_the_deferred_tables_and_keeps_them(monkeypatch):
    trips, vehicles, events, occupancy = _tables()
    monkeypatch.setattr("kl_mobility.results.records.compute_kpis", lambda t, v: {})
    r = SimulationResult.deferred(trips, vehicles, pd.DataFrame(), lambda: (events, occupancy))
    back = pickle.loads(pickle.dumps(r))  # a lambda cannot be pickled: the tables are
    pd.testing.assert_frame_equal(back.events, events)
    pd.testing.assert_frame_equal(back.occupancy, occupancy)


def test_event_tables_are_given_or_made_not_both():
    trips, vehicles, events, occupancy = _tables()
    with pytest.raises(ValueError, match="give events and occupancy, or event_frames"):
        SimulationResult(trips, vehicles, pd.DataFrame(), events, occupancy, {},
                         event_frames=lambda: (events, occupancy))
    with pytest.raises(ValueError, match="give events and occupancy, or event_frames"):
        SimulationResult(trips, vehicles, pd.DataFrame(), None, None, {})
