"""Reports: one self-contained HTML file per run (plotly.js embedded; works offline).

A report reads a results Dataset only: it never runs the engine.

Examples
--------
>>> import supplyshock as ss  # doctest: +SKIP
>>> from supplyshock.report import write_report  # doctest: +SKIP
>>> write_report(ss.run("cn-2025-april-controls"), "report.html")  # doctest: +SKIP
"""

from supplyshock.report.data import ReportError
from supplyshock.report.html import plotly_js, render_report, write_report
from supplyshock.report.resolve import load_results, report_for_run

__all__ = ["ReportError", "load_results", "plotly_js", "render_report", "report_for_run", "write_report"]
