"""Workspace files: every key, the loading semantics of decisions F.3, and clear errors."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slackline.clock import SystemClock
from slackline.domain.models import (
    Bot,
    Conversation,
    Message,
    Team,
    TeamState,
    Token,
    TokenType,
    User,
)
from slackline.domain.workspace_file import WorkspaceFileError
from slackline.services.identity import IdentityService, TokenHasher
from slackline.services.workspace import WorkspaceService, parse_workspace_text
from slackline.storage import Store, open_store
from tests.helpers.http import TEST_SECRET, WORKSPACE_FILE

MINIMAL = """
teams:
  - id: T1
    users: [{id: U1}]
    bots: [{id: B1, user_id: UB1}]
"""


@dataclasses.dataclass
class Loader:
    """A workspace service on a real SQLite file, driven from synchronous tests."""

    runner: asyncio.Runner
    store: Store
    identities: IdentityService
    service: WorkspaceService
    database: Path

    def load(self, text: str) -> list[str]:
        """Load a YAML document given as text."""
        return self.runner.run(self.service.load_document(parse_workspace_text(text)))

    def token(self, text: str) -> Token | None:
        """The stored token for some token text."""
        return self.runner.run(self.store.get_token(self.identities.hash(text)))

    def snapshot(self, team_id: str) -> dict[str, Any]:
        """Everything stored for a team, for before/after comparisons."""
        run, store = self.runner.run, self.store
        conversations = run(
            store.list_conversations(
                team_id,
                ("public_channel", "private_channel", "im", "mpim"),
                viewer="",
                exclude_archived=False,
                after="",
                limit=1000,
            )
        )
        return {
            "team": run(store.get_team(team_id)),
            "users": run(store.list_users(team_id, "", 1000)),
            "bots": run(store.list_bots(team_id)),
            "conversations": conversations,
            "members": {c.id: run(store.list_members(c.id, "", 1000)) for c in conversations},
            "tokens": run(store.list_tokens(team_id)),
        }


@pytest.fixture
def loader(tmp_path: Path) -> Iterator[Loader]:
    """A loader on an empty, migrated database."""
    database = tmp_path / "workspace.db"
    with asyncio.Runner() as runner:
        store = open_store(f"sqlite:///{database}")
        runner.run(store.migrate())
        identities = IdentityService(store, TokenHasher(TEST_SECRET))
        service = WorkspaceService(store, identities, SystemClock())
        yield Loader(runner, store, identities, service, database)
        runner.run(store.close())


def _fails(loader: Loader, text: str, message: str) -> None:
    with pytest.raises(WorkspaceFileError, match=re.escape(message)):
        loader.load(text)


# Every key


def test_every_team_key_is_stored(loader: Loader) -> None:
    loader.load("""
teams:
  - id: T1
    name: Acme
    domain: acme
    email_domain: acme.example
    enterprise: {id: E1, name: Acme Grid}
    state: migrating
    ekm_revoked: true
    require_2fa: true
    allowed_networks: [10.0.0.0/8, "2001:db8::/32"]
    rtm_denied: [U9, B9]
""")
    team = loader.runner.run(loader.store.get_team("T1"))
    assert team == Team(
        "T1", "Acme", "acme", "E1", "Acme Grid", TeamState.MIGRATING, True, True,
        ("10.0.0.0/8", "2001:db8::/32"), ("U9", "B9"), "acme.example", team.created if team else 0,
    )  # fmt: skip


def test_a_new_team_defaults_to_an_active_team_named_after_its_id(loader: Loader) -> None:
    loader.load("teams: [{id: T1}]")
    team = loader.runner.run(loader.store.get_team("T1"))
    assert team is not None
    assert (team.name, team.domain, team.state, team.enterprise_id) == (
        "T1", "t1", TeamState.ACTIVE, None,
    )  # fmt: skip


@pytest.mark.parametrize("state", [s.value for s in TeamState])
def test_every_team_state_is_accepted(loader: Loader, state: str) -> None:
    loader.load(f"teams: [{{id: T1, state: {state}}}]")
    team = loader.runner.run(loader.store.get_team("T1"))
    assert team is not None and team.state.value == state


def test_a_null_enterprise_takes_a_team_out_of_its_grid(loader: Loader) -> None:
    loader.load("teams: [{id: T1, enterprise: {id: E1, name: Grid}}]")
    loader.load("teams: [{id: T1, enterprise: null}]")
    team = loader.runner.run(loader.store.get_team("T1"))
    assert team is not None and team.enterprise_id is None


def test_every_user_key_is_stored(loader: Loader) -> None:
    loader.load("""
