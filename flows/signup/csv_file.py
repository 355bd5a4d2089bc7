"""Reading a participants CSV: refuse the whole file unless it is UTF-8 (with or without a
BOM) before anything is written, check its header, then stream its rows."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

from flows.common.wording import agree
from flows.signup.csv_rows import COLUMNS, ImportReport

REQUIRED_COLUMNS = ("user_id", "role", "seniority", "consent")
CHUNK_BYTES = 1 << 20


class ImportFileError(Exception):
    """The whole file can't be read (encoding, missing columns): nothing was imported."""


def check_encoding(path: Path) -> int:
    """Raises ImportFileError unless the file is UTF-8; returns the number of lines."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or (
            len(head) >= 2 and b"\x00" in head
        ):
            raise ImportFileError(
                'This file is saved as UTF-16 ("Unicode text"). Save it as '
                "'CSV UTF-8 (Comma delimited)' and import it again. Nothing was imported."
            )
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        lines, offset = 0, 0
        while chunk := handle.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line = lines + chunk[: exc.start].count(b"\n") + 1
                raise ImportFileError(
                    f"Line {line} isn't valid UTF-8 (byte 0x{chunk[exc.start]:02x} at byte "
                    f"{offset + exc.start:,}); the file looks like it was saved as Latin-1 or "
                    "Windows-1252. Save it as 'CSV UTF-8 (Comma delimited)' and import it "
                    "again. Nothing was imported."
                ) from None
            lines += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportFileError(
                "The file ends in the middle of a character: it isn't valid UTF-8. "
                "Nothing was imported."
            ) from None
        return lines


def read_rows(path: Path, report: ImportReport) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ImportFileError("The file is empty. Nothing was imported.")
        names = [h.strip().lower() for h in header]
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            raise ImportFileError(
                f"The header row has no {', '.join(missing)} {agree(len(missing), 'column')}. "
                f"Expected columns: {', '.join(COLUMNS)}. Nothing was imported."
            )
        report.ignored_columns = [n for n in names if n not in COLUMNS and n]
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            yield number, dict(zip(names, cells, strict=False))
