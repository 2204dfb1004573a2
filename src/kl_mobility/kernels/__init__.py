"""Numba kernels over flat arrays: every ``@njit`` function of kl-mobility.

Options for all kernels: :mod:`kl_mobility.kernels._options`. How kernels take their
arguments (a few packs of arrays grouped by concept, not long positional lists):
:mod:`kl_mobility.kernels._pack`.
"""
