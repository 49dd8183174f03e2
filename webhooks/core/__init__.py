"""The conversation core: one turn of any channel, in one unit of work that alone commits."""
