"""terastal.sim."""
