"""Stores of our own that Rasa loads by name from its endpoints file
(webhooks/dev/rasa_stores.py writes it)."""
