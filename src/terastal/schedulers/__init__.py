"""terastal.schedulers."""
