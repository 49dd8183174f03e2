"""Checks, in Rasa's own environment, that each patch in bot/rasa_patches gives what Rasa's
own code gives. Run by tests/unit/test_rasa_patches.py; prints one line per check and
exits 1 on the first difference, naming the conversation that shows it.

    cd bot && PYTHONPATH=.:.. ../.venv-rasa/bin/python ../tests/rasa_side/check_patches.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from cryptography.fernet import Fernet
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core import events as rasa_events
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    FollowupAction,
    LegacyForm,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig
from rasa_patches import action_payload, applied_events, event_types
from stores.encrypted_tracker_store import KEYS_VARIABLE, EncryptedSQLTrackerStore
from stores.kept_trackers import KeptTrackers
from stores.opened_events import OpenedEvents

from flows.kept_by_rasa import kept_copy

ROOT = Path(__file__).resolve().parents[2]
rasas_applied_events = DialogueStateTracker.applied_events
rasas_resolve = Event.resolve_by_type
rasas_call = RemoteAction._action_call_format
applied_events.install()
event_types.install()
action_payload.install()

FORMS = ["referral_form", "other_form"]
# Each makes a new event: the two lists are compared object by object.
MAKERS: list[tuple[int, Callable[[], Event]]] = [
    (12, lambda: UserUttered("hello", {"name": "greet"})),
    (10, lambda: ActionExecuted("action_listen")),
    (10, lambda: ActionExecuted(random.choice(FORMS))),
    (4, lambda: ActionExecuted("utter_greet")),
    (12, lambda: SlotSet("answer", random.randint(0, 3))),
    (8, lambda: BotUttered("Next question")),
    (3, lambda: ActiveLoop(random.choice(FORMS))),
    (2, lambda: ActiveLoop(None)),
    (1, lambda: LegacyForm(random.choice(FORMS))),
    (2, lambda: ActionExecutionRejected(random.choice([*FORMS, "utter_greet"]))),
    (2, lambda: DefinePrevUserUtteredFeaturization(False)),
    (1, lambda: LoopInterrupted(True)),
    (1, lambda: FollowupAction("utter_greet")),
    (1, lambda: AllSlotsReset()),
    (1, lambda: ActionReverted()),
    (1, lambda: UserUtteranceReverted()),
    (1, lambda: Restarted()),
    (1, lambda: SessionStarted()),
]
WEIGHTS = [weight for weight, _ in MAKERS]


def made_up_conversation(seed: int) -> list[Event]:
    random.seed(seed)
    length = random.choice([5, 20, 60, 200])
    return [random.choices(MAKERS, WEIGHTS)[0][1]() for _ in range(length)]


def form_conversation(turns: int) -> list[Event]:
    """A referral's shape: one long form, a turn a message, slots and messages each turn."""
    made: list[Event] = [ActionExecuted("action_session_start"), SessionStarted()]
    made += [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})]
    made += [ActionExecuted("referral_form"), ActiveLoop("referral_form")]
    for turn in range(turns):
        made += [SlotSet("requested_slot", f"q{turn}"), BotUttered(f"Question {turn}")]
        made += [ActionExecuted("action_listen"), UserUttered(f"answer {turn}")]
        made += [SlotSet(f"q{turn}", "answer"), ActionExecuted("referral_form")]
    made += [ActiveLoop(None), SlotSet("requested_slot", None), ActionExecuted("action_listen")]
    return made


def story_conversations() -> list[list[Event]]:
    """Every conversation Rasa makes from this bot's rules and stories and the test
    stories, as Rasa does for training."""
    domain = Domain.load(str(ROOT / "bot" / "domain"))
    steps = []
    stories = ROOT / "tests" / "rasa" / "test_conversations.yml"
    for path in [*sorted((ROOT / "bot" / "data").glob("*.yml")), stories]:
        steps += YAMLStoryReader(domain, str(path)).read_from_file(str(path))
    trackers = TrainingDataGenerator(StoryGraph(steps), domain, augmentation_factor=0).generate()
    return [list(tracker.events) for tracker in trackers]


def same_applied_events(name: str, made: list[Event]) -> None:
    tracker = DialogueStateTracker.from_events("check", made)
    theirs = rasas_applied_events(tracker)
    ours = tracker.applied_events()
    if [id(event) for event in ours] != [id(event) for event in theirs]:
        print(f"applied_events differs from Rasa's for {name}:")
        print("  events: ", [str(event) for event in made])
        print("  Rasa's: ", [str(event) for event in theirs])
        print("  patched:", [str(event) for event in ours])
        sys.exit(1)


