"""The flows as documents a clinician can sign off: every question of a team's flow in the
exact words one channel sends, with its rules said in plain words (`triage flows render`).

The words come through the channels' own renderers and the flow engine's own prompt, never
written again here, so the document cannot drift from what people receive.
"""

from webhooks.signoff.build import build_document
from webhooks.signoff.channels import CHANNELS
from webhooks.signoff.output import FORMATS, render
from webhooks.signoff.sources import Sources, UnknownTeam

__all__ = ["CHANNELS", "FORMATS", "Sources", "UnknownTeam", "build_document", "render"]
