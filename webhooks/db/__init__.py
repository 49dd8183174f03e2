"""Persistence: typed models, the per-request session, and the repository functions."""
