"""Caller addresses and socket URLs (http/forwarding.py, decisions D.1, D.3)."""

from __future__ import annotations

from slackline.http.forwarding import client_address, request_base_url, socket_url

PROXY = ("127.0.0.1/32", "10.0.0.0/8")


def test_without_trusted_proxies_the_peer_is_the_caller() -> None:
    assert client_address("127.0.0.1", "10.1.2.3", ()) == "127.0.0.1"


def test_an_untrusted_peer_cannot_claim_another_address() -> None:
    assert client_address("192.0.2.1", "10.1.2.3", PROXY) == "192.0.2.1"


def test_a_trusted_proxy_passes_the_callers_address_on() -> None:
    assert client_address("127.0.0.1", "198.51.100.7", PROXY) == "198.51.100.7"


def test_the_rightmost_untrusted_hop_is_the_caller() -> None:
    forged = "203.0.113.9, 198.51.100.7, 10.0.0.2"
    assert client_address("127.0.0.1", forged, PROXY) == "198.51.100.7"


def test_when_every_hop_is_trusted_the_first_is_the_caller() -> None:
    assert client_address("127.0.0.1", "10.0.0.5, 10.0.0.2", PROXY) == "10.0.0.5"


def test_an_empty_header_leaves_the_peer() -> None:
    assert client_address("127.0.0.1", " , ", PROXY) == "127.0.0.1"


def test_the_host_header_names_the_base() -> None:
    assert request_base_url("http", "chat.local:8080", "127.0.0.1:1") == "http://chat.local:8080"


def test_an_odd_host_header_falls_back_to_the_listener() -> None:
    assert request_base_url("https", "evil/../x", "127.0.0.1:443") == "https://127.0.0.1:443"


def test_an_ipv6_host_header_is_accepted() -> None:
    assert request_base_url("http", "[::1]:80", "x") == "http://[::1]:80"


def test_https_bases_give_wss_socket_urls() -> None:
    assert socket_url("https://a.example/", "T1") == "wss://a.example/websocket/T1"


def test_http_bases_give_ws_socket_urls() -> None:
    assert socket_url("http://a.example:8080", "T1") == "ws://a.example:8080/websocket/T1"


def test_a_ws_base_is_kept() -> None:
    assert socket_url("wss://edge.example", "T1") == "wss://edge.example/websocket/T1"
