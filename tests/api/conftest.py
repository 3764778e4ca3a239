"""Fixtures of the OAuth client tests: a Slackline whose people have passwords (the web
tests' workspace) and its alice, signed in without a browser, both shared by a module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.http import serving
from tests.helpers.signin import Browserless
from tests.web.conftest import ACCOUNTS, start_web_server


@pytest.fixture(scope="module")
def people_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the module, whose people sign in; each test registers its apps."""
    yield from serving(start_web_server(tmp_path_factory.mktemp("people")))


@pytest.fixture(scope="module")
def alice(people_server: ServerThread) -> Browserless:
    """Acme's alice, signed in without a browser."""
    person = Browserless(people_server.port)
    assert person.sign_in(ACCOUNTS["alice"]).status == 303
    return person
