"""The simulation engine: simpy clock, flat-array fleet state, thin processes.

Importing this package stays light (no simpy, scipy or numba kernels until ``simulate``
runs), so reading a scenario's service and fleet sections is quick.
"""

from kl_mobility.service import ServiceConfig
from kl_mobility.sim.config import VehicleTypeConfig
from kl_mobility.sim.simulate import SimInputs, simulate

__all__ = ["ServiceConfig", "SimInputs", "VehicleTypeConfig", "simulate"]
