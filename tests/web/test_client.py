"""The web client's page and assets over plain HTTP: `/` signed in and signed out, the boot
block, the assets' types and caching, traversal refused, and the strict policy on each."""

from __future__ import annotations

import http.client
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from slackline.testing.server import ServerThread
from slackline.web.client import STATIC_DIR, boot_json, load_asset
from tests.helpers.http import serving
from tests.web.conftest import ACCOUNTS, start_web_server


@dataclass
class Raw:
    """A raw HTTP answer: status, lower-cased headers and body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


def fetch(port: int, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Raw:
    """One request; the answer as bytes (pages and assets are not JSON)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return Raw(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        connection.close()


def sign_in(port: int, name: str) -> str:
    """Sign in through the form as a browser would; the ``d`` cookie's value."""
    form = fetch(port, "/signin")
    match = re.search(rb'name="csrf" value="([^"]+)"', form.body)
    assert match is not None, form.body
    cookies = "; ".join(
        value.split(";", 1)[0] for key, value in form.headers.items() if key == "set-cookie"
    )
    account = ACCOUNTS[name]
    body = urlencode(
        {
            "csrf": match.group(1).decode(),
            "team": account.team,
            "email": account.email,
            "password": account.password,
        }
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookies:
            headers["Cookie"] = cookies
        connection.request("POST", "/signin", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 303, response.status
        for key, value in response.getheaders():
            if key.lower() == "set-cookie" and value.startswith("d="):
                return value.split(";", 1)[0][2:]
    finally:
        connection.close()
    raise AssertionError("no d cookie")


def boot_of(page: bytes) -> dict[str, str]:
    """The JSON of the page's boot block."""
    match = re.search(rb'<script id="boot" type="application/json">(.*?)</script>', page)
    assert match is not None
    document: dict[str, str] = json.loads(match.group(1))
    return document


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    yield from serving(start_web_server(tmp_path_factory.mktemp("client")))


@pytest.fixture(scope="module")
def alice_cookie(server: ServerThread) -> str:
    return sign_in(server.port, "alice")


def test_signed_out_root_redirects_to_signin(server: ServerThread) -> None:
    answer = fetch(server.port, "/")
    assert answer.status == 303
    assert answer.headers["location"] == "/signin"


def test_signed_in_root_is_the_client_page(server: ServerThread, alice_cookie: str) -> None:
    answer = fetch(server.port, "/", headers={"Cookie": f"d={alice_cookie}"})
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert b'<script type="module" src="/static/app.js"></script>' in answer.body


def test_boot_block_names_the_person_and_their_client_token(
    server: ServerThread, alice_cookie: str
) -> None:
    answer = fetch(server.port, "/", headers={"Cookie": f"d={alice_cookie}"})
    boot = boot_of(answer.body)
    assert boot["user_id"] == "U0001"
    assert boot["team_id"] == "T0001"
    assert boot["token"].startswith("xoxc-")
    assert boot["csrf"]
    assert boot["api"] == "/api/"


def test_boot_token_works_with_its_cookie(server: ServerThread, alice_cookie: str) -> None:
    token = boot_of(fetch(server.port, "/", headers={"Cookie": f"d={alice_cookie}"}).body)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/api/auth.test",
            body=urlencode({"token": token["token"]}),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"d={alice_cookie}",
            },
        )
        answer = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    assert answer["ok"] is True
    assert answer["user_id"] == "U0001"


def test_client_page_is_never_cached(server: ServerThread, alice_cookie: str) -> None:
    answer = fetch(server.port, "/", headers={"Cookie": f"d={alice_cookie}"})
    assert answer.headers["cache-control"] == "no-store"


def test_client_page_has_a_strict_policy(server: ServerThread, alice_cookie: str) -> None:
    answer = fetch(server.port, "/", headers={"Cookie": f"d={alice_cookie}"})
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "connect-src 'self' ws: wss:" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"


def test_client_page_has_no_inline_script_but_the_boot_block(
    server: ServerThread, alice_cookie: str
) -> None:
    page = fetch(server.port, "/", headers={"Cookie": f"d={alice_cookie}"}).body
    scripts = re.findall(rb"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    inline = [attrs for attrs, body in scripts if body.strip()]
    assert inline == [b' id="boot" type="application/json"']


def test_client_page_loads_nothing_from_outside(server: ServerThread, alice_cookie: str) -> None:
    page = fetch(server.port, "/", headers={"Cookie": f"d={alice_cookie}"}).body
    assert not re.search(rb'(src|href)="(https?:)?//', page)


def test_root_refuses_a_post(server: ServerThread) -> None:
    answer = fetch(server.port, "/", method="POST")
    assert answer.status == 405
    assert answer.headers["allow"] == "GET, HEAD"


def test_other_paths_still_answer_not_found(server: ServerThread) -> None:
    answer = fetch(server.port, "/no-such-page")
    assert answer.status == 404


def test_boot_json_cannot_close_its_script_element() -> None:
    text = boot_json({"token": "</script><script>alert(1)</script>&"})
    assert "<" not in text
    assert ">" not in text
    assert json.loads(text)["token"] == "</script><script>alert(1)</script>&"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("client.css", "text/css; charset=utf-8"),
        ("logo.svg", "image/svg+xml"),
    ],
)
def test_asset_is_served_with_its_content_type(
    server: ServerThread, name: str, content_type: str
) -> None:
    answer = fetch(server.port, f"/static/{name}")
    assert answer.status == 200
    assert answer.headers["content-type"] == content_type
    assert answer.body == (STATIC_DIR / name).read_bytes()


