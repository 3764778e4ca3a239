"""Calls Web API methods through slackclient 1.x's ``SlackClient.api_call`` (under
``.venv-slackclient1``), as bots written for it did, for the legacy-family tests.

slackclient 1 posts to ``https://slack.com/api/METHOD``; as in ``slackclient1_driver.py``,
the ``requests`` module its request code uses is swapped for one that sends those posts to
``SLACKLINE_BASE_URL`` instead (plain HTTP is enough: no socket is opened). No library file
is edited. Reads one ``[method, {arguments}]`` JSON array per line on stdin and prints each
answer, as ``api_call`` returned it, as one JSON line on stdout.
"""

import json
import os
import sys

import requests
import slackclient.slackrequest
from slackclient import SlackClient

SLACK_API = "https://slack.com/api/"
BASE_URL = os.environ["SLACKLINE_BASE_URL"]
_post = requests.post


class RequestsToSlackline:
    """``requests`` as slackclient 1 sees it: the same, but posts go to the local server."""

    def __getattr__(self, name):
        return getattr(requests, name)

    @staticmethod
    def post(url, *args, **kwargs):
        return _post(url.replace(SLACK_API, BASE_URL + "/api/"), *args, **kwargs)


slackclient.slackrequest.requests = RequestsToSlackline()
client = SlackClient(os.environ["SLACKLINE_TOKEN"])
for line in sys.stdin:
    method, arguments = json.loads(line)
    print(json.dumps(client.api_call(method, **arguments)), flush=True)
