"""The dispatch log counts and measures itself without making records, with the same answers."""

from terastal.sim.result import DispatchLog, DispatchRecord

ROWS = [
    (1, 0, 0, 0.0, 0.0, 1.0, False),
    (0, 1, 0, 0.0, 0.5, 2.0, True),
    (1, 0, 1, 1.0, 1.0, 3.0, False),
]


def test_counts_and_length_before_and_after_records_are_made():
    log = DispatchLog(list(ROWS))
    assert len(log) == 3 and log.accelerator_counts(3) == [1, 2, 0]
    assert log._records is None  # nothing made yet
    assert log[1] == DispatchRecord(*ROWS[1])  # now the records exist
    assert len(log) == 3 and log.accelerator_counts(3) == [1, 2, 0]


def test_a_one_shot_iterable_is_read_once():
    log = DispatchLog(iter(ROWS))
    assert log.accelerator_counts(2) == [1, 2]
    assert len(log) == 3 and list(log) == [DispatchRecord(*r) for r in ROWS]
