"""A team's ``apps`` in the workspace file: every key as a plain value, and clear errors."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from slackline.domain.workspace_file import Declared, WorkspaceFileError, parse_workspace

EVERY_KEY = """
teams:
  - id: T1
    apps:
      - id: A1
        name: Weather Bot
        kind: classic
        client_id: "1111.2222"
        client_secret: demo-client-secret
        signing_secret: demo-signing-secret
        redirect_urls: [http://127.0.0.1:8000/oauth/callback]
        scopes: [bot, client, identify]
        bot_user: UB1
        distributed: true
      - id: A2
        name: New Bot
        kind: granular
        redirect_urls: https://bot.example/cb
        scopes: chat:write, channels:history
        user_scopes: [search:read]
        token_rotation: true
"""


def apps_of(text: str) -> list[Declared]:
    """The apps the first team of a YAML document declares."""
    return parse_workspace(yaml.safe_load(text))[0].apps


def app_document(**fields: Any) -> str:
    """A document with one app of these fields (a valid classic app unless overridden)."""
    app = {
        "id": "A1", "name": "Bot", "kind": "classic",
        "redirect_urls": ["http://127.0.0.1/cb"], "scopes": ["bot"], **fields,
    }  # fmt: skip
    return yaml.safe_dump({"teams": [{"id": "T1", "apps": [app]}]})


def refused(text: str) -> str:
    """The message of the error parsing the document raises."""
    with pytest.raises(WorkspaceFileError) as error:
        apps_of(text)
    return str(error.value)


def test_every_app_key_is_parsed_into_plain_values() -> None:
    classic = apps_of(EVERY_KEY)[0]
    assert (classic.id, classic.path) == ("A1", "teams[0].apps[0]")
    assert classic.fields == {
        "name": "Weather Bot",
        "kind": "classic",
        "client_id": "1111.2222",
        "client_secret": "demo-client-secret",
        "signing_secret": "demo-signing-secret",
        "redirect_urls": ["http://127.0.0.1:8000/oauth/callback"],
        "scopes": ["bot", "client", "identify"],
        "bot_user": "UB1",
        "distributed": True,
    }


def test_scopes_may_be_comma_separated_text_and_one_redirect_url_a_string() -> None:
    granular = apps_of(EVERY_KEY)[1]
    assert granular.fields["scopes"] == ["chat:write", "channels:history"]
    assert granular.fields["redirect_urls"] == ["https://bot.example/cb"]
    assert granular.fields["token_rotation"] is True


def test_only_the_keys_a_file_states_are_declared() -> None:
    app = apps_of("teams: [{id: T1, apps: [{id: A1, name: Renamed}]}]")[0]
    assert app.fields == {"name": "Renamed"}


def test_a_team_without_apps_declares_none() -> None:
    assert apps_of("teams: [{id: T1}]") == []


def test_an_app_without_an_id_is_an_error_naming_its_place() -> None:
    assert refused("teams: [{id: T1, apps: [{name: Bot}]}]") == "teams[0].apps[0].id: required"


def test_an_unknown_app_key_is_an_error_listing_the_keys() -> None:
    message = refused(app_document(secret="x"))
    assert message.startswith("teams[0].apps[0]: unknown key 'secret' (allowed: bot_user,")


def test_apps_must_be_a_list() -> None:
    assert refused("teams: [{id: T1, apps: {id: A1}}]").startswith("teams[0].apps: expected a list")


def test_apps_is_a_key_a_team_allows() -> None:
    assert "apps" in refused("teams: [{id: T1, appz: []}]")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "legacy"}, "teams[0].apps[0].kind: classic or granular"),
        ({"name": ""}, "teams[0].apps[0].name: required text"),
        ({"name": "x" * 36}, "teams[0].apps[0].name: at most 35 printable characters"),
        (
            {"redirect_urls": ["ftp://host/cb"]},
            "teams[0].apps[0].redirect_urls: 'ftp://host/cb' is not an absolute http(s) URL",
        ),
        ({"redirect_urls": []}, "teams[0].apps[0].redirect_urls: one or more absolute"),
        ({"scopes": ["Bad Scope"]}, "teams[0].apps[0].scopes: 'Bad Scope' is not a scope"),
        ({"user_scopes": [5]}, "teams[0].apps[0].user_scopes: 5 is not a scope name"),
        ({"scopes": 5}, "teams[0].apps[0].scopes: a list of scopes or comma-separated text"),
        ({"token_rotation": "yes"}, "teams[0].apps[0].token_rotation: expected true or false"),
        ({"distributed": 1}, "teams[0].apps[0].distributed: expected true or false"),
        ({"bot_user": ""}, "teams[0].apps[0].bot_user: expected a non-empty string"),
        ({"client_id": ""}, "teams[0].apps[0].client_id: a client id of 1 to 64 printable"),
    ],
)
def test_a_bad_app_field_is_an_error_naming_its_place(fields: dict[str, Any], message: str) -> None:
    assert refused(app_document(**fields)).startswith(message)


@pytest.mark.parametrize("name", ["client_secret", "signing_secret"])
def test_a_bad_secret_is_refused_without_repeating_it(name: str) -> None:
    message = refused(app_document(**{name: "short\x07"}))
    assert message == f"teams[0].apps[0].{name}: a secret of 8 to 256 printable characters"
