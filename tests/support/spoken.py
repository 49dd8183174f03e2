"""The demo answers as a caller says them: what a speech recogniser writes down."""

# What a speech recogniser writes for the demo answers that are typed as digits.
SPOKEN = {
    "referrer": "myself",
    "ethnicity_white": "Irish",
    "contact_number": "oh seven nine one one one two three four five six",
    "postcode": "C V one four F S",
    "justice_status": "on bail",
    "next_date": "twelfth of March twenty twenty seven",
    "links": "a GP and a community mental health team",
    "needs": "mental health, drugs or alcohol and housing",
    "referrer_phone": "oh two four seven six nine six one oh oh oh",
}
