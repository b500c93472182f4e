"""Conversation flows: one `transitions` table per multi-step dialog, each drawn in Mermaid."""
