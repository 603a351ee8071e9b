"""The output-path checks the commands share: every message, word for word."""

import os
from pathlib import Path

import pytest

from terastal.commands._args import output_dir, output_file
from terastal.errors import InputError


@pytest.fixture
def tree(tmp_path):
    """``file`` (a regular file), ``dir`` (a directory), ``pipe`` (a FIFO)."""
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "pipe")
    return tmp_path


def _message(check, out: Path, flag: str = "--out") -> str:
    with pytest.raises(InputError) as exc:
        check(out, flag)
    return str(exc.value.message)


def test_nothing_given_and_good_paths_pass(tree):
    assert output_dir(None) is None and output_file(None) is None
    for out in (tree / "dir", tree / "new", tree / "dir" / "new" / "deeper"):
        assert output_dir(out) == out
    for out in (tree / "file", tree / "new.csv", tree / "dir" / "new" / "x.csv"):
        assert output_file(out) == out


def test_a_directory_output_names_what_is_in_its_way(tree):
    f = tree / "file"
    assert _message(output_dir, f) == f"--out {str(f)!r} exists and is not a directory"
    assert _message(output_dir, tree / "pipe", "--dir") == (
        f"--dir {str(tree / 'pipe')!r} exists and is not a directory"
    )
    deep = f / "a" / "b"
    assert _message(output_dir, deep) == f"--out {str(deep)!r} is under the file {str(f)!r}"


def test_a_file_output_names_what_is_in_its_way(tree):
    f, d, p = tree / "file", tree / "dir", tree / "pipe"
    deep = f / "a" / "x.csv"
    assert _message(output_file, deep) == f"--out {str(deep)!r} is under the file {str(f)!r}"
    assert _message(output_file, d) == f"--out {str(d)!r} is a directory; give a file name"
    assert _message(output_file, p, "--to") == (f"--to {str(p)!r} exists and is not a regular file")
