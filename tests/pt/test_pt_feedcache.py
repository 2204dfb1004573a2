"""The cached feed read (:mod:`kl_mobility.pt.feedcache`): equal to a direct read, served
without reading the feed again, and missed when the feed or the read's options change."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from kl_mobility.pt import feedcache
from kl_mobility.pt.feedcache import read_gtfs_cached
from kl_mobility.pt.gtfs import GtfsError, TransitFeed, read_gtfs

TINY = Path(__file__).parents[1] / "data" / "gtfs" / "tiny"
BBOX = (49.43, 7.74, 49.45, 7.77)


def _same(a: TransitFeed, b: TransitFeed) -> None:
    for f in dataclasses.fields(TransitFeed):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            assert x.flags.writeable == y.flags.writeable, f.name
            if x.dtype == object:
                assert [(type(v), v) for v in x] == [(type(v), v) for v in y], f.name
            else:
                assert x.tobytes() == y.tobytes(), f.name
        else:
            assert x == y, f.name


def _no_read(*args, **kwargs):
    raise AssertionError("the feed was read although the cache holds it")


def test_cached_read_equals_the_direct_read_and_is_served_from_the_cache(tmp_path,
                                                                         monkeypatch):
    feed = tmp_path / "tiny"
    shutil.copytree(TINY, feed)
    direct = read_gtfs(feed, area_bbox=BBOX)
    first = read_gtfs_cached(feed, area_bbox=BBOX, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("gtfs-read-*.npz"))) == 1
    monkeypatch.setattr(feedcache, "read_gtfs", _no_read)
    again = read_gtfs_cached(feed, area_bbox=BBOX, cache_dir=tmp_path / "cache")
    _same(direct, first)
    _same(direct, again)


def test_a_changed_feed_date_or_area_misses_the_cache(tmp_path):
    feed = tmp_path / "tiny"
    shutil.copytree(TINY, feed)
    cache = tmp_path / "cache"
    before = read_gtfs_cached(feed, area_bbox=BBOX, cache_dir=cache)
    stops = feed / "stops.txt"
    name = str(before.stop_name[0])
    stops.write_text(stops.read_text().replace(name, name + " Nord", 1))
    after = read_gtfs_cached(feed, area_bbox=BBOX, cache_dir=cache)
    assert after.stop_name[0] == name + " Nord"
    # the tiny feed runs on Monday 2024-01-01 (its busiest weekday, the default)
    dated = read_gtfs_cached(feed, area_bbox=BBOX, service_date="20240102", cache_dir=cache)
    assert dated.service_date == "20240102"
    # an area that leaves every stop more than 2 km outside: the warning names them
    far = read_gtfs_cached(feed, area_bbox=(50.0, 8.0, 50.1, 8.1), cache_dir=cache)
    assert far.warnings and not after.warnings
    assert len(list(cache.glob("gtfs-read-*.npz"))) == 4


def test_a_damaged_cache_file_is_reported_and_the_feed_read_again(tmp_path, caplog):
    cache = tmp_path / "cache"
    direct = read_gtfs(TINY, area_bbox=BBOX)
    read_gtfs_cached(TINY, area_bbox=BBOX, cache_dir=cache)
    (entry,) = cache.glob("gtfs-read-*.npz")
    size = entry.stat().st_size
    entry.write_bytes(b"\0" * size)  # same size, other bytes: the hash tells
    with caplog.at_level(logging.WARNING, logger="kl_mobility.network.cache"):
        again = read_gtfs_cached(TINY, area_bbox=BBOX, cache_dir=cache)
    assert any("is damaged" in r.getMessage() for r in caplog.records)
    _same(direct, again)


def test_a_broken_feed_raises_every_time_and_is_not_cached(tmp_path):
    feed = tmp_path / "tiny"
    shutil.copytree(TINY, feed)
    (feed / "stop_times.txt").unlink()
    for _ in range(2):
        with pytest.raises(GtfsError, match="required file stop_times.txt is missing"):
            read_gtfs_cached(feed, cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("gtfs-read-*"))