def check_applied_events() -> None:
    made_up = [made_up_conversation(seed) for seed in range(3000)]
    for seed, made in enumerate(made_up):
        same_applied_events(f"made-up conversation {seed}", made)
    for turns in (1, 2, 60):
        same_applied_events(f"a form of {turns} turns", form_conversation(turns))
    stories = story_conversations()
    for number, made in enumerate(stories):
        same_applied_events(f"story conversation {number}", made)
    events = sum(len(made) for made in made_up) + sum(len(made) for made in stories)
    print(
        f"applied_events: as Rasa's for {len(made_up)} made-up conversations, 3 forms and "
        f"{len(stories)} from the stories ({events} events)"
    )


def check_resolve_by_type() -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    for name in sorted(names):
        if Event.resolve_by_type(name) is not rasas_resolve(name):
            sys.exit(f"resolve_by_type differs from Rasa's for {name!r}")
        if Event.resolve_by_type(name) is not rasas_resolve(name):  # from what is kept
            sys.exit(f"resolve_by_type differs from Rasa's the second time for {name!r}")
    if Event.resolve_by_type("topic") is not None:
        sys.exit("resolve_by_type('topic') should be None, as in Rasa")
    if Event.resolve_by_type("no_such_event", rasa_events.SlotSet) is not rasa_events.SlotSet:
        sys.exit("resolve_by_type should give the default for a name it does not know")
    try:
        Event.resolve_by_type("no_such_event")
    except ValueError:
        pass
    else:
        sys.exit("resolve_by_type should refuse a name it does not know, as Rasa does")
    print(f"resolve_by_type: as Rasa's for {len(names)} event types, 'topic' and an unknown name")


def check_action_payload() -> None:
    """Rasa's call to the action server, with the events from the latest message on."""
    domain = Domain.load(str(ROOT / "bot" / "domain"))
    made = form_conversation(30)
    made += [ActionExecuted("action_listen"), UserUttered("last answer", {"name": "inform"})]
    made += [SlotSet("answer", 1)]
    tracker = DialogueStateTracker.from_events("check", made, slots=domain.slots)
    for selective, domain_sent in ((False, True), (True, False)):
        url = "http://127.0.0.1:5055/webhook"
        endpoint = EndpointConfig(url, enable_selective_domain=selective)
        action = RemoteAction("validate_referral_form", endpoint)
        theirs = rasas_call(action, tracker, domain)
        ours = action._action_call_format(tracker, domain)
        events = ours["tracker"].pop("events")
        every = theirs["tracker"].pop("events")
        if events != every[-2:] or events[0]["event"] != "user":
            sys.exit(f"the action server should be sent this turn's events only, not {events}")
        if ours != theirs or ("domain" in ours) is not domain_sent:
            sys.exit("the action server should be sent what Rasa sends, but for the events")
    print(f"action server call: as Rasa's, with this turn's 2 events of {len(every)}")


def check_kept_copy() -> None:
    """A hand-over as Rasa writes it is kept without its record, and reads back."""
    record = {"outcome": "adding", "answers": [{"question_id": "full_name", "value": "Sam"}]}
    said = BotUttered("Thank you", {"custom": {"referral": record}})
    kept = json.loads(kept_copy(json.dumps(said.as_dict())))
    if kept["data"]["custom"] != {"handed_over": {"kind": "referral", "outcome": "adding"}}:
        sys.exit(f"a hand-over should be kept without its record, not as {kept}")
    back = Event.from_parameters(kept)
    if not isinstance(back, BotUttered) or back.text != "Thank you":
        sys.exit("a hand-over kept without its record should still read back as Rasa's")
    plain = json.dumps(BotUttered("Is your referral about you?").as_dict())
    if kept_copy(plain) != plain:
        sys.exit("a bot message that hands nothing over should be kept as it is")
    print("kept copy: a hand-over as Rasa writes it is kept without its record, and reads back")


