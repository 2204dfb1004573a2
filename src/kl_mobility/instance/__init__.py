"""Dispatch instances in and out: the documented instance folder
(:mod:`kl_mobility.instance.folder`) and networks from edge tables with given travel times
(:mod:`kl_mobility.instance.edges`); the shipped Kaiserslautern days
(:mod:`kl_mobility.instance.shipped`)."""

from kl_mobility.instance.edges import EdgeTableReport, network_from_edge_table
from kl_mobility.instance.folder import (
    FORMAT,
    Instance,
    InstanceError,
    instance_of_day,
    read_instance,
    write_instance,
)
from kl_mobility.instance.shipped import shipped_day_path, shipped_days

__all__ = ["FORMAT", "EdgeTableReport", "Instance", "InstanceError", "instance_of_day",
           "network_from_edge_table",
           "read_instance", "shipped_day_path", "shipped_days", "write_instance"]
