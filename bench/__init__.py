"""Slackline's benchmark harness: each workload against Slackline and a baseline, side by side.

Run with ``make bench`` (``python -m bench``); see docs/performance.md.
"""
