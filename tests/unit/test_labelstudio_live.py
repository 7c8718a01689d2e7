"""pull_project checks that need no Label Studio server."""

from __future__ import annotations

import socket

import pytest

from labelaudit.errors import InputError
from labelaudit.sources.labelstudio import pull_project
from labelaudit.sources.labelstudio.live import public_url


def test_missing_key_names_the_variable():
    with pytest.raises(InputError) as info:
        pull_project("http://127.0.0.1:9", 1, "")
    (problem,) = info.value.problems
    assert problem.where == "LABEL_STUDIO_API_KEY"
    assert problem.message == "no Label Studio API key was given"


@pytest.mark.parametrize(
    "url,says",
    [
        ("localhost:8080", "must start with http:// or https://"),
        ("ftp://host/x", "must start with http:// or https://"),
        ("http://", "names no valid host"),
        ("http://localhost:70000", "port that is not a number from 1 to 65535"),
        ("http://localhost:0", "port that is not a number from 1 to 65535"),
        ("http://[::1:8080/", "is not a valid URL (Invalid IPv6 URL)"),
        ("http://me:secret@localhost:8080", "holds a user name or password"),
    ],
)
def test_url_is_checked_before_any_connection(url, says):
    with pytest.raises(InputError) as info:
        pull_project(url, 1, "key-1234567")
    (problem,) = info.value.problems
    assert problem.where == "--url"
    assert says in problem.message
    assert "key-1234567" not in str(info.value) and "secret" not in str(info.value)


def test_public_url_drops_credentials_query_and_fragment():
    assert public_url("http://me:secret@127.0.0.1:8080/ls/?x=1#f") == "http://127.0.0.1:8080/ls"
    assert public_url("https://ls.example.org/") == "https://ls.example.org"


def test_silent_server_times_out_after_the_retries():
    # a socket that accepts connections (kernel backlog) but never answers
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with pytest.raises(InputError) as info:
            pull_project(url, 1, "key-1234567", timeout=0.3, retries=1)
    (problem,) = info.value.problems
    assert problem.where == f"Label Studio at {url}"
    assert problem.message == (
        "no answer while asking the server version within 0.3 s (tried 2 times)"
    )
