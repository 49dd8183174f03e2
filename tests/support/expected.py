"""What a practitioner must find stored after the demo answers (data/demo/answers.yml),
written out by hand: the parsers must arrive at these, not be asked what they are."""

from __future__ import annotations

from typing import Any

SKIPPED = "skipped"

SELF: dict[str, Any] = {
    "referrer": "self",
    "easy_read": False,
    "lives_in_london": True,
    "in_coventry_warwickshire": True,
    "aged_10_or_over": True,
    "in_south_essex": True,
    "date_of_birth": "1991-04-03",
    "ethnicity_group": "white",
    "ethnicity_white": "irish",
    "contact_number": "+447911123456",
    "postcode": "CV1 4FS",
    "address": "12 High Street, Coventry",
    "contact_avoid": ["voicemail", "letter"],
    "best_time": "afternoon",
    "email": "sam.jones@example.org",
    "language": "English",
    "interpreter": False,
    "adjustments": ["autism", "adhd"],
    "contact_place": "custody",
    "recent_contact": True,
    "recent_contact_outcome": "Arrested in Coventry, then bailed",
    "consent_contact_justice": True,
    "alleged_offence": "They say I took things from a shop",
    "justice_status": "bail",
    "next_date_known": True,
    "next_date": "2027-03-12",
    "has_solicitor": True,
    "solicitor_details": "Smith and Co, Coventry",
    "appropriate_adult": "not_sure",
    "suggested_by": "solicitor",
    "links": ["gp", "mental_health_team"],
    "link_gp_details": "Dr Patel, Foleshill surgery",
    "link_mental_health_team_details": SKIPPED,
    "substance_use": True,
    "substance_type": "alcohol",
    "substance_amount": "about 6 cans a day",
    "substance_frequency": "daily",
    "substance_injected": "never",
    "needs": ["mental_health", "drugs_alcohol", "housing"],
    "urgency": "this_week",
    "risk_to_self": False,
    "risk_to_others": False,
    "risk_from_others": False,
    "further_risks": ["none"],
    "safeguarding_referral": "no",
    "consent_ld_team": True,
}
# The consents each team's file asks beyond the two every team asks (the team consent,
# and contacting a recent court or police station).
PER_RECIPIENT_CONSENTS: dict[str, Any] = {
    "consent_health_social_care": True,
    "consent_police": False,
    "consent_courts": True,
    "consent_probation": False,
}
# Coventry and Warwickshire screens mood and anxiety for people referring themselves.
PHQ_GAD: dict[str, Any] = {
    "phq_1": "several_days",
    "phq_2": "more_than_half",
    "phq_3": "not_at_all",
    "phq_4": "several_days",
    "phq_5": "not_at_all",
    "phq_6": "not_at_all",
    "phq_7": "several_days",
    "phq_8": "not_at_all",
    "phq_9": "not_at_all",
    "gad_1": "not_at_all",
    "gad_2": "several_days",
}
# PHQ-2 = 1 + 2 = 3 (positive), so all nine items: 3 + 0+1+0+0+1+0+0 = 5, "Mild".
SCORES = {"phq2": (3, "Positive screen"), "phq9": (5, "Mild"), "gad2": (1, "Negative screen")}
PROFESSIONAL: dict[str, Any] = {
    "referrer": "professional",
    "referrer_name": "PC Dan Hughes",
    "referrer_role": "police",
    "referrer_organisation": "Coventry custody suite",
    "referrer_phone": "+442476961000",
    "person_agrees": True,
    "offending_history_known": True,
    "offending_history": "Two earlier shoplifting convictions",
    "priority_reasons": "First time in custody and very distressed",
}
# Questions only some teams ask (seeds 000, 002, 004).
FLOW_ONLY: dict[str, dict[str, Any]] = {
    "together_london": {"documents": "none", "gender": "woman", "service_part": "peer_support"},
    "coventry_warwickshire": {"coventry_site": "custody_leamington", **PER_RECIPIENT_CONSENTS},
    "south_essex": {
        "gender": "woman",
        "south_essex_site": "station_basildon",
        **PER_RECIPIENT_CONSENTS,
    },
}
# Questions only a professional in one team is asked.
PROFESSIONAL_ONLY: dict[str, dict[str, Any]] = {"together_london": {"documents_held": False}}
# Asked of a professional only when they hold documents (they say they do not).
NOT_FOR_PROFESSIONALS: dict[str, tuple[str, ...]] = {"together_london": ("documents",)}
# Questions only for people referring themselves.
SELF_ONLY = ("easy_read",)
ELIGIBILITY = {
    "together_london": ("lives_in_london",),
    "coventry_warwickshire": ("in_coventry_warwickshire",),
    "south_essex": ("aged_10_or_over", "in_south_essex"),
}


def expected_fields(flow_id: str, branch: str, name: str) -> dict[str, Any]:
    """Every field a referral from the demo answers holds, for one team and branch."""
    others = {q for ids in ELIGIBILITY.values() for q in ids} - set(ELIGIBILITY[flow_id])
    fields = {k: v for k, v in SELF.items() if k not in others}
    fields["full_name"] = name
    fields.update(FLOW_ONLY.get(flow_id, {}))
    if branch == "professional":
        dropped = (*SELF_ONLY, *NOT_FOR_PROFESSIONALS.get(flow_id, ()))
        fields = {k: v for k, v in fields.items() if k not in dropped}
        fields.update(PROFESSIONAL)
        fields.update(PROFESSIONAL_ONLY.get(flow_id, {}))
    elif flow_id == "coventry_warwickshire":
        fields.update(PHQ_GAD)
    return fields
