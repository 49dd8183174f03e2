"""One blueprint per channel: Twilio messaging, (later) voice, and web chat."""
