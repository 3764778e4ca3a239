"""The demo workspace and banner (demo.py): its people have passwords, printed with the
sign-in URL, and those passwords sign them in."""

from __future__ import annotations

from pathlib import Path

from slackline.demo import banner, demo_sign_ins, demo_workspace_path
from tests.helpers.http import start_server
from tests.helpers.signin import Browserless


def test_the_banner_prints_the_sign_in_url_and_every_demo_password() -> None:
    text = banner("http://127.0.0.1:8080", None)
    assert "http://127.0.0.1:8080/signin" in text
    for team, email, password in demo_sign_ins():
        assert team in text and email in text and password in text


def test_every_demo_person_signs_in_with_the_printed_password(tmp_path: Path) -> None:
    server = start_server(tmp_path, workspaces=(demo_workspace_path(),))
    try:
        for team, email, password in demo_sign_ins():
            client = Browserless(server.port)
            form = {"team": team, "email": email, "password": password}
            answer = client.request("POST", "/signin", {**form, "csrf": client.form_csrf()})
            assert answer.status == 303, email
    finally:
        server.stop()


def test_the_banner_names_the_inspector() -> None:
    assert "http://127.0.0.1:8080/inspector" in banner("http://127.0.0.1:8080", None)
