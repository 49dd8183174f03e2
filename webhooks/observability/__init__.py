"""What the gateway tells its operators: JSON logs with a request id, and Prometheus metrics.

A leaf: it imports nothing of the gateway's layers, so any of them (the conversation core
included) may count what it does here. Its modules import nothing here on import, either.
"""