teams:
  - id: T1
    users:
      - id: U1
        name: alice
        real_name: Alice Example
        is_admin: true
        is_owner: true
        has_2fa: true
        deleted: true
        tz: Europe/Paris
        profile: {title: Boss}
        manual_away: true
""")
    user = loader.runner.run(loader.store.get_user("U1"))
    assert user is not None
    assert dataclasses.replace(user, updated=0) == User(
        "U1", "T1", "alice", "Alice Example", True, True, False, None, True, True,
        "Europe/Paris", {"title": "Boss"}, True, 0,
    )  # fmt: skip


def test_a_users_password_is_stored_only_as_its_argon2id_hash(loader: Loader) -> None:
    loader.load("teams: [{id: T1, users: [{id: U1, password: open-sesame}]}]")
    stored = loader.runner.run(loader.store.web_sessions.get_password("U1"))
    assert stored is not None and stored.startswith("$argon2id$")
    assert "open-sesame" not in stored


def test_loading_the_same_password_again_keeps_its_hash(loader: Loader) -> None:
    document = "teams: [{id: T1, users: [{id: U1, password: open-sesame}]}]"
    loader.load(document)
    first = loader.runner.run(loader.store.web_sessions.get_password("U1"))
    loader.load(document)
    assert loader.runner.run(loader.store.web_sessions.get_password("U1")) == first


def test_a_short_password_is_refused_without_repeating_it(loader: Loader) -> None:
    with pytest.raises(WorkspaceFileError) as refused:
        loader.load("teams: [{id: T1, users: [{id: U1, password: tiny}]}]")
    assert "password: a password has at least 8 characters" in str(refused.value)
    assert "tiny" not in str(refused.value)


def test_a_new_user_is_named_after_its_id(loader: Loader) -> None:
    loader.load(MINIMAL)
    user = loader.runner.run(loader.store.get_user("U1"))
    assert user is not None and (user.name, user.deleted, user.is_bot) == ("u1", False, False)


def test_a_bot_creates_its_bot_user(loader: Loader) -> None:
    loader.load("teams: [{id: T1, bots: [{id: B1, user_id: UB1, name: pybot}]}]")
    user = loader.runner.run(loader.store.get_user("UB1"))
    assert user is not None
    assert (user.name, user.real_name, user.is_bot, user.bot_id) == ("pybot", "pybot", True, "B1")


def test_every_bot_key_is_stored(loader: Loader) -> None:
    loader.load("teams: [{id: T1, bots: [{id: B1, user_id: UB1, name: pybot, deleted: true}]}]")
    bot = loader.runner.run(loader.store.get_bot("B1"))
    assert bot is not None and dataclasses.replace(bot, updated=0) == Bot(
        "B1", "T1", "UB1", "pybot", True
    )


def test_a_deleted_bot_deletes_its_bot_user(loader: Loader) -> None:
    loader.load("teams: [{id: T1, bots: [{id: B1, user_id: UB1, deleted: true}]}]")
    user = loader.runner.run(loader.store.get_user("UB1"))
    assert user is not None and user.deleted is True


def test_every_conversation_key_is_stored(loader: Loader) -> None:
    loader.load("""
teams:
  - id: T1
    users: [{id: U1}, {id: U2}]
    conversations:
      - id: D1
        name: dm
        is_private: true
        is_im: true
        is_general: false
        is_archived: true
        creator: U1
        topic: the topic
        purpose: the purpose
        user: U2
        members: [U1, U2]
      - {id: M1, name: group, is_mpim: true, is_general: true}
