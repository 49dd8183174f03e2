"""Pytest plugins the Makefile loads for whole-suite variations."""
