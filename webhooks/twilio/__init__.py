"""Twilio: the requests it sends us, its signature, its media store and its REST API."""
