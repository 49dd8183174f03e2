"""The gateway: Twilio webhooks, web chat, the practitioners' queue and its JSON API."""

from webhooks.web import create_app

__all__ = ["create_app"]
