"""The toolkit's file actions: uploads of text and bytes, info, listing, deletion and
downloads, against the plugin's server, with the events on a real socket."""

from __future__ import annotations

from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.rtm import open_socket, recv_until


def people(slackline: Slackline) -> tuple[Member, Member, str, str]:
    """Alice and bob in a public channel, alice alone in a private one."""
    team = slackline.team("Acme")
    alice, bob = slackline.user(team, "alice"), slackline.user(team, "bob")
    general = slackline.channel(team, "general", [alice, bob])
    secret = slackline.channel(team, "secret", [alice], private=True)
    return alice, bob, general, secret


def test_upload_of_text_is_a_snippet_in_the_channel(slackline: Slackline) -> None:
    alice, bob, general, _ = people(slackline)
    file = slackline.upload(alice, "hello", channels=[general], filename="hi.txt")
    assert (file["mode"], file["name"], file["channels"]) == ("snippet", "hi.txt", [general])
    assert slackline.download(bob, file) == b"hello"


def test_upload_of_bytes_goes_through_the_external_upload(slackline: Slackline) -> None:
    alice, bob, general, _ = people(slackline)
    data = bytes(range(256))
    file = slackline.upload(alice, data, channels=general, filename="d.bin", title="Data")
    assert (file["mode"], file["title"], file["size"]) == ("hosted", "Data", 256)
    assert slackline.download(bob, file) == data


def test_an_upload_reaches_the_members_socket_as_message_and_file_shared(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    alice, bob, general, _ = people(slackline)
    with open_socket(slackline_server.thread, bob.token) as ws:
        file = slackline.upload(alice, b"bytes", channels=general, initial_comment="see")
        message = recv_until(ws, lambda f: f.get("type") == "message")
        shared = recv_until(ws, lambda f: f.get("type") == "file_shared")
    assert (message["text"], message["files"][0]["id"]) == ("see", file["id"])
    assert shared["file_id"] == file["id"]


def test_private_files_stay_with_members(slackline: Slackline) -> None:
    alice, bob, _, secret = people(slackline)
    file = slackline.upload(alice, "secret", channels=secret)
    assert slackline.download(bob, file) is None
    assert slackline.act(bob, "files.info", file=file["id"])["error"] == "file_not_found"
    assert slackline.files(bob) == []
    assert [f["id"] for f in slackline.files(alice)] == [file["id"]]


def test_file_info_and_files_filter_as_the_member_sees(slackline: Slackline) -> None:
    alice, bob, general, _ = people(slackline)
    file = slackline.upload(bob, "bob's", channels=general)
    assert slackline.file_info(alice, file["id"])["user"] == bob.id
    assert [f["id"] for f in slackline.files(alice, user=bob.id)] == [file["id"]]
    assert slackline.files(alice, user=alice.id) == []


def test_delete_file_removes_it(slackline: Slackline) -> None:
    alice, _, general, _ = people(slackline)
    file = slackline.upload(alice, "temporary", channels=general)
    slackline.delete_file(alice, file["id"])
    assert slackline.download(alice, file) is None
    assert slackline.act(alice, "files.info", file=file["id"])["error"] == "file_deleted"
