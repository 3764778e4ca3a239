"""A client of a running server's control (admin) API: what ``slackline admin ...`` uses."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from slackline.control.router import ADMIN_PREFIX


class AdminClientError(Exception):
    """An admin call that failed: the server's error code and message, or no answer."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class AdminClient:
    """Calls a running server's admin API (what ``slackline admin ...`` uses)."""

    def __init__(self, base_url: str, admin_token: str, timeout_secs: float = 30.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._admin_token = admin_token
        self._timeout_secs = timeout_secs

    def call(
        self, endpoint: str, body: bytes, content_type: str = "application/json"
    ) -> dict[str, Any]:
        """POST a body to an endpoint; the ``ok: true`` answer, else AdminClientError."""
        url = f"{self._base_url}{ADMIN_PREFIX}{endpoint}"
        if not url.startswith(("http://", "https://")):
            raise AdminClientError("bad_url", f"{self._base_url!r} is not an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {self._admin_token}",
                "Content-Type": content_type,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_secs) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            answer = _error_answer(exc)
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AdminClientError(
                "unreachable", f"cannot reach {self._base_url}: {reason}"
            ) from exc
        if not isinstance(answer, dict) or not answer.get("ok"):
            error = answer if isinstance(answer, dict) else {}
            raise AdminClientError(str(error.get("error", "bad_answer")), error.get("detail", ""))
        return answer

    def call_json(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON object."""
        return self.call(endpoint, json.dumps(body).encode())


def _error_answer(exc: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        answer = json.loads(exc.read())
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        return answer
    return {"ok": False, "error": f"http_{exc.code}", "detail": str(exc.reason)}
