"""Read a user's CSV table into a header, a float64 input matrix and raw target strings, all or nothing.

Every refusal is a DataError naming the file, the 1-based line and, for a bad cell, the column and its value,
so the user can fix the file in a spreadsheet and load it again.
"""

from __future__ import annotations

import csv
import io
import math
import os
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import DataError

MAX_BYTES = 200 * 1024 * 1024
MAX_COLUMNS = 5000
DELIMITERS = ",;\t"


@dataclass(frozen=True)
class Table:
    """A parsed CSV file.

    Attributes
    ----------
    header : tuple of str
        All column names, in file order.
    input_names : tuple of str
        Names of the input columns: every column but the target, in file order.
    target_name : str
        Name of the target column.
    inputs : (n, d) float64
        The input columns' values.
    target : list of str
        The target column's cells, stripped.
    lines : (n,) int64
        The 1-based file line each row starts on, for later error messages.
    """

    header: tuple[str, ...]
    input_names: tuple[str, ...]
    target_name: str
    inputs: np.ndarray
    target: list[str]
    lines: np.ndarray


def read_text(path: str | os.PathLike[str]) -> str:
    """Return the file's text, refusing missing, oversized and non-UTF-8 files; a BOM is dropped."""
    name = Path(path).name
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise DataError(
                f"the file is {size / 2**20:.0f} MB; files up to 200 MB can be loaded", source=name
            )
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", source=name) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        message = f"byte 0x{bad} is not UTF-8 text; save the table as 'CSV UTF-8'"
        raise DataError(message, row=line, source=name) from None


def _guess_delimiter(text: str) -> str:
    """Pick the separator used most on the first non-blank line (comma, semicolon or tab)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _records(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line, fields)`` per record, ``line`` being the 1-based line it starts on; skip blank lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_guess_delimiter(text), strict=True)
    start = 1
    try:
        for fields in reader:
            if fields:
                yield start, fields
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"cannot split the line into fields ({exc})", row=start, source=name) from None


def _blank(fields: list[str]) -> bool:
    return not any(f.strip() for f in fields)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _header(line: int, fields: list[str], name: str) -> tuple[str, ...]:
    header = tuple(f.strip() for f in fields)
    if len(header) > MAX_COLUMNS:
        raise DataError(
            f"the table has {len(header):,} columns; at most {MAX_COLUMNS:,} can be loaded", source=name
        )
    if len(header) < 2:
        raise DataError("the table needs at least two columns: one or more inputs and a target", source=name)
    if all(_is_number(h) for h in header):
        raise DataError("the first row holds numbers, but it must be a header naming the columns", line, name)
    for j, h in enumerate(header):
        if not h:
            raise DataError(f"column {j + 1} has no name in the header", line, name)
        if header.index(h) != j:
            raise DataError(f"two columns are named {h!r}; column names must differ", line, name)
    return header


def _target_index(header: tuple[str, ...], target: int | str, name: str) -> int:
    if isinstance(target, str):
        if target in header:
            return header.index(target)
        shown = ", ".join(repr(h) for h in header[:10]) + (", ..." if len(header) > 10 else "")
        raise DataError(f"there is no column named {target!r}; the columns are {shown}", source=name)
    if not -len(header) <= int(target) < len(header):
        raise DataError(f"target column {target} is out of range for {len(header)} columns", source=name)
    return int(target) % len(header)


def _bad_cell(fields: list[str], columns: list[int], header: tuple[str, ...], line: int, name: str) -> None:
    """Raise a DataError for the first cell of ``columns`` that is not a finite number."""
    for j in columns:
        text = fields[j].strip()
        try:
            value = float(text)
        except ValueError:
            why = f"has {text!r}, which is not a number" if text else "is empty, but it must be a number"
            raise DataError(f"column {header[j]!r} {why}", line, name) from None
        if not math.isfinite(value):
            raise DataError(f"column {header[j]!r} has {text!r}, which is not a finite number", line, name)


def read_table(path: str | os.PathLike[str], target: int | str = -1) -> Table:
    """Parse a whole CSV file with a header row; the input columns must hold finite numbers.

    Rows that are blank or hold only empty fields are skipped. Rows are converted as they are read, so
    only the numbers, not the text of every cell, are kept.

    Raises
    ------
    DataError
        For an unreadable, empty, oversized or malformed file, naming the line and column at fault.
    """
    name = Path(path).name
    records = _records(read_text(path), name)
    first = next((r for r in records if not _blank(r[1])), None)
    if first is None:
        raise DataError("the file is empty", source=name)
    header = _header(first[0], first[1], name)
    t = _target_index(header, target, name)
    input_cols = [j for j in range(len(header)) if j != t]
    values = array("d")
    targets: list[str] = []
    lines = array("q")
    for line, fields in records:
        if len(fields) != len(header):
            if _blank(fields):
                continue
            message = f"has {len(fields)} fields, but the header names {len(header)} columns"
            raise DataError(message, line, name)
        try:
            row = list(map(float, fields[:t] + fields[t + 1 :]))
        except ValueError:
            if _blank(fields):
                continue
            _bad_cell(fields, input_cols, header, line, name)
            raise
        if not math.isfinite(sum(row)):  # cheap; an overflowing sum is re-checked
            _bad_cell(fields, input_cols, header, line, name)
        values.extend(row)
        targets.append(fields[t].strip())
        lines.append(line)
    if not targets:
        raise DataError("the file has a header but no data rows", source=name)
    inputs = np.frombuffer(values, dtype=np.float64).reshape(len(targets), len(input_cols)).copy()
    return Table(
        header=header,
        input_names=tuple(header[j] for j in input_cols),
        target_name=header[t],
        inputs=inputs,
        target=targets,
        lines=np.frombuffer(lines, dtype=np.int64).copy(),
    )
