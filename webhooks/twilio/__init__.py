"""Twilio: the requests it sends us, its signature, and its media store.

(Messages sent through its REST API go through `webhooks/core/alerts.py`'s transports.)
"""
