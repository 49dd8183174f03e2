"""One blueprint per channel: Twilio Messaging (SMS and WhatsApp), Twilio Voice, and web chat.

Each parses its requests into typed values, asks the conversation core, and renders the
replies; none touches the database.
"""
