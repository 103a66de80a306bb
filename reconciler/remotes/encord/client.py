"""Credentials and the SDK client. Keys and tokens are read from the environment, never printed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigError
from reconciler.remotes.encord.errors import translated

DOMAINS = {"eu": "https://api.encord.com", "us": "https://api.us.encord.com"}
DEFAULT_DOMAIN = DOMAINS["eu"]


def domain_of(settings: Mapping[str, Any]) -> str:
    domain = str(settings.get("domain") or DEFAULT_DOMAIN)
    return DOMAINS.get(domain, domain).rstrip("/")


_REQUEST_SETTINGS = {  # name: (minimum, whole numbers only, what is expected)
    "max_retries": (0, True, "a whole number of retries, 0 or more"),
    "backoff_factor": (0, False, "a number of seconds, 0 or more"),
    "connect_timeout": (1, True, "a whole number of seconds, 1 or more"),
    "read_timeout": (1, True, "a whole number of seconds, 1 or more"),
    "write_timeout": (1, True, "a whole number of seconds, 1 or more"),
}

DEFAULT_TIMEOUTS = {"connect_timeout": 10, "read_timeout": 10, "write_timeout": 60}
"""Seconds, per attempt, where `remote:` does not say (the SDK's own are 180 s each). A server that
connects and never answers fails the first request, opening the project, after four attempts and the
backoff between them (0, 3 and 6 s): about 50 s, not 12 minutes. A save's answer (which `write_timeout`
bounds) may take longer to come than a read's."""

DEFAULT_CONCURRENCY = 4
"""Requests labelsync has in flight at once, where `remote.concurrency` does not say."""


def request_settings(settings: Mapping[str, Any]) -> dict[str, float]:
    """The SDK's request settings given in `remote:`, checked (the SDK takes anything and fails late,
    on the first request, with a message that does not name the setting), over `DEFAULT_TIMEOUTS`."""
    checked: dict[str, float] = dict(DEFAULT_TIMEOUTS)
    for name, (minimum, whole, expected) in _REQUEST_SETTINGS.items():
        value = settings.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or value < minimum:
            raise ConfigError(f"remote.{name}: expected {expected}, not {value!r}")
        checked[name] = value
    return checked


def concurrency_of(settings: Mapping[str, Any]) -> int:
    """`remote.concurrency` (checked by `config`), or the default."""
    value = settings.get("concurrency")
    return DEFAULT_CONCURRENCY if value is None else int(value)


def connect(settings: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Any:
    """An authenticated `EncordUserClient`, or a ConfigError/RemoteError that says what to fix.

    The SDK's retries of a request are off (`max_retries=0`): labelsync retries (`errors.Retries`), so
    that a 413 is never sent twice and a persistent error costs `max_retries + 1` attempts, not
    (`max_retries + 1`) squared."""
    from encord.http.constants import RequestsSettings
    from encord.user_client import EncordUserClient

    env = os.environ if environ is None else environ
    domain = domain_of(settings)
    requests = RequestsSettings(**{**request_settings(settings), "max_retries": 0})  # type: ignore[arg-type]
    token_env = settings.get("token_env")
    key_env = str(settings.get("key_env", "ENCORD_SSH_KEY"))
    key_file_env = str(settings.get("key_file_env", "ENCORD_SSH_KEY_FILE"))
    if token_env and env.get(str(token_env)):
        with translated(f"connecting to {domain}"):
            return EncordUserClient.create_with_bearer_token(
                env[str(token_env)], domain=domain, requests_settings=requests
            )
    key = env.get(key_env)
    if not key and env.get(key_file_env):
        path = Path(env[key_file_env]).expanduser()
        try:
            key = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{key_file_env} names {path}, which cannot be read: {exc.strerror}") from None
    if not key:
        names = f"{key_env} (the private key) or {key_file_env} (its path)"
        raise ConfigError(
            f"no Encord credentials: set {names}"
            + (f", or {token_env} (a bearer token)" if token_env else "")
            + " to a service account's Ed25519 key"
        )
    try:
        with translated(f"connecting to {domain}"):
            return EncordUserClient.create_with_ssh_private_key(
                ssh_private_key=key, domain=domain, requests_settings=requests
            )
    except (ValueError, TypeError):
        source = key_env if env.get(key_env) else key_file_env
        raise ConfigError(f"the key in {source} is not an Ed25519 private key in OpenSSH format") from None


def get_project(client: Any, project_hash: str, domain: str) -> Any:
    with translated(f"opening project {project_hash} at {domain}"):
        return client.get_project(project_hash)
