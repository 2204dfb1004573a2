"""The outputs of one simulation: the documented tables (:mod:`~kl_mobility.results.schema`),
the typed result (:mod:`~kl_mobility.results.records`), the key figures
(:mod:`~kl_mobility.results.kpis`), the ``[outputs]`` section
(:mod:`~kl_mobility.results.config`) and the run folder (:mod:`~kl_mobility.results.io`).

Summaries, reports, figures and GIS export over finished runs are :mod:`kl_mobility.report`.
"""
