"""terastal.metrics."""