def test_asset_is_revalidated_by_etag(server: ServerThread) -> None:
    first = fetch(server.port, "/static/app.js")
    assert first.headers["cache-control"] == "no-cache"
    again = fetch(server.port, "/static/app.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304
    assert again.body == b""


def test_asset_carries_the_policy(server: ServerThread) -> None:
    answer = fetch(server.port, "/static/client.css")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_head_of_an_asset_has_no_body(server: ServerThread) -> None:
    answer = fetch(server.port, "/static/app.js", method="HEAD")
    assert answer.status == 200
    assert answer.body == b""


@pytest.mark.parametrize(
    "path",
    [
        "/static/../client.py",
        "/static/%2e%2e/client.py",
        "/static/..%2fclient.py",
        "/static/..%5cclient.py",
        "/static//etc/passwd",
        "/static/.hidden.js",
        "/static/",
        "/static/missing.js",
        "/static/client.py",
    ],
)
def test_asset_outside_the_folder_or_unknown_is_not_found(server: ServerThread, path: str) -> None:
    answer = fetch(server.port, path)
    assert answer.status == 404
    assert b"import" not in answer.body


def test_asset_refuses_a_post(server: ServerThread) -> None:
    assert fetch(server.port, "/static/app.js", method="POST").status == 405


def test_every_shipped_asset_is_loadable() -> None:
    names = [p.name for p in STATIC_DIR.iterdir() if p.is_file()]
    assert "app.js" in names
    for name in names:
        assert load_asset(name) is not None, name


def test_modules_import_only_shipped_modules() -> None:
    for path in STATIC_DIR.glob("*.js"):
        for target in re.findall(r'from "([^"]+)"', path.read_text(encoding="utf-8")):
            assert target.startswith("./"), (path.name, target)
            assert (STATIC_DIR / Path(target).name).is_file(), (path.name, target)


def test_modules_never_set_inner_html() -> None:
    for path in STATIC_DIR.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert "innerHTML" not in text, path.name
        assert "outerHTML" not in text, path.name
        assert "insertAdjacentHTML" not in text, path.name


def test_favicon_is_the_logo(server: ServerThread) -> None:
    answer = fetch(server.port, "/favicon.ico")
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/svg+xml"
    assert answer.body == (STATIC_DIR / "logo.svg").read_bytes()


def test_assets_are_package_data() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text("utf-8"))
    assert "web/static/*" in pyproject["tool"]["setuptools"]["package-data"]["slackline"]
