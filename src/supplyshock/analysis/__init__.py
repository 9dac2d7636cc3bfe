"""Analysis of results: summaries, indicators, ensembles."""
