"""Files people send with a referral: checked, encrypted, stored, handed to the team."""
