"""Pseudonyms for annotator ids: keyed HMAC, with a key that is in no output.

The key is, in order: ``pseudonym_key`` in the config, the ``LABELAUDIT_PSEUDONYM_KEY``
environment variable, or a random key created once in the user's data directory
(``$XDG_DATA_HOME/labelaudit/pseudonym.key``, else ``~/.local/share/labelaudit/``) and
reused. So reruns on one account give the same pseudonyms, while a reader holding the same
inputs and seed, but not the key, cannot recompute them from guessed ids.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

from labelaudit.errors import InputError, Problem

ENV = "LABELAUDIT_PSEUDONYM_KEY"
KEY_FILE = "pseudonym.key"
_DOMAIN = b"labelaudit-rater\0"


def data_dir() -> Path:
    """Where labelaudit keeps per-user state: ``$XDG_DATA_HOME/labelaudit``."""
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    root = Path(base).expanduser() if base else Path.home() / ".local" / "share"
    return root / "labelaudit"


def pseudonym_key(configured: str | None = None) -> bytes:
    """The HMAC key: configured, from the environment, or the user's stored key."""
    if configured:
        return configured.encode("utf-8")
    env = os.environ.get(ENV, "").strip()
    if env:
        return env.encode("utf-8")
    path = data_dir() / KEY_FILE
    try:
        return _stored_key(path)
    except OSError as exc:
        raise InputError(
            [
                Problem(
                    str(path),
                    f"cannot read or create the pseudonym key ({exc.strerror or exc})",
                    setting="pseudonym_key",
                    fix=f"export {ENV}=<a long random secret>, or set pseudonym_key in a "
                    "labelaudit.toml kept outside the bundle",
                )
            ]
        ) from None


def _stored_key(path: Path) -> bytes:
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another run created it first
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise OSError(f"{path} is empty")
    return key.encode("ascii")


def pseudonymise(ids: pd.Series, key: bytes) -> pd.Series:
    """Replace annotator ids with keyed pseudonyms (``rater-`` + 10 hex digits).

    >>> s = pseudonymise(pd.Series(["a", "b", "a"]), b"secret")
    >>> s.nunique(), s[0] == s[2], s[0].startswith("rater-")
    (2, True, True)
    """

    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        digest = hmac.new(key, _DOMAIN + str(v).encode("utf-8"), hashlib.sha256).hexdigest()
        return "rater-" + digest[:10]

    return ids.map(one).astype(object)