def check_store_reads_as_rasa(folder: Path) -> None:
    """The encrypted store reads a conversation back as Rasa's own reading of it does."""
    os.environ[KEYS_VARIABLE] = Fernet.generate_key().decode("ascii")
    domain = Domain.load(str(ROOT / "bot" / "domain"))
    store_db = str(folder / "rasa.db")
    store = EncryptedSQLTrackerStore(domain, dialect="sqlite", db=store_db)
    made = form_conversation(20)
    handed_over = {"custom": {"referral": {"outcome": "adding", "answers": [{"value": "Sam"}]}}}
    made += [BotUttered("Thank you", handed_over)]
    made += [SessionStarted(), ActionExecuted("action_listen"), UserUttered("hi again")]
    asyncio.run(store.save(DialogueStateTracker.from_events("check", made, slots=domain.slots)))
    for every_session in (False, True):
        ours = asyncio.run(store._retrieve("check", every_session))
        theirs = asyncio.run(SQLTrackerStore._retrieve(store, "check", every_session))
        if ours is None or theirs is None:
            sys.exit("the store should read the conversation back")
        if ours.current_state(EventVerbosity.ALL) != theirs.current_state(EventVerbosity.ALL):
            sys.exit(f"the store reads differently from Rasa (every session: {every_session})")
    if asyncio.run(store._retrieve("nobody", False)) is not None:
        sys.exit("the store should read nothing for a conversation it does not hold")
    print("tracker store: reads a conversation back as Rasa does, this session or all")

    # Saved or read once, an event is not decrypted again; a new process opens them all.
    again = EncryptedSQLTrackerStore(domain, db=store_db)
    states = []
    for fresh, every_one in ((store, False), (again, True)):
        data_type = fresh.SQLEvent.__table__.c.data.type
        opened: list[bytes] = []
        keys = data_type._keys
        data_type._keys = SimpleNamespace(
            decrypt=lambda token, keys=keys, opened=opened: (
                opened.append(token) or keys.decrypt(token)
            )
        )
        read = asyncio.run(fresh._retrieve("check", True))
        expected = len(read.events) if read and every_one else 0
        if len(opened) != expected:
            sys.exit(f"reading again decrypted {len(opened)} events, not {expected}")
        states.append(json.dumps(read.current_state(EventVerbosity.ALL) if read else None))
    # What was kept opened reads as what a new process decrypts: the kept copy, not the sent.
    if states[0] != states[1] or "Sam" in states[0] or '"handed_over"' not in states[0]:
        sys.exit("events kept opened should read as a new process reads them, records left out")
    print("tracker store: an event saved or read once is not decrypted again")


