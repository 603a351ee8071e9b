"""terastal.variants."""
