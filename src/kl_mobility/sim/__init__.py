"""The simulation engine: simpy clock, flat-array fleet state, thin processes."""

from kl_mobility.sim.config import ServiceConfig, VehicleTypeConfig
from kl_mobility.sim.simulate import simulate

__all__ = ["ServiceConfig", "VehicleTypeConfig", "simulate"]
