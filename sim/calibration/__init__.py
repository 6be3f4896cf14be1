"""Calibration of behavioural parameters to observed event data (issue 4 §2)."""
