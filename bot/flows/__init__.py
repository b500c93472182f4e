"""Conversation flows: one `transitions` state table per multi-step dialog, each drawn in Mermaid."""
