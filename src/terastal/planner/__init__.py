"""terastal.planner."""
