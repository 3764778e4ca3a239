"""``multipart/form-data`` bodies, parsed with ``python-multipart``'s streaming parser.

The parser walks the body once (linear in its size) and this module stops it at
:data:`MAX_PARTS` parts, so a body of tens of thousands of tiny parts is refused after a
bounded amount of work instead of holding the event loop (the email package's parser took
17 s over 70,000 parts). Every part needs a ``name``; its bytes are decoded with the part's
charset (UTF-8 by default). Any defect raises :class:`ValueError` (``invalid_form_data``).

A part with a ``filename`` is a file (``files.upload``'s ``file``): it is not a text field,
and its bytes are never decoded; :func:`multipart_files` returns such parts. A part's bytes
are kept as a view of the body wherever the parser reports them as one stretch of it (as it
does when the body is written in one piece), so an upload is held once, not twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header

MAX_PARTS = 1000


class _TooManyPartsError(ValueError):
    """More parts than :data:`MAX_PARTS`."""


@dataclass(slots=True)
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    # Where the part's bytes are in the body (start, end), while they are one stretch of it.
    span: tuple[int, int] | None = None
    # The part's bytes as copies, once they are not (then span is None).
    pieces: list[bytes] = field(default_factory=list)

    def add(self, body: bytes, data: bytes, start: int, end: int) -> None:
        """More of the part's bytes: ``data[start:end]``."""
        if not self.pieces and data is body and (self.span is None or self.span[1] == start):
            self.span = (self.span[0] if self.span else start, end)
            return
        if self.span is not None:  # no longer one stretch of the body: copy what it was
            self.pieces.append(body[self.span[0] : self.span[1]])
            self.span = None
        self.pieces.append(data[start:end])

    def content(self, body: bytes) -> bytes | memoryview:
        """The part's bytes: a view of the body when they are one stretch of it."""
        if self.span is not None:
            return memoryview(body)[self.span[0] : self.span[1]]
        return b"".join(self.pieces)


class _Collector:
    """The parser's callbacks: gather each part's headers and bytes."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.parts: list[_Part] = []
        self.finished = False
        self._field = b""
        self._value = b""

    def part_begin(self) -> None:
        if len(self.parts) >= MAX_PARTS:
            raise _TooManyPartsError(f"more than {MAX_PARTS} parts")
        self.parts.append(_Part())

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def header_end(self) -> None:
        self.parts[-1].headers[self._field.strip().lower()] = self._value.strip()
        self._field = self._value = b""

    def part_data(self, data: bytes, start: int, end: int) -> None:
        self.parts[-1].add(self.body, data, start, end)

    def end(self) -> None:
        self.finished = True


@dataclass(frozen=True, slots=True)
class FilePart:
    """A part carrying a file: its field name, file name, declared type and bytes (often a
    view of the request body, valid while the body is)."""

    name: str
    filename: str
    content_type: str
    data: bytes | memoryview


def parse_multipart(body: bytes, content_type: str) -> list[tuple[str, str]]:
    """The text fields of a ``multipart/form-data`` body; a broken body raises ValueError."""
    fields = []
    for part in _parts(body, content_type):
        name, filename = _disposition(part)
        if filename is None:
            fields.append(_field(part, name, body))
    return fields


def multipart_files(body: bytes, content_type: str) -> list[FilePart]:
    """The file parts (those with a ``filename``) of a body; a broken body raises ValueError."""
    files = []
    for part in _parts(body, content_type):
        name, filename = _disposition(part)
        if filename is not None:
            declared = part.headers.get(b"content-type", b"").decode("latin-1").strip()
            files.append(FilePart(name, filename, declared, part.content(body)))
    return files


def _parts(body: bytes, content_type: str) -> list[_Part]:
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary", b"").decode("latin-1")
    if not boundary or f"--{boundary}".encode() not in body:
        raise ValueError("missing or wrong boundary")
    collector = _Collector(body)
    parser = MultipartParser(
        boundary.encode("latin-1"),
        callbacks={
            "on_part_begin": collector.part_begin,
            "on_header_field": collector.header_field,
            "on_header_value": collector.header_value,
            "on_header_end": collector.header_end,
            "on_part_data": collector.part_data,
            "on_end": collector.end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except _TooManyPartsError:
        raise
    except Exception as exc:  # the library's own errors: a broken body
        raise ValueError(f"broken multipart body: {exc}") from exc
    if not collector.finished:
        raise ValueError("multipart body without its closing boundary")
    return collector.parts


def _disposition(part: _Part) -> tuple[str, str | None]:
    """The part's field name and, for a file, its file name."""
    disposition, params = parse_options_header(part.headers.get(b"content-disposition", b""))
    name = params.get(b"name")
    if disposition != b"form-data" or name is None:
        raise ValueError("part without a name")
    filename = params.get(b"filename")
    decoded = filename.decode("utf-8", errors="replace") if filename is not None else None
    return name.decode("utf-8"), decoded  # an undecodable name is a broken body


def _field(part: _Part, name: str, body: bytes) -> tuple[str, str]:
    _, type_params = parse_options_header(part.headers.get(b"content-type", b""))
    charset = type_params.get(b"charset", b"utf-8").decode("latin-1")
    # Undecodable bytes raise UnicodeDecodeError, a ValueError; an unknown charset must too.
    try:
        return name, bytes(part.content(body)).decode(charset)
    except LookupError as exc:
        raise ValueError(f"unknown charset {charset!r}") from exc
