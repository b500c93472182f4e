"""Problem cases: reporting, triage, assignment, rectification, verification, views, export."""
