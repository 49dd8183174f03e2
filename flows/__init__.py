"""Declarative questionnaires: the one source of truth for every question the bot asks.

This package is imported by both Python environments (the gateway on 3.11 and the Rasa
action server on 3.10), so it depends on nothing heavier than PyYAML and phonenumbers.
"""

from flows.answers import Answer, display_value, parse_answer
from flows.controls import detect_control
from flows.errors import AnswerError
from flows.loader import FlowError, load_flow, load_flows
from flows.model import Flow, Option, Question, Wording

__all__ = [
    "Answer",
    "AnswerError",
    "Flow",
    "FlowError",
    "Option",
    "Question",
    "Wording",
    "detect_control",
    "display_value",
    "load_flow",
    "load_flows",
    "parse_answer",
]
