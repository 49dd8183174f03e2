"""Files people send with a referral: checked for what they are, and encrypted at rest.

Taking them into a conversation is the core's (`webhooks/core/documents.py`); serving
them to the team is the web's (`webhooks/web/download.py`).
"""
