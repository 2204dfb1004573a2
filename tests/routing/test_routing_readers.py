"""Readers of the Cordeau DARP and Li & Lim PDPTW formats, on the real files and fixtures."""

from __future__ import annotations

import numpy as np
import pytest

from kl_mobility.errors import InputError
from kl_mobility.routing import read_bks, read_cordeau, read_instance, read_li_lim


def test_tiny_darp_x_is_n_and_end_depot(tiny_darp):
    """Header X = n (2), end depot line present (id 5): n is derived from the node lines."""
    inst = read_cordeau(tiny_darp)
    p = inst.problem
    assert inst.kind == "darp"
    assert p.n_requests == 2 and p.n_locations == 6
    assert list(p.pickups) == [1, 2] and list(p.deliveries) == [3, 4]
    assert p.start[0] == 0 and p.end[0] == 5
    assert p.capacity[0] == 2 and p.max_duration[0] == 100 and p.max_ride[0] == 10
    assert p.dist[1, 4] == pytest.approx(3.0)


def test_a2_16_header_2n_tabs_no_end_depot(shared_benchmarks):
    """a2-16: X = 32 = 2n, tab separated, no end-depot line (end depot = node 0)."""
    p = read_cordeau(shared_benchmarks / "darp" / "a2-16.txt").problem
    assert p.n_requests == 16 and p.n_locations == 33
    assert p.n_vehicles == 2 and p.capacity[0] == 3
    assert p.max_ride[0] == 30 and p.max_duration[0] == 480
    assert p.end[0] == 0
    assert p.load[1] == 1 and p.load[17] == -1
    assert p.service[1] == 3


def test_a2_20_has_end_depot(shared_benchmarks):
    """a2-20 ends with the end-depot line 41 = 2n+1 whose window is [0, 600]."""
    p = read_cordeau(shared_benchmarks / "darp" / "a2-20.txt").problem
    assert p.n_requests == 20 and p.end[0] == 41
    assert p.tw_late[41] == 600


def test_a3_18_header_n_spaces(shared_benchmarks):
    """a3-18: X = 18 = n (not 2n), space separated, end depot 37."""
    p = read_cordeau(shared_benchmarks / "darp" / "a3-18.txt").problem
    assert p.n_requests == 18 and p.n_vehicles == 3 and p.end[0] == 37


def test_b_file_loads_and_services(shared_benchmarks):
    """b files: Q = 6, L = 45, service duration = |load|."""
    p = read_cordeau(shared_benchmarks / "darp" / "b2-16.txt").problem
    assert p.capacity[0] == 6 and p.max_ride[0] == 45
    pu = p.pickups
    np.testing.assert_array_equal(p.service[pu], np.abs(p.load[pu]))


def test_crlf_cordeau_same_problem(shared_benchmarks, tmp_path):
    """The same file with CRLF line endings reads to the same problem."""
    src = shared_benchmarks / "darp" / "a2-20.txt"
    crlf = tmp_path / "a2-20.txt"
    crlf.write_bytes(src.read_bytes().replace(b"\n", b"\r\n"))
    a, b = read_cordeau(src).problem, read_cordeau(crlf).problem
    np.testing.assert_array_equal(a.dist, b.dist)
    np.testing.assert_array_equal(a.tw_late, b.tw_late)


def test_li_lim_crlf_tabs_siblings(shared_benchmarks):
    """lc101: TAB + CRLF; 53 pickup/delivery pairs from the sibling columns; K=25, Q=200."""
    inst = read_instance(shared_benchmarks / "pdptw" / "lc101.txt")
    p = inst.problem
    assert inst.kind == "pdptw"
    assert p.n_locations == 107 and p.n_requests == 53
    assert p.n_vehicles == 25 and p.capacity[0] == 200
    assert p.tw_late[0] == 1236
    # task 1 is a delivery of pickup 11 (8th column): pair (11, 1)
    r = int(np.flatnonzero(p.deliveries == 1)[0])
    assert p.pickups[r] == 11
    # hierarchical objective: one vehicle costs more than any plan's total distance
    assert p.fixed_cost > (p.n_locations + p.n_vehicles) * p.dist.max()


def test_tiny_pdptw(tiny_pdptw):
    p = read_li_lim(tiny_pdptw).problem
    assert list(p.pickups) == [1, 2] and list(p.deliveries) == [3, 4]
    assert p.n_vehicles == 2 and p.capacity[0] == 10


def test_bks_both_layouts(shared_benchmarks):
    darp = read_bks(shared_benchmarks / "darp" / "bks.csv")
    assert darp["a2-16"] == (None, pytest.approx(294.248))
    pdptw = read_bks(shared_benchmarks / "pdptw" / "bks.csv")
    assert pdptw["lc103"] == (9, pytest.approx(1035.3499))


@pytest.mark.parametrize("text, match", [
    ("1 2 100 2\n", "header has 4 fields"),
    ("1 2 100 2 10\n 0 0 0 0 0 0 100\n 2 1 0 0 1 0 100\n", "node id 2, expected 1"),
    ("1 2 100 2 10\n 0 0 0 0 0 0 100\n 1 1 0 0 1 0 100\n", "node lines for 1 requests"),
    ("1 2 100 2 10\n 0 0 0 0 0 0 100\n 1 1 0 0 1 0 100\n 2 1 0 0 -2 0 100\n", "load of"),
    ("1 2 x 2 10\n", "not a number"),
    ("1 2\n", "header has 2 fields"),
])
def test_bad_files_name_file_and_line(tmp_path, text, match):
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(InputError, match=match) as exc:
        read_instance(f)
    assert "bad.txt" in str(exc.value)


def test_li_lim_bad_sibling(tmp_path, tiny_pdptw):
    f = tmp_path / "bad.txt"
    f.write_text(tiny_pdptw.read_text().replace("0\t0\t3", "0\t0\t4", 1))
    with pytest.raises(InputError, match=r"bad.txt:3: pickup 1 names delivery 4"):
        read_li_lim(f)
