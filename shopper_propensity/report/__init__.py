"""The static report (issue 17): the seed studies' figures drawn from the marts.

``python -m shopper_propensity.report`` (``make report``, after ``make build``) reads the marts
the report's dbt exposures name, draws every figure with Vega-Altair, and writes one
self-contained HTML file (Vega, Vega-Lite and vega-embed inlined) that opens offline.

Modules: ``marts`` reads the served marts (the one data-access function), ``catalog`` reads the
figure declarations from the exposures YAML, ``figures`` draws them section by section,
``page`` assembles the HTML, ``build`` runs the whole, ``__main__`` is the command line.
"""
