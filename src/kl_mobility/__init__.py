"""kl-mobility: mobility-on-demand simulation and optimisation for Kaiserslautern."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
