"""terastal.io."""
