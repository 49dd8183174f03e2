"""Persistence: typed models, the per-request session, and small query functions by aggregate."""
