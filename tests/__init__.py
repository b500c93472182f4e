"""Test suite of Liandong."""
