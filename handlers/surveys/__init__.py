"""Surveys and votes: the opening push, the secret ballot dialog, participation, results."""
