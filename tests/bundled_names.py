"""Names of the bundled XRBench scenarios, written once for the tests that walk them (the
names are pinned against ``list_scenarios`` in test_io_maestro.py)."""

#: XRBench's seven usage scenarios.
XRBENCH_USAGE = (
    "AR_Assistant",
    "AR_gaming",
    "VR_gaming",
    "outdoor_activity_A",
    "outdoor_activity_B",
    "social_interactionA",
    "social_interactionB",
)
#: The probability sweep of VR_gaming's cascade.
XRBENCH_SWEEPS = ("VR_gaming_25p", "VR_gaming_50p", "VR_gaming_75p", "VR_gaming_100p")
