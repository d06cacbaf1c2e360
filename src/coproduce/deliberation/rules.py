"""Thresholds the opinion engine, the report and the API share, in one place. Plain
Python (no NumPy or SciPy), so web pages can read them without loading the engine."""

# Fewer people than this in a group or role who agreed or disagreed: "too few votes",
# no share shown, and no common ground or divide resting on it.
MIN_VOTERS = 5
# The most statements listed as common ground (and as divides): the surest first.
COMMON_GROUND_LIMIT = 10
