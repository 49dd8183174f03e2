"""Each channel's words for the document, through that channel's own renderer: the SMS
text with numbered options and GSM-7 swaps, what the telephone says ("say yes or press
1"), the web chat's text and buttons, and easy-read as SMS sends it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flows import engine, phrases
from flows.model import Flow
from flows.model import Wording as FlowWording
from flows.navigation import PERSPECTIVE_QUESTION, SELF_REFERRAL
from flows.placeholders import names_in
from flows.state import Context, FlowState
from webhooks.core.replies import Reply
from webhooks.teams import Team
from webhooks.web.channels.sms_render import gsm7_safe, sms_text
from webhooks.web.channels.voice_render import spoken
from webhooks.wording import RUNTIME_PLACEHOLDERS, Wording

SMS, VOICE, CHAT, EASY_READ = "sms", "voice", "chat", "easy-read"
CHANNELS = (SMS, VOICE, CHAT, EASY_READ)
# An answer to "who is making the referral?" that puts the questions each way.
PERSPECTIVE_ANSWERS = {"self": SELF_REFERRAL, "other": "professional"}
# Filled by `Wording.say_for` itself: passing them again would be an error.
_SAY_FOR_FILLS = {"team_name", "crisis_call", "crisis_also"}


@dataclass(frozen=True)
class Sent:
    """What the person receives: the text, and the buttons beside it (web chat only)."""

    text: str
    buttons: tuple[str, ...] = ()


class ChannelWords:
    """One channel's rendering of questions, re-asks and messages."""

    def __init__(
        self, channel: str, team: Team, wording: Wording, blanks: Mapping[str, str], today: date
    ) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
        self.channel = channel
        self.team = team
        self.wording = wording
        self.voice = channel == VOICE
        self.easy = channel == EASY_READ
        self.today = today
        # The gateway's runtime placeholders, shown as blanks in the document.
        self._blank_words = blanks
        self._blanks = {name: self._blank(name) for name in RUNTIME_PLACEHOLDERS - _SAY_FOR_FILLS}

    def _blank(self, name: str) -> str:
        return self._blank_words.get(name, self._blank_words.get("default", ""))

    def reply(self, reply: Reply) -> Sent:
        """A reply as this channel sends it."""
        if self.voice:
            return Sent(spoken(reply, self.wording))
        if self.channel == CHAT:
            # The web chat sends the reply's text and its options as buttons, unchanged.
            return Sent(reply.text, reply.options)
        return Sent(gsm7_safe(sms_text(reply, self.wording)))

    def question(self, flow: Flow, asking: str, perspective: str = "self") -> Sent:
        """A question (or one the engine asks itself, such as whether to carry on) as the
        engine puts it to this listener, rendered for the channel."""
        answers = {PERSPECTIVE_QUESTION: PERSPECTIVE_ANSWERS[perspective]}
        context = Context(today=self.today, voice=self.voice)
        prompt = engine.prompt(flow, asking, answers, FlowState(easy=self.easy), context)
        return self.reply(Reply(prompt.text, prompt.options, question_id=asking))

    def text(self, wording: FlowWording, perspective: str) -> Sent:
        """A flow's wording (a re-ask, a reason, an ending) in the variant the engine picks."""
        return self.reply(Reply(wording.pick(perspective, self.easy, self.voice)))

    def phrase(self, key: str, options: tuple[str, ...] = (), **values: str) -> Sent:
        """One of the flow engine's own phrases (flows/phrases.yml); a placeholder filled
        only in a conversation is shown as a blank."""
        written = phrases.phrases()[key].pick("self", easy=False, voice=self.voice)
        filled = {name: self._blank(name) for name in names_in(written)} | values
        return self.reply(Reply(phrases.say(key, self.voice, **filled), options))

    def message(self, key: str) -> Sent:
        """One of the gateway's messages (data/messages.yml), for this team."""
        return self.reply(Reply(self.wording.say_for(self.team, key, **self._blanks)))
