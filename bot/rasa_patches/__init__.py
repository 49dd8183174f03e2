"""Rasa 3.6 made cheaper where measurement on this project's turns showed the time goes.

Each patch gives exactly what Rasa's own code gives, and is checked against it:
tests/unit/test_rasa_patches.py runs tests/rasa_side/check_patches.py in Rasa's own
environment. `rasa_server.py` installs them in the running server only; training, `rasa
test` and the action server use Rasa as it is.
"""
