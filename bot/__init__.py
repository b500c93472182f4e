"""Liandong: runtime, channels, flows and catalogs of the delegate-group supervision bot."""
