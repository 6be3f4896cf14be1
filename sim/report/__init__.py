"""One self-contained ``report.html`` per result folder (run, sweep, comparison, validation, calibration,
discovery): what was run and how to reproduce it, the headline numbers, the figures, the tables, the config
and the sha256 of every other result file. See ``render.py``."""

from sim.report.render import REPORT, write_report

__all__ = ["REPORT", "write_report"]