""")
    dm = loader.runner.run(loader.store.get_conversation("D1"))
    assert dm is not None and dataclasses.replace(dm, created=0) == Conversation(
        "D1", "T1", "dm", True, True, False, False, True, "U1", 0, "the topic", "the purpose", "U2"
    )
    group = loader.runner.run(loader.store.get_conversation("M1"))
    assert group is not None and (group.is_mpim, group.is_general) == (True, True)
    assert loader.runner.run(loader.store.list_members("D1", "", 10)) == ["U1", "U2"]


def test_every_token_key_is_stored(loader: Loader) -> None:
    loader.load("""
teams:
  - id: T1
    users: [{id: U1}]
    tokens:
      - token: xoxp-full
        user: U1
        type: user
        scopes: [client, "chat:write"]
        revoked: true
        expires_at: 2030-01-01T00:00:00Z
        allowed_networks: [192.168.0.0/16]
        created_after_2021_11_30: true
""")
    token = loader.token("xoxp-full")
    assert token is not None and dataclasses.replace(token, hash="", created=0) == Token(
        "", "T1", "U1", TokenType.USER, ("client", "chat:write"), True, 1893456000.0,
        ("192.168.0.0/16",), True, 0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "scopes"),
    [
        ("classic_bot", ("identify", "bot:basic")),
        ("user", ("client",)),
        ("granular_bot", ()),
        ("app", ()),
        ("workspace", ()),
        ("org", ()),
    ],
)
def test_a_token_without_scopes_gets_the_default_scopes_of_its_type(
    loader: Loader, kind: str, scopes: tuple[str, ...]
) -> None:
    loader.load(
        f"teams: [{{id: T1, users: [{{id: U1}}], tokens: [{{token: t, user: U1, type: {kind}}}]}}]"
    )
    token = loader.token("t")
    assert token is not None and (token.type.value, token.scopes) == (kind, scopes)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("xoxb-1", TokenType.CLASSIC_BOT),
        ("xoxp-1", TokenType.USER),
        ("xapp-1", TokenType.APP),
        ("xoxa-1", TokenType.WORKSPACE),
        ("xoxe-1", TokenType.ORG),
    ],
)
def test_a_token_without_type_takes_it_from_its_prefix(
    loader: Loader, text: str, kind: TokenType
) -> None:
    loader.load(f"teams: [{{id: T1, users: [{{id: U1}}], tokens: [{{token: {text}, user: U1}}]}}]")
    token = loader.token(text)
    assert token is not None and token.type is kind


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("2030-01-01T00:00:00Z", 1893456000.0),
        ("'2030-01-01T01:00:00+01:00'", 1893456000.0),
        ("2030-01-01", 1893456000.0),
        ("1893456000", 1893456000.0),
        ("null", None),
    ],
)
def test_expires_at_accepts_timestamps_dates_epoch_seconds_and_null(
    loader: Loader, written: str, seconds: float | None
) -> None:
    loader.load(f"""
teams:
  - id: T1
    users: [{{id: U1}}]
    tokens: [{{token: xoxb-t, user: U1, expires_at: {written}}}]
""")
    token = loader.token("xoxb-t")
    assert token is not None and token.expires_at == seconds


def test_json_documents_are_accepted(loader: Loader) -> None:
    assert loader.load('{"teams": [{"id": "T1", "users": [{"id": "U1"}]}]}') == ["T1"]


def test_the_test_workspace_file_loads(loader: Loader) -> None:
    teams = loader.runner.run(loader.service.load_file(WORKSPACE_FILE))
    assert teams == [f"T000{i}" for i in range(1, 10)]


# Loading semantics (decisions F.3)


def test_loading_updates_only_the_declared_fields(loader: Loader) -> None:
    loader.load("teams: [{id: T1, name: Acme, require_2fa: true, users: [{id: U1, name: al}]}]")
    loader.load("teams: [{id: T1, name: Renamed, users: [{id: U1, is_admin: true}]}]")
    team = loader.runner.run(loader.store.get_team("T1"))
    user = loader.runner.run(loader.store.get_user("U1"))
    assert team is not None and (team.name, team.require_2fa) == ("Renamed", True)
    assert user is not None and (user.name, user.is_admin) == ("al", True)


def test_redeclaring_a_token_keeps_its_scopes_and_type(loader: Loader) -> None:
    loader.load("""
