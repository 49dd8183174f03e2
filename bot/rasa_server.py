"""Rasa's own command line (`python -m rasa_server run ...` is `rasa run ...`), made cheaper
where measurement showed Rasa spends a turn's time (rasa_patches/: each patch gives what
Rasa's own code gives, checked against it)."""

from __future__ import annotations

import sys

from rasa.__main__ import main
from rasa_patches import action_payload, action_results, applied_events, event_types

action_results.install()
action_payload.install()
event_types.install()
applied_events.install()

if __name__ == "__main__":
    sys.argv[0] = "rasa"
    sys.exit(main())
