"""Figures kept for the leaders' view (issue 20): per-district daily tallies refreshed from the audit
trail, the dashboard's reads, and the spreadsheet exports of the clerks' lists."""