teams: [{id: T1, users: [{id: U1}], tokens: [{token: t, user: U1, type: user, scopes: [x]}]}]
""")
    loader.load("teams: [{id: T1, tokens: [{token: t, revoked: true}]}]")
    token = loader.token("t")
    assert token is not None and (token.type, token.scopes, token.revoked) == (
        TokenType.USER, ("x",), True,
    )  # fmt: skip


def test_loading_never_deletes_what_was_created_at_run_time(loader: Loader) -> None:
    loader.load("teams: [{id: T1, users: [{id: U1}], conversations: [{id: C1, members: [U1]}]}]")
    run, store = loader.runner.run, loader.store
    run(store.put_user(User("U2", "T1", "runtime")))
    run(store.put_conversation(Conversation("C2", "T1", "runtime")))
    run(store.add_members("C1", ["U2"]))
    message = run(store.insert_message(Message("C1", "", "T1", "U1", "hi"), 1.7e9))
    loader.load("teams: [{id: T1, users: [{id: U1}], conversations: [{id: C1, members: [U1]}]}]")
    assert run(store.get_user("U2")) is not None
    assert run(store.get_conversation("C2")) is not None
    assert run(store.list_members("C1", "", 10)) == ["U1", "U2"]
    assert run(store.get_message("C1", message.ts)) == message


def test_a_token_revoked_at_run_time_stays_revoked_after_a_reload(loader: Loader) -> None:
    document = "teams: [{id: T1, users: [{id: U1}], tokens: [{token: xoxp-1, user: U1}]}]"
    loader.load(document)
    loader.runner.run(loader.service.revoke_token("xoxp-1"))
    loader.load(document)
    token = loader.token("xoxp-1")
    assert token is not None and token.revoked is True


def test_the_same_team_in_two_files_is_merged_with_the_later_file_winning(
    loader: Loader,
) -> None:
    loader.load("teams: [{id: T1, name: First, domain: first, users: [{id: U1}]}]")
    loader.load("teams: [{id: T1, name: Second, require_2fa: true, users: [{id: U2}]}]")
    team = loader.runner.run(loader.store.get_team("T1"))
    assert team is not None
    assert (team.name, team.domain, team.require_2fa) == ("Second", "first", True)
    assert [u.id for u in loader.runner.run(loader.store.list_users("T1", "", 10))] == [
        "U1", "U2",
    ]  # fmt: skip


def test_loading_the_same_file_twice_changes_nothing(loader: Loader) -> None:
    loader.runner.run(loader.service.load_file(WORKSPACE_FILE))
    before = loader.snapshot("T0001")
    loader.runner.run(loader.service.load_file(WORKSPACE_FILE))
    assert loader.snapshot("T0001") == before


def test_a_document_with_an_error_changes_nothing(loader: Loader) -> None:
    with pytest.raises(WorkspaceFileError):
        loader.load("""
teams:
  - {id: T1, users: [{id: U1}]}
  - {id: T2, tokens: [{token: x, user: U9, type: user}]}
