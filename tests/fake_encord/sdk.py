"""Real `encord` SDK clients for a FakeEncord (the server itself never imports the SDK)."""

from __future__ import annotations

from typing import Any

from encord.http.constants import RequestsSettings
from encord.user_client import EncordUserClient

from .server import FakeEncord


def sdk_client(server: FakeEncord, *, token: str | None = None, **settings: Any) -> EncordUserClient:
    """A real SDK client of a newly registered user (SSH key, or bearer `token`).

    `settings` are RequestsSettings fields: max_retries, backoff_factor, read_timeout, write_timeout, ...
    """
    requests_settings = RequestsSettings(**settings)
    if token is not None:
        server.add_token(token)
        return EncordUserClient.create_with_bearer_token(
            token, domain=server.domain, requests_settings=requests_settings
        )
    return EncordUserClient.create_with_ssh_private_key(
        ssh_private_key=server.new_ssh_key(), domain=server.domain, requests_settings=requests_settings
    )
