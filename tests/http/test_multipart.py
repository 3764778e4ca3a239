"""``multipart/form-data`` parsing (http/multipart.py): fields, names, charsets, the part
bound and broken bodies (every defect is a ValueError, which the Web API answers with
``invalid_form_data``)."""

from __future__ import annotations

import pytest

from slackline.http.multipart import MAX_PARTS, multipart_files, parse_multipart

FORM_DATA = "multipart/form-data; boundary=xyz"


def part(name: str, value: bytes, *, content_type: str | None = None) -> bytes:
    """One form-data part under the boundary ``xyz``."""
    head = f'--xyz\r\nContent-Disposition: form-data; name="{name}"\r\n'
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def form(*parts: bytes) -> bytes:
    """Parts and the closing boundary."""
    return b"".join(parts) + b"--xyz--\r\n"


def test_text_fields_are_parsed_in_order() -> None:
    body = form(part("channel", b"C0001"), part("text", b"hi\r\nthere"), part("text", b""))
    assert parse_multipart(body, FORM_DATA) == [
        ("channel", "C0001"),
        ("text", "hi\r\nthere"),
        ("text", ""),
    ]


def test_a_quoted_boundary_parameter_is_understood() -> None:
    body = form(part("a", b"1"))
    assert parse_multipart(body, 'multipart/form-data; boundary="xyz"') == [("a", "1")]


def test_a_part_without_a_name_is_refused() -> None:
    body = b'--xyz\r\nContent-Disposition: form-data; filename="a.txt"\r\n\r\n1\r\n--xyz--\r\n'
    with pytest.raises(ValueError, match="name"):
        parse_multipart(body, FORM_DATA)


def test_a_part_without_a_content_disposition_is_refused() -> None:
    body = b"--xyz\r\nContent-Type: text/plain\r\n\r\n1\r\n--xyz--\r\n"
    with pytest.raises(ValueError, match="name"):
        parse_multipart(body, FORM_DATA)


def test_parts_are_utf_8_unless_they_say_otherwise() -> None:
    body = form(part("a", "é".encode()))
    assert parse_multipart(body, FORM_DATA) == [("a", "é")]


def test_each_part_is_decoded_with_its_own_charset() -> None:
    body = form(
        part("latin", "café".encode("latin-1"), content_type="text/plain; charset=iso-8859-1"),
        part("utf8", "café".encode(), content_type="text/plain; charset=utf-8"),
    )
    assert parse_multipart(body, FORM_DATA) == [("latin", "café"), ("utf8", "café")]


def test_bytes_that_are_not_in_the_parts_charset_are_refused() -> None:
    with pytest.raises(ValueError):
        parse_multipart(form(part("a", b"\xff")), FORM_DATA)


def test_an_unknown_charset_is_refused_as_a_broken_body() -> None:
    body = form(part("a", b"1", content_type="text/plain; charset=no-such-charset"))
    with pytest.raises(ValueError, match="charset"):
        parse_multipart(body, FORM_DATA)


def test_a_thousand_parts_are_accepted() -> None:
    body = form(*(part(f"f{index}", b"v") for index in range(MAX_PARTS)))
    fields = parse_multipart(body, FORM_DATA)
    assert len(fields) == MAX_PARTS == 1000
    assert fields[-1] == ("f999", "v")


def test_a_thousand_and_one_parts_are_refused() -> None:
    body = form(*(part(f"f{index}", b"v") for index in range(MAX_PARTS + 1)))
    with pytest.raises(ValueError, match="parts"):
        parse_multipart(body, FORM_DATA)


def test_seventy_thousand_tiny_parts_are_refused() -> None:
    body = form(*(part("f", b"v") for _ in range(70_000)))
    with pytest.raises(ValueError, match="parts"):
        parse_multipart(body, FORM_DATA)


def test_a_body_without_its_closing_boundary_is_refused() -> None:
    with pytest.raises(ValueError, match="closing boundary"):
        parse_multipart(part("a", b"1"), FORM_DATA)


def test_a_body_cut_off_inside_a_part_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_multipart(part("a", b"1")[:-5], FORM_DATA)


def test_a_body_under_another_boundary_is_refused() -> None:
    with pytest.raises(ValueError, match="boundary"):
        parse_multipart(form(part("a", b"1")), "multipart/form-data; boundary=other")


def test_a_content_type_without_a_boundary_is_refused() -> None:
    with pytest.raises(ValueError, match="boundary"):
        parse_multipart(form(part("a", b"1")), "multipart/form-data")


def test_an_empty_boundary_is_refused() -> None:
    with pytest.raises(ValueError, match="boundary"):
        parse_multipart(form(part("a", b"1")), 'multipart/form-data; boundary=""')


def test_a_file_part_is_a_view_of_the_body_not_a_copy() -> None:
    data = bytes(range(256)) * 64 + b"\r\n--xy"  # CR LF and a boundary prefix inside
    head = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n'
    body = form(head + data + b"\r\n", part("title", b"t"))
    (file,) = multipart_files(body, FORM_DATA)
    assert (file.name, file.filename, bytes(file.data)) == ("file", "a.bin", data)
    assert isinstance(file.data, memoryview) and file.data.obj is body
    assert parse_multipart(body, FORM_DATA) == [("title", "t")]
