"""Reading files: every format people send, and a clear error for what cannot be read."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from chronogan.training.data.io import read_table

from chronogan.artifacts.errors import UserInputError


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_reads_semicolon_tab_bom_and_gzip(tmp_path: Path) -> None:
    body = "a;b\n1;2\n3;4\n"
    assert list(read_table(write(tmp_path, "s.csv", body.encode())).columns) == ["a", "b"]
    assert read_table(write(tmp_path, "t.csv", body.replace(";", "\t").encode()))["b"].tolist() == [2, 4]
    assert list(read_table(write(tmp_path, "bom.csv", b"\xef\xbb\xbfa,b\n1,2\n")).columns) == ["a", "b"]
    assert read_table(write(tmp_path, "z.csv", gzip.compress(b"a,b\n1,2\n"))).shape == (1, 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"a,b\n", "no data rows"),
        (b"\x00\x01\x02garbage\x00", "binary"),
        (b"a,b\n1,\xff\xfe\n", "UTF-8"),
        (b"a,a\n1,2\n", "duplicate column names"),
        (b"a,b\n1,2\n3,4,5\n", "malformed CSV"),
    ],
)
def test_unreadable_files_name_the_problem(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        read_table(write(tmp_path, "bad.csv", data))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="no such file"):
        read_table(tmp_path / "nope.csv")