""")
    assert loader.runner.run(loader.store.list_teams()) == []


def test_tokens_are_stored_only_as_keyed_hashes(loader: Loader) -> None:
    loader.runner.run(loader.service.load_file(WORKSPACE_FILE))
    loader.runner.run(loader.store.close())
    # The database file and its WAL/shm companions, whatever has been checkpointed.
    raw = b"".join(p.read_bytes() for p in loader.database.parent.glob(f"{loader.database.name}*"))
    assert loader.identities.hash("xoxb-1-classic").encode() in raw
    for text in ("xoxb-1-classic", "xoxp-1-client", "xapp-1-app", "xoxe-1-org"):
        assert text.encode() not in raw


# Errors name the place


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{teamz: []}", "workspace: unknown key 'teamz'"),
        ("teams: [{id: T1, colour: red}]", "teams[0]: unknown key 'colour'"),
        (
            "teams: [{id: T1, users: [{id: U1, admin: true}]}]",
            "teams[0].users[0]: unknown key 'admin'",
        ),
        (
            "teams: [{id: T1, bots: [{id: B1, user_id: U, x: 1}]}]",
            "teams[0].bots[0]: unknown key 'x'",
        ),
        (
            "teams: [{id: T1, conversations: [{id: C1, private: true}]}]",
            "teams[0].conversations[0]: unknown key 'private'",
        ),
        (
            "teams: [{id: T1, tokens: [{token: xoxb-1, user: U1, scope: [a]}]}]",
            "teams[0].tokens[0]: unknown key 'scope'",
        ),
        (
            "teams: [{id: T1, enterprise: {id: E1, region: eu}}]",
            "teams[0].enterprise: unknown key 'region'",
        ),
    ],
)
def test_an_unknown_key_is_an_error_naming_its_place(
    loader: Loader, document: str, message: str
) -> None:
    _fails(loader, document, message)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("teams: {id: T1}", "workspace.teams: expected a list, got dict"),
        ("teams: [{id: 5}]", "teams[0].id: expected a non-empty string, got int"),
        ("teams: [{id: T1, name: 5}]", "teams[0].name: expected a string, got int"),
        ("teams: [{id: T1, require_2fa: 'yes'}]", "teams[0].require_2fa: expected true or false"),
        ("teams: [{id: T1, rtm_denied: U1}]", "teams[0].rtm_denied: expected a list"),
        (
            "teams: [{id: T1, allowed_networks: [10.0.0.0/33]}]",
            "teams[0].allowed_networks[0]: not a network",
        ),
        (
            "teams: [{id: T1, users: [{id: U1, profile: [a]}]}]",
            "teams[0].users[0].profile: expected a mapping",
        ),
        ("teams: [{id: T1, users: {id: U1}}]", "teams[0].users: expected a list"),
        (
            "teams: [{id: T1, conversations: [{id: C1, members: U1}]}]",
            "teams[0].conversations[0].members: expected a list",
        ),
        (
            "teams: [{id: T1, tokens: [{token: xoxb-1, user: U1, scopes: 'a,b'}]}]",
            "teams[0].tokens[0].scopes: expected a list",
        ),
    ],
)
def test_a_wrong_type_is_an_error_naming_its_place(
    loader: Loader, document: str, message: str
) -> None:
    _fails(loader, document, message)


def test_an_unknown_state_is_an_error_listing_the_states(loader: Loader) -> None:
    _fails(
        loader,
        "teams: [{id: T1, state: frozen}]",
        "teams[0].state: unknown state 'frozen' (one of: active,",
    )


def test_an_unknown_token_type_is_an_error_listing_the_types(loader: Loader) -> None:
    _fails(
        loader,
        "teams: [{id: T1, tokens: [{token: xoxb-1, user: U1, type: legacy}]}]",
        "teams[0].tokens[0].type: unknown token type 'legacy' (one of: classic_bot,",
    )


@pytest.mark.parametrize(
    ("written", "message"),
    [("tomorrow", "not an ISO 8601 timestamp: 'tomorrow'"), ("true", "expected a timestamp")],
)
def test_a_bad_timestamp_is_an_error_naming_its_place(
    loader: Loader, written: str, message: str
) -> None:
    _fails(
        loader,
        f"teams: [{{id: T1, tokens: [{{token: xoxb-1, user: U1, expires_at: {written}}}]}}]",
        f"teams[0].tokens[0].expires_at: {message}",
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("teams: [{name: Acme}]", "teams[0].id: required"),
        ("teams: [{id: T1, bots: [{id: B1}]}]", "teams[0].bots[0].user_id: required"),
        ("teams: [{id: T1, tokens: [{user: U1}]}]", "teams[0].tokens[0].token: required"),
        ("teams: [{id: T1, enterprise: {name: Grid}}]", "teams[0].enterprise.id: required"),
    ],
)
def test_a_missing_required_key_is_an_error_naming_its_place(
    loader: Loader, document: str, message: str
) -> None:
    _fails(loader, document, message)


def test_a_token_with_an_unknown_prefix_needs_a_type(loader: Loader) -> None:
    _fails(
        loader,
        "teams: [{id: T1, users: [{id: U1}], tokens: [{token: secret, user: U1}]}]",
        "teams[0].tokens[0].type: required when the token does not start with one of xoxb-",
    )


def test_a_new_token_needs_a_user(loader: Loader) -> None:
    _fails(
        loader, "teams: [{id: T1, tokens: [{token: xoxb-1}]}]", "teams[0].tokens[0].user: required"
    )


def test_a_token_for_a_user_outside_its_team_is_an_error(loader: Loader) -> None:
    loader.load("teams: [{id: T2, users: [{id: U2}]}]")
    _fails(
        loader,
        "teams: [{id: T1, tokens: [{token: xoxb-1, user: U2}]}]",
        "teams[0].tokens[0].user: no user U2 in team T1",
    )


def test_a_user_of_another_team_cannot_be_redeclared(loader: Loader) -> None:
    loader.load("teams: [{id: T2, users: [{id: U1}]}]")
    _fails(
        loader,
        "teams: [{id: T1, users: [{id: U1}]}]",
        "teams[0].users[0]: user U1 belongs to team T2",
    )


def test_an_empty_document_is_an_error(loader: Loader) -> None:
    _fails(loader, "", "workspace: empty document")


def test_a_file_error_names_the_file(loader: Loader, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("teams: [{id: T1, colour: red}]")
    with pytest.raises(WorkspaceFileError, match=re.escape(f"{path}: teams[0]: unknown key")):
        loader.runner.run(loader.service.load_file(str(path)))


def test_invalid_yaml_is_an_error_naming_the_file(loader: Loader, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("teams: [\n")
    with pytest.raises(WorkspaceFileError, match=re.escape(f"{path}: not valid YAML")):
        loader.runner.run(loader.service.load_file(str(path)))


# The workspace area's keys: emoji, user groups, profile fields


def test_emoji_user_groups_and_profile_fields_are_stored(loader: Loader) -> None:
    loader.load("""
