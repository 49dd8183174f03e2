"""Custom actions for the Rasa action server: flow-driven forms and the referral hand-off."""