def check_kept_trackers(folder: Path) -> None:
    """A conversation's next turn gets the tracker saved at the end of the last, unless
    anything has written since or it changed unsaved, and it reads as Rasa reads it."""
    os.environ[KEYS_VARIABLE] = Fernet.generate_key().decode("ascii")
    domain = Domain.load(str(ROOT / "bot" / "domain"))
    store_db = str(folder / "kept.db")
    store = EncryptedSQLTrackerStore(domain, dialect="sqlite", db=store_db)
    handed_over = {"custom": {"referral": {"outcome": "adding", "answers": [{"value": "Sam"}]}}}

    def turn(tracker: DialogueStateTracker, said: str) -> None:
        for event in (
            UserUttered(said, {"name": "inform"}),
            ActionExecuted("referral_form"),
            SlotSet("answer", said),
            BotUttered("Thank you", handed_over),
            ActionExecuted("action_listen"),
        ):
            tracker.update(event)

    def rows() -> int:
        with store.session_scope() as session:
            return int(session.query(store.SQLEvent).count())

    def same_as_rasa(tracker: DialogueStateTracker, when: str) -> None:
        theirs = asyncio.run(SQLTrackerStore._retrieve(store, "kept", False))
        if theirs is None or json.dumps(tracker.current_state(EventVerbosity.ALL)) != json.dumps(
            theirs.current_state(EventVerbosity.ALL)
        ):
            sys.exit(f"a kept tracker should read as Rasa reads the conversation ({when})")

    # A new conversation's first turn holds events from before its session started, which
    # reading this session leaves out: it is not kept; the tracker read back is.
    first = DialogueStateTracker.from_events("kept", form_conversation(5), slots=domain.slots)
    asyncio.run(store.save(first))
    read = asyncio.run(store._retrieve("kept", False))
    if read is first or read is None:
        sys.exit("a tracker holding events from before its session start should not be kept")
    asyncio.run(store.save(read))
    lent = asyncio.run(store._retrieve("kept", False))
    if lent is not read:
        sys.exit("the tracker saved last should be lent for the next turn")
    same_as_rasa(lent, "once saved")
    before = rows()
    turn(lent, "Sam")
    asyncio.run(store.save(lent))
    # Only the turn's own five events are written, counted from what it was lent with.
    if rows() != before + 5:
        sys.exit(f"saving a lent tracker wrote {rows() - before} events, not 5")
    again = asyncio.run(store._retrieve("kept", False))
    if again is not lent:
        sys.exit("the tracker saved again should be lent again")
    same_as_rasa(again, "after a hand-over")
    if "Sam" in json.dumps([event.as_dict() for event in again.events if event.type_name == "bot"]):
        sys.exit("a kept tracker should hold a hand-over without its record, as the store does")
    if asyncio.run(store._retrieve("kept", False)) is again:
        sys.exit("a lent tracker should not be lent twice at once")

    # A turn that failed part way: what it added was never saved, and must not be read.
    turn(again, "unsaved")
    fresh = asyncio.run(store._retrieve("kept", False))
    if fresh is again or fresh is None or len(fresh.events) != len(again.events) - 5:
        sys.exit("a tracker changed and not saved should not be lent again")
    asyncio.run(store.save(fresh))
    # Changed after it was saved (Rasa carrying on with it): the change was never stored.
    fresh.update(SlotSet("answer", "after saving"))
    changed = asyncio.run(store._retrieve("kept", False))
    if changed is fresh or changed is None or changed.get_slot("answer") == "after saving":
        sys.exit("a tracker changed after it was saved should not be lent again")
    asyncio.run(store.save(changed))
    fresh = changed

    # Another instance answers a turn: this one's kept tracker is out of date.
    other = EncryptedSQLTrackerStore(domain, dialect="sqlite", db=store_db)
    elsewhere = asyncio.run(other._retrieve("kept", False))
    if elsewhere is None or elsewhere is fresh:
        sys.exit("another store should read the conversation from the database")
    turn(elsewhere, "Alex")
    asyncio.run(other.save(elsewhere))
    back = asyncio.run(store._retrieve("kept", False))
    if back is fresh or back is None or len(back.events) != len(elsewhere.events):
        sys.exit("a tracker kept before another instance wrote should not be lent")
    same_as_rasa(back, "after another instance wrote")

    # A new session begun in the tracker: reading starts there, so it is not kept.
    back.update(SessionStarted())
    back.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(back))
    if asyncio.run(store._retrieve("kept", False)) is back:
        sys.exit("a tracker holding a later session start should not be kept")
    print("kept trackers: lent for the next turn, read as Rasa reads them, never out of date")

    now = [0.0]
    kept = KeptTrackers(limit=2, keep_seconds=60, clock=lambda: now[0], sweep_seconds=None)
    for sender in ("a", "b", "c"):
        kept.keep(sender, DialogueStateTracker(sender, []), 1)
    if kept.take("a") is not None or len(kept) != 2:
        sys.exit("kept trackers should keep within their limit, the most lately saved")
    now[0] = 61.0
    kept.sweep()
    if len(kept):
        sys.exit("a kept tracker should be forgotten a while after it was saved")
    swept = KeptTrackers(keep_seconds=0.05, sweep_seconds=0.05)
    swept.keep("a", DialogueStateTracker("a", []), 1)
    time.sleep(0.3)
    if len(swept):
        sys.exit("the background sweep should forget a kept tracker once it is too old")
    print("kept trackers: kept within their limit, and forgotten a while after last saved")


def check_opened_events() -> None:
    now = [0.0]
    opened = OpenedEvents(limit=820, keep_seconds=60, clock=lambda: now[0], sweep_seconds=None)
    opened.put("a", "x" * 100)  # each costs 1 + 100 + 300
    opened.put("b", "x" * 100)
    found = opened.get("a")
    opened.put("c", "x" * 10)  # over the limit: the least lately read goes
    if (found, opened.get("b"), opened.get("a"), len(opened)) != ("x" * 100, None, "x" * 100, 2):
        sys.exit("opened events should keep within their limit, the most lately read")
    now[0] = 61.0
    opened.sweep()  # with nobody talking, the sweep forgets them
    if len(opened) or opened.size:
        sys.exit("an opened event should be forgotten a while after it was last read")
    swept = OpenedEvents(keep_seconds=0.05, sweep_seconds=0.05)
    swept.put("a", "text")
    time.sleep(0.3)
    if len(swept):
        sys.exit("the background sweep should forget an opened event once it is too old")
    print("opened events: kept within their limit, and forgotten a while after last read")


if __name__ == "__main__":
    check_opened_events()
    with tempfile.TemporaryDirectory() as folder:
        check_store_reads_as_rasa(Path(folder))
        check_kept_trackers(Path(folder))
    check_kept_copy()
    check_action_payload()
    check_resolve_by_type()
    check_applied_events()
