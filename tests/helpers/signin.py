"""A browser without JavaScript, over plain HTTP: a cookie jar, the sign-in form and its CSRF
token, the client page's boot data and Web API calls with the session's cookie."""

from __future__ import annotations

import http.client
import json
import re
import ssl
from dataclasses import dataclass, field
from html import unescape
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit


class SignInAccount(Protocol):
    """What the form needs of a person: their workspace, email and password."""

    @property
    def team(self) -> str:
        """The workspace's domain or id."""
        ...

    @property
    def email(self) -> str:
        """The email or user name."""
        ...

    @property
    def password(self) -> str:
        """The password."""
        ...


CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
BOOT = re.compile(r'<script id="boot" type="application/json">(.*?)</script>', re.S)


@dataclass
class Answer:
    """A raw HTTP answer: status, headers (every ``Set-Cookie`` kept) and body text."""

    status: int
    headers: dict[str, str]
    cookies: list[str]
    text: str

    def json(self) -> dict[str, Any]:
        """The body as a JSON object."""
        document = json.loads(self.text)
        assert isinstance(document, dict)
        return document


@dataclass
class Browserless:
    """A client with a cookie jar, as a browser without JavaScript would behave."""

    port: int
    context: ssl.SSLContext | None = None
    jar: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, **headers: str
    ) -> Answer:
        """One request with the jar's cookies; the answer's cookies go into the jar."""
        if self.context is None:
            connection: http.client.HTTPConnection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=10
            )
        else:
            connection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=10, context=self.context
            )
        sent = {k.replace("_", "-"): v for k, v in headers.items()}
        if self.jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode()
            cookies = response.headers.get_all("set-cookie") or []
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                            cookies, text)  # fmt: skip
        finally:
            connection.close()
        for cookie in cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        return answer

    def form_csrf(self) -> str:
        """Open the sign-in form; its CSRF token."""
        found = CSRF_FIELD.search(self.request("GET", "/signin").text)
        assert found is not None
        return found.group(1)

    def sign_in(self, account: SignInAccount, password: str | None = None, **extra: str) -> Answer:
        """Fill and send the sign-in form."""
        form = {"team": account.team, "email": account.email, "csrf": self.form_csrf()}
        form["password"] = account.password if password is None else password
        return self.request("POST", "/signin", {**form, **extra})

    def decide(self, authorize_url: str, decision: str) -> Answer:
        """Open an OAuth consent page (any URL whose path and query are Slackline's) and
        press Allow (``decision="allow"``) or Deny: the answer to the form's post, whose
        ``Location`` leads back to the app."""
        parts = urlsplit(authorize_url)
        path = f"{parts.path}?{parts.query}"
        page = self.request("GET", path)
        assert page.status == 200, (page.status, page.text[:500])
        return self.request("POST", path, {**hidden_fields(page), "decision": decision})

    def boot(self) -> dict[str, Any]:
        """The client page's boot data (the session's token and CSRF token)."""
        page = self.request("GET", "/")
        assert page.status == 200, page.status
        found = BOOT.search(page.text)
        assert found is not None
        document = json.loads(found.group(1))
        assert isinstance(document, dict)
        return document

    def api(self, method: str, token: str, *, cookie: bool = True, **args: str) -> dict[str, Any]:
        """A Web API call with the token in the body, with or without the jar's cookies."""
        jar, self.jar = self.jar, (self.jar if cookie else {})
        try:
            return self.request("POST", f"/api/{method}", {"token": token, **args}).json()
        finally:
            self.jar = jar


def hidden_fields(page: Answer) -> dict[str, str]:
    """A page's hidden form fields, as a browser would post them."""
    return {name: unescape(value) for name, value in HIDDEN_FIELD.findall(page.text)}
