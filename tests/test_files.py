"""terastal._files.atomic_write: whole or not at all, with a plain file's permissions."""

import os
import stat

import pytest

from terastal import _files
from terastal._files import atomic_write
from terastal.errors import InputError


def test_a_written_file_has_the_permissions_of_a_plain_write(tmp_path):
    plain, atomic = tmp_path / "plain.txt", tmp_path / "atomic.txt"
    plain.write_text("x")
    atomic_write(atomic, "x")
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    assert stat.S_IMODE(atomic.stat().st_mode) == 0o666 & ~_files._UMASK


def test_the_umask_is_left_as_it_was(tmp_path):
    before = os.umask(0o027)
    try:
        atomic_write(tmp_path / "a.txt", "x")
        assert os.umask(0o027) == 0o027  # the write did not set it
    finally:
        os.umask(before)


def test_bytes_and_text_are_written_whole(tmp_path):
    atomic_write(tmp_path / "b.bin", b"\x00\x01")
    atomic_write(tmp_path / "t.txt", "é\n")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "t.txt").read_text(encoding="utf-8") == "é\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "table.txt"
    path.write_text("old")

    class Interrupt(BaseException):
        pass

    def interrupted(src, dst):
        raise Interrupt  # a Ctrl-C between the write and the rename

    monkeypatch.setattr(_files.os, "replace", interrupted)
    with pytest.raises(Interrupt):
        atomic_write(path, "new")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.txt"]


def test_a_directory_that_cannot_be_made_is_one_error_naming_the_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InputError) as err:
        atomic_write(blocker / "sub" / "out.txt", "x")
    assert "out.txt" in str(err.value)
