"""The practitioners' queue UI: sign-in and the referral list."""
