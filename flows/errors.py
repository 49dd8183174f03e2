"""The error every answer parser raises, in a module of its own so all of them can share it."""


class AnswerError(ValueError):
    """The text is not a usable answer; the flow's retry wording says how to answer."""


class FlowError(ValueError):
    """A flow file is malformed; the message says which file and which key."""
