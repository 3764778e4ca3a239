"""The pure side of files: types by name and argument, titles, snippet previews, URLs and
the file object with the shares a viewer may see."""

from __future__ import annotations

from slackline.domain.files import (
    BINARY,
    TEXT,
    FileMode,
    FileShare,
    FileState,
    SharePlace,
    StoredFile,
    default_title,
    detect_type,
    extension,
    file_object,
    file_path,
    is_known_snippet_type,
    is_public_share,
    snippet_fields,
    snippet_type,
    tombstone,
)
from slackline.domain.models import Conversation

BASE = "http://files.test"


def stored(**fields: object) -> StoredFile:
    """A complete hosted file of team T1 by U1."""
    values: dict[str, object] = {
        "id": "F1", "team_id": "T1", "user_id": "U1", "created": 100, "name": "a b.png",
        "title": "a b", "mimetype": "image/png", "filetype": "png", "pretty_type": "PNG",
        "mode": FileMode.HOSTED, "size": 3, "state": FileState.COMPLETE,
    }  # fmt: skip
    values.update(fields)
    return StoredFile(**values)  # type: ignore[arg-type]


def conversation(cid: str, **fields: object) -> Conversation:
    """A conversation of team T1."""
    return Conversation(id=cid, team_id="T1", name=cid.lower(), **fields)  # type: ignore[arg-type]


def test_extension_is_lower_cased_and_needs_a_stem() -> None:
    assert [extension(n) for n in ("A.PNG", "x.tar.gz", ".bashrc", "plain")] == [
        "png",
        "gz",
        "",
        "",
    ]


def test_a_known_filetype_argument_wins_over_the_name() -> None:
    assert detect_type("x.png", "python").filetype == "python"


def test_auto_and_unknown_filetypes_fall_back_to_the_name() -> None:
    assert detect_type("x.png", "auto").filetype == "png"
    assert detect_type("x.png", "nonsense").filetype == "png"


def test_unknown_names_are_text_for_content_and_binary_for_bytes() -> None:
    assert detect_type("x.qqq", text=True) is TEXT
    assert detect_type("x.qqq") is BINARY


def test_snippet_types_are_known_names_or_plain_text() -> None:
    assert snippet_type("Python").filetype == "python"
    assert snippet_type("klingon") is TEXT
    assert is_known_snippet_type("yaml") and not is_known_snippet_type("binary")


def test_default_title_drops_the_extension() -> None:
    assert [default_title(n) for n in ("report.pdf", "a.b.c", ".env", "")] == [
        "report",
        "a.b",
        ".env",
        "Untitled",
    ]


def test_snippet_fields_preview_five_lines() -> None:
    fields = snippet_fields("\n".join(str(n) for n in range(7)).encode())
    assert fields["preview"] == "0\n1\n2\n3\n4"
    assert (fields["lines"], fields["lines_more"], fields["preview_is_truncated"]) == (7, 2, True)


def test_snippet_fields_of_short_text_are_not_truncated() -> None:
    fields = snippet_fields(b"one line")
    assert (fields["preview"], fields["lines_more"], fields["preview_is_truncated"]) == (
        "one line",
        0,
        False,
    )


def test_snippet_fields_survive_undecodable_bytes() -> None:
    assert snippet_fields(b"\xff\xfe ok")["lines"] == 1


def test_file_paths_quote_the_name() -> None:
    file = stored()
    assert file_path(file) == "/files-pri/T1-F1/a%20b.png"
    assert file_path(file, download=True) == "/files-pri/T1-F1/download/a%20b.png"


def test_a_message_file_object_has_no_places() -> None:
    obj = file_object(stored(), BASE, is_public=False)
    assert obj["url_private"] == BASE + "/files-pri/T1-F1/a%20b.png"
    assert obj["permalink"] == BASE + "/files/U1/F1/a%20b.png"
    assert "channels" not in obj and "shares" not in obj


def test_extra_keys_join_the_object() -> None:
    obj = file_object(stored(extra={"alt_txt": "a cat"}), BASE, is_public=False)
    assert obj["alt_txt"] == "a cat"


def test_places_sort_into_channels_groups_and_ims_with_shares() -> None:
    places = [
        SharePlace(FileShare("F1", "C1", "1.000001", "U1"), conversation("C1")),
        SharePlace(FileShare("F1", "G1", "2.000001", "U1"), conversation("G1", is_private=True)),
        SharePlace(FileShare("F1", "D1", "3.000001", "U1"), conversation("D1", is_im=True)),
        SharePlace(FileShare("F1", "M1", "4.000001", "U1"), conversation("M1", is_mpim=True)),
    ]
    obj = file_object(stored(), BASE, is_public=True, places=places, with_shares=True)
    assert (obj["channels"], obj["groups"], obj["ims"]) == (["C1"], ["G1", "M1"], ["D1"])
    assert list(obj["shares"]["public"]) == ["C1"]
    assert list(obj["shares"]["private"]) == ["G1", "D1", "M1"]
    assert "channel_name" not in obj["shares"]["private"]["D1"][0]
    assert obj["shares"]["public"]["C1"][0]["channel_name"] == "c1"


def test_a_share_with_replies_carries_its_thread() -> None:
    place = SharePlace(
        FileShare("F1", "C1", "1.000001", "U1"), conversation("C1"), 2, ("U2",), "1.000009"
    )
    obj = file_object(stored(), BASE, is_public=True, places=[place], with_shares=True)
    entry = obj["shares"]["public"]["C1"][0]
    assert (entry["thread_ts"], entry["reply_count"], entry["latest_reply"]) == (
        "1.000001",
        2,
        "1.000009",
    )


def test_places_without_shares_leave_shares_out() -> None:
    place = SharePlace(FileShare("F1", "C1", "1.000001", "U1"), conversation("C1"))
    assert "shares" not in file_object(stored(), BASE, is_public=True, places=[place])


def test_only_public_channels_make_a_share_public() -> None:
    assert is_public_share(conversation("C1"))
    assert not is_public_share(conversation("G1", is_private=True))
    assert not is_public_share(conversation("D1", is_im=True))


def test_a_tombstone_keeps_only_the_id() -> None:
    assert tombstone("F1") == {"id": "F1", "mode": "tombstone"}
