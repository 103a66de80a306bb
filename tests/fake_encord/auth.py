"""Credentials the fake accepts, checked the way Encord's two APIs sign requests.

RPC (`POST /public`): `Authorization: <public key hex>:<hex ed25519 signature of sha256(body)>`.
REST (`/v2/public/...`): an HTTP message signature (draft-ietf-httpbis-message-signatures) labelled
`encord-sig`, covering `@method`, `@request-target` and `content-digest`, `keyid` = public key hex.
Both accept `Authorization: Bearer <token>` instead.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Callable
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MAX_CLOCK_SKEW_S = 300
_COVERED = '("@method" "@request-target" "content-digest")'


class Headers(Protocol):
    def get(self, name: str, /) -> str | None: ...


class AuthFailed(Exception):
    """The request's credentials are missing, unknown or do not verify."""


def generate_ssh_key() -> tuple[str, str]:
    """A new Ed25519 key: (private key in OpenSSH format, as the SDK reads it; public key hex)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode("ascii")
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    return private, public


def _verify(public_hex: str, signature: bytes, message: bytes) -> None:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(signature, message)
    except (InvalidSignature, ValueError) as e:
        raise AuthFailed("signature does not verify") from e


def _bearer(header: str, known_token: Callable[[str], bool]) -> str:
    token = header.removeprefix("Bearer ").strip()
    if not known_token(token):
        raise AuthFailed("unknown bearer token")
    return f"token:{token}"


def check_rpc(
    headers: Headers, body: bytes, known_key: Callable[[str], bool], known_token: Callable[[str], bool]
) -> str:
    """Who signed this RPC request (`key:<hex>` or `token:<t>`); raises AuthFailed."""
    header = headers.get("Authorization") or ""
    if header.startswith("Bearer "):
        return _bearer(header, known_token)
    public_hex, _, signature_hex = header.partition(":")
    if not known_key(public_hex):
        raise AuthFailed("unknown public key")
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError as e:
        raise AuthFailed("signature is not hex") from e
    _verify(public_hex, signature, hashlib.sha256(body).digest())
    return f"key:{public_hex}"


def _sfv_bytes(value: str, label: str) -> bytes:
    match = re.fullmatch(rf"{label}=:([A-Za-z0-9+/=]*):", value.strip())
    if not match:
        raise AuthFailed(f"malformed structured field: {value!r}")
    return base64.b64decode(match.group(1))


def check_rest(
    method: str,
    target: str,
    headers: Headers,
    body: bytes,
    known_key: Callable[[str], bool],
    known_token: Callable[[str], bool],
) -> str:
    """Who signed this REST request; rebuilds the signature base exactly as the SDK's signer does."""
    header = headers.get("Authorization") or ""
    if header.startswith("Bearer "):
        return _bearer(header, known_token)
    digest_header = headers.get("Content-Digest") or ""
    if _sfv_bytes(digest_header, "sha-256") != hashlib.sha256(body).digest():
        raise AuthFailed("Content-Digest does not match the body")
    params = (headers.get("Signature-Input") or "").removeprefix("encord-sig=")
    if not params.startswith(_COVERED):
        raise AuthFailed(f"unexpected covered components: {params!r}")
    keyid = re.search(r';keyid="([0-9a-f]+)"', params)
    created = re.search(r";created=(\d+)", params)
    if not keyid or not created or ';alg="ed25519"' not in params:
        raise AuthFailed(f"Signature-Input lacks keyid, created or alg: {params!r}")
    if abs(time.time() - int(created.group(1))) > MAX_CLOCK_SKEW_S:
        raise AuthFailed("signature too old")
    if not known_key(keyid.group(1)):
        raise AuthFailed("unknown public key")
    base = "\n".join(
        [
            f'"@method": {method.upper()}',
            f'"@request-target": {target}',
            f'"content-digest": {digest_header}',
            f'"@signature-params": {params}',
        ]
    )
    _verify(keyid.group(1), _sfv_bytes(headers.get("Signature") or "", "encord-sig"), base.encode())
    return f"key:{keyid.group(1)}"
