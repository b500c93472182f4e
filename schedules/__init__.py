"""Scheduling: working-day arithmetic, cron jobs and idempotent sweeps."""
