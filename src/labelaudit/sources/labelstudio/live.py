"""Pull a project from a running Label Studio server with label-studio-sdk 2.x.

The API key is only ever handed to the SDK client: it is not stored in the returned
tables, not written to the bundle and scrubbed from every error message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from labelaudit.errors import InputError, Problem
from labelaudit.reproducible import run_timestamp
from labelaudit.sources.base import RawGuideline, RawTables
from labelaudit.sources.labelstudio.annotators import attach_annotator_metadata
from labelaudit.sources.labelstudio.convert import as_dict, tasks_to_raw
from labelaudit.sources.labelstudio.label_config import parse_label_config

log = logging.getLogger(__name__)

#: servers before 1.0 stored "completions" and had another API; pulls were verified on 1.23
MIN_SERVER_VERSION = (1, 0)
TESTED_SERVER_VERSION = (1, 23)
PAGE_SIZE = 100

T = TypeVar("T")


def public_url(url: str) -> str:
    """The server URL without credentials, query or fragment (safe to store).

    Examples
    --------
    >>> public_url("https://user:pw@ls.example.org:8080/base/?token=x#y")
    'https://ls.example.org:8080/base'
    """
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


_URL_FIX = "give the server's address, e.g. --url http://localhost:8080"


def check_url(url: str) -> str:
    """The server's base URL from ``--url``; ``InputError`` when it can't be one.

    Credentials in the URL are refused: httpx would send them as HTTP basic auth in
    place of the API key, and a URL is echoed in logs and messages. No message here
    repeats the URL, so neither a password nor the key can leak through one.

    >>> check_url(" http://localhost:8080/ ")
    'http://localhost:8080'
    >>> try:
    ...     check_url("http://admin:hunter2@localhost:8080")
    ... except InputError as exc:
    ...     print("hunter2" in str(exc), exc.problems[0].message.split(";")[0])
    False --url holds a user name or password
    """

    def fail(message: str, fix: str = _URL_FIX) -> InputError:
        return InputError([Problem("--url", message, setting="url", fix=fix)])

    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # "Invalid IPv6 URL": an unclosed [
        raise fail(f"--url is not a valid URL ({exc})") from None
    if "@" in parts.netloc:
        raise fail(
            "--url holds a user name or password; labelaudit does not send them (they "
            "would replace the API key)",
            "remove them from --url and put the API key in LABEL_STUDIO_API_KEY",
        )
    if parts.scheme not in ("http", "https"):
        raise fail("--url must start with http:// or https://")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise fail("--url has a port that is not a number from 1 to 65535")
    host = parts.hostname or ""
    if not host or any(c.isspace() or not c.isprintable() or c in "\\/" for c in host):
        raise fail("--url names no valid host")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), parts.query, ""))


def _version_tuple(text: str) -> tuple[int, ...]:
    out = []
    for part in text.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        out.append(int(digits))
    return tuple(out)


class _Session:
    """Wraps SDK calls: maps failures to :class:`InputError`, retries time-outs."""

    def __init__(self, url: str, project_id: int, api_key: str, timeout: float, retries: int):
        self.url = public_url(url)
        self.project_id = project_id
        self.secret = api_key
        self.timeout = timeout
        self.retries = retries

    def scrub(self, text: str) -> str:
        return text.replace(self.secret, "***") if self.secret else text

    def fail(self, message: str, fix: str = "") -> InputError:
        return InputError(
            [Problem(f"Label Studio at {self.url}", self.scrub(message), fix=self.scrub(fix))]
        )

    def call(
        self, what: str, fn: Callable[[], T], *, not_found: tuple[str, str] | None = None
    ) -> T:
        from label_studio_sdk.core.api_error import ApiError

        attempt = 0
        while True:
            try:
                return fn()
            except httpx.TimeoutException:
                if attempt < self.retries:
                    time.sleep(min(2.0**attempt, 8.0))
                    attempt += 1
                    continue
                raise self.fail(
                    f"no answer while {what} within {self.timeout:g} s (tried {attempt + 1} times)",
                    fix="check that the server is up, or raise the timeout",
                ) from None
            except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
                # the SDK already retried these with backoff
                raise self.fail(
                    f"cannot reach the server while {what} ({type(exc).__name__}: "
                    f"{_first_line(str(exc))})",
                    fix="check --url (scheme, host and port) and that Label Studio is running",
                ) from None
            except httpx.HTTPError as exc:
                raise self.fail(f"network error while {what}: {type(exc).__name__}") from None
            except ApiError as exc:
                raise self._api_error(what, exc, not_found) from None
            except ValueError as exc:  # an answer that is not Label Studio's JSON
                raise self.fail(
                    f"could not read the server's answer while {what} ({type(exc).__name__})",
                    fix="check that --url points at the Label Studio server itself",
                ) from None

    def _api_error(self, what: str, exc: Any, not_found: tuple[str, str] | None) -> InputError:
        status = exc.status_code
        detail = ""
        if isinstance(exc.body, dict) and isinstance(exc.body.get("detail"), str):
            detail = ": " + _first_line(exc.body["detail"])[:200]
        if status in (401, 403):
            return self.fail(
                f"the server refused the API key while {what} (HTTP {status}{detail})",
                fix="set LABEL_STUDIO_API_KEY to a valid key of a user who can read the "
                "project (Account & Settings > Access Token in Label Studio); legacy tokens "
                "need LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true on the server",
            )
        if status == 404 and not_found:
            return self.fail(f"{not_found[0]} (HTTP 404)", fix=not_found[1])
        return self.fail(f"the server answered HTTP {status} while {what}{detail}")


_PROJECT_FIX = "check the project id: it is the number in the project's URL (/projects/ID/)"
_VERSION_FIX = (
    "check that --url points at Label Studio (not a proxy page); servers older than "
    f"{'.'.join(map(str, MIN_SERVER_VERSION))} are not supported: upgrade Label Studio"
)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def pull_project(
    url: str,
    project_id: int,
    api_key: str,
    *,
    annotators_file: Path | None = None,
    timeout: float = 30.0,
    retries: int = 3,
) -> RawTables:
    """Pull one Label Studio project (tasks, annotations, label config, instructions).

    Parameters
    ----------
    url : str
        Server base URL, e.g. ``http://localhost:8080``.
    project_id : int
        The project's id.
    api_key : str
        A legacy API token or a personal access token (JWT refresh token).
    annotators_file : Path, optional
        Annotator metadata (CSV/Parquet/JSONL) keyed by user id (``annotator_id``,
        ``user_id`` or ``id``) or by ``email``; emails are mapped to ids, then dropped.
    timeout : float
        Seconds to wait for each request.
    retries : int
        Retries (with exponential backoff) for refused connections, 5xx/429 answers
        and time-outs.

    Returns
    -------
    RawTables
        ``source`` names the server (without credentials), project, time of pull and
        versions; never the key.

    Raises
    ------
    InputError
        Refused key (401/403), unknown project (404), unreachable or too old server.
    """
    from label_studio_sdk import LabelStudio
    from label_studio_sdk.core.api_error import ApiError

    if not api_key:
        raise InputError(
            [
                Problem(
                    "LABEL_STUDIO_API_KEY",
                    "no Label Studio API key was given",
                    fix="export LABEL_STUDIO_API_KEY=<your access token>",
                )
            ]
        )
    base = check_url(url)
    if isinstance(project_id, bool) or not isinstance(project_id, int) or project_id < 1:
        raise InputError(
            [
                Problem(
                    "--project",
                    f"--project must be a positive whole number, got {project_id!r}",
                    setting="project",
                    fix=_PROJECT_FIX,
                )
            ]
        )
    session = _Session(base, project_id, api_key, timeout, retries)
    try:
        client = LabelStudio(base_url=base, api_key=api_key, timeout=timeout, max_retries=retries)
    except ApiError as exc:  # an expired personal access token fails here
        raise session._api_error("checking the API key", exc, None) from None

    server_version = _server_version(session, client)
    project = as_dict(
        session.call(
            "reading the project",
            lambda: client.projects.get(id=project_id),
            not_found=(f"project {project_id} does not exist on this server", _PROJECT_FIX),
        )
    )
    try:
        config = parse_label_config(project.get("label_config") or "<View/>")
    except ValueError as exc:
        raise session.fail(f"project {project_id}: {exc}") from None
    users = session.call("listing users", lambda: [as_dict(u) for u in client.users.list()])
    emails = {
        str(u["email"]).strip().lower(): str(u["id"])
        for u in users
        if isinstance(u, dict) and u.get("email") and u.get("id") is not None
    }
    tasks = _list_tasks(session, client, project_id)
    raw = tasks_to_raw(
        tasks, config=config, where=f"Label Studio project {project_id}", emails=emails
    )
    instruction = project.get("expert_instruction") or ""
    if instruction.strip():
        raw.guidelines.append(RawGuideline("instructions.html", instruction, "html"))
    raw.files.update({"judgments": f"{session.url}/projects/{project_id}"})
    notes = raw.source.get("notes", [])
    if _version_tuple(server_version) < TESTED_SERVER_VERSION:
        notes.append(
            f"Label Studio {server_version} is older than the versions this pull was tested "
            f"against ({'.'.join(map(str, TESTED_SERVER_VERSION))})"
        )
    raw.source.update(
        {
            "kind": "labelstudio",
            "url": session.url,
            "project_id": int(project_id),
            "project_title": project.get("title"),
            "pulled_at": run_timestamp(),  # SOURCE_DATE_EPOCH when set: reproducible bundles
            "sdk_version": _sdk_version(),
            "server_version": server_version,
            "notes": notes,
        }
    )
    attach_annotator_metadata(raw, annotators_file, emails, users_known=True)
    log.info(
        "pulled Label Studio project %s: %d tasks, %d judgments",
        project_id,
        len(raw.items),
        len(raw.judgments),
    )
    return raw


def _sdk_version() -> str:
    try:
        return version("label-studio-sdk")
    except PackageNotFoundError:
        return "unknown"


def _server_version(session: _Session, client: Any) -> str:
    info = as_dict(
        session.call(
            "asking the server version",
            lambda: client.versions.get(),
            not_found=(
                "the server has no /api/version: it is not Label Studio, or too old",
                _VERSION_FIX,
            ),
        )
    )
    release = str(info.get("release") or "")
    if not release or _version_tuple(release) < MIN_SERVER_VERSION:
        raise session.fail(
            f"Label Studio {release or '(unknown version)'} is too old for this pull",
            fix=_VERSION_FIX,
        )
    return release


def _list_tasks(session: _Session, client: Any, project_id: int) -> list[dict]:
    from label_studio_sdk.core.api_error import ApiError

    tasks: list[dict] = []
    page = 1
    while True:
        try:
            pager = session.call(
                f"listing tasks (page {page})",
                lambda p=page: client.tasks.list(
                    project=project_id, fields="all", page=p, page_size=PAGE_SIZE
                ),
            )
        except InputError as exc:
            # the server answers 404 for the page after the last one
            if page > 1 and "HTTP 404" in str(exc):
                break
            raise
        except ApiError:  # pragma: no cover - call() maps these
            raise
        batch = [as_dict(t) for t in (pager.items or [])]
        tasks.extend(batch)
        total = getattr(pager.response, "total", None)
        if not batch or len(batch) < PAGE_SIZE or (total is not None and len(tasks) >= total):
            break
        page += 1
    return tasks