teams:
  - id: T1
    users: [{id: U1, name: ann}, {id: U2, name: ben}]
    conversations: [{id: C1, name: general}]
    emoji: {":parrot:": "https://e.x/p.gif", party: "alias:parrot"}
    usergroups:
      - {id: S1, name: Ops Team, description: d, users: [U2, U1], channels: [C1],
         created_by: U1}
    profile_fields:
      - {id: Xf1, label: Office, type: options_list, possible_values: [Paris], ordering: 2,
         is_hidden: true}
""")
    run, store = loader.runner.run, loader.store
    assert {e.name: e.value for e in run(store.emoji.list_emoji("T1"))} == {
        "parrot": "https://e.x/p.gif",
        "party": "alias:parrot",
    }
    group = run(store.usergroups.get_usergroup("S1"))
    assert group is not None
    assert (group.handle, group.channels, group.created_by) == ("ops-team", ("C1",), "U1")
    assert run(store.usergroups.list_usergroup_users("S1")) == ["U1", "U2"]
    (field,) = run(store.prefs.list_profile_fields("T1"))
    assert (field.type, field.possible_values, field.is_hidden) == (
        "options_list",
        ("Paris",),
        True,
    )


def test_a_group_s_members_are_only_ever_added(loader: Loader) -> None:
    loader.load(MINIMAL.replace("users: [{id: U1}]", "users: [{id: U1}, {id: U2}]")
                + "    usergroups: [{id: S1, name: G, users: [U1]}]\n")  # fmt: skip
    loader.load("teams: [{id: T1, usergroups: [{id: S1, users: [U2]}]}]")
    assert loader.runner.run(loader.store.usergroups.list_usergroup_users("S1")) == ["U1", "U2"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("usergroups: [{id: S1, name: G, users: [U9]}]", "usergroups[0]"),
        ("usergroups: [{id: S1, name: G, colour: red}]", "unknown key 'colour'"),
        ("usergroups: [{id: S1, name: G, handle: everyone}]", "usergroups[0].handle"),
        ("emoji: {parrot: not-a-url}", "emoji.parrot"),
        ("emoji: [parrot]", "emoji"),
        ("profile_fields: [{id: Xf1, type: colour}]", "profile_fields[0].type"),
    ],
)
def test_broken_workspace_area_keys_are_errors(loader: Loader, entry: str, message: str) -> None:
    _fails(loader, MINIMAL + f"    {entry}\n", message)
