"""The conversation core: one turn of any channel, one unit of work, one commit point."""
