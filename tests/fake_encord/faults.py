"""Fault injection and the request log.

Every request gets a route key: `<query_type>.<query_method>` for RPC (`labelrow.POST` is a save,
`labelrow.GET` a fetch, `labelrow.PUT` a row creation, `labelrowmetadata.GET` the listing) and
`<METHOD> <path>` for REST (`GET /v2/public/projects/<hash>`). A fault's `route` is a glob
(`fnmatch`, case-sensitive) over that key: `"labelrow.*"`, `"* /v2/public/active/*"`, `"*"`.

How a request meets the faults, in order: `delay` (unless `landed`), `http_status`,
`payload_limit`, authentication, `rpc_error`, `reject_row`, the handler, `delay(landed=True)`,
then `after` hooks (before the answer is written, so the client sees the answer computed before
the hook ran while the store already holds the hook's change).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

Kind = Literal["http_status", "delay", "rpc_error", "reject_row", "payload_limit", "after"]


@dataclass
class RequestRecord:
    """One request as the server saw it. `n` counts uids (RPC) or rows/items in the body."""

    method: str
    path: str
    route: str
    query_type: str | None = None
    query_method: str | None = None
    n: int = 0
    bytes: int = 0
    uids: tuple[str, ...] = ()
    data_hashes: tuple[str, ...] = ()
    status: int = 0
    rpc_status: int | None = None


@dataclass
class Fault:
    """One injected misbehaviour; build it with the class methods below.

    `times` is how many requests it affects (None: all of them); `fired` counts them.
    """

    route: str
    kind: Kind
    times: int | None = 1
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    seconds: float = 0.0
    landed: bool = False
    code: str = "INVALID_ARGUMENTS_ERROR"
    payload: Any = None
    data_hash: str | None = None
    max_bytes: int = 0
    hook: Callable[[RequestRecord], None] | None = None
    fired: int = 0

    @classmethod
    def http_status(
        cls,
        route: str,
        status: int,
        *,
        times: int | None = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> Fault:
        """Answer with a real HTTP status before the handler runs (nothing is stored).

        `body`: a dict/list is sent as JSON, a str as text/html; default JSON `{"message": ...}`.
        """
        return cls(route, "http_status", times, status=status, headers=dict(headers or {}), body=body)

    @classmethod
    def delay(cls, route: str, seconds: float, *, times: int | None = 1, landed: bool = False) -> Fault:
        """Sleep before answering. `landed=True` runs the handler first (a save is stored) and
        sleeps after, like a write that succeeded but whose answer timed out."""
        return cls(route, "delay", times, seconds=seconds, landed=landed)

    @classmethod
    def rpc_error(
        cls,
        route: str,
        code: str = "INVALID_ARGUMENTS_ERROR",
        payload: Any = None,
        *,
        times: int | None = 1,
        status: int = 400,
    ) -> Fault:
        """HTTP 200 carrying the RPC envelope error `{"status": status, "response": [code], "payload": ...}`."""
        return cls(route, "rpc_error", times, status=status, code=code, payload=payload)

    @classmethod
    def reject_row(
        cls,
        data_hash: str,
        *,
        route: str = "labelrow.POST",
        code: str = "INVALID_ARGUMENTS_ERROR",
        payload: Any = None,
        times: int | None = None,
    ) -> Fault:
        """A request whose rows (save) or uids (creation) include `data_hash` gets an envelope error;
        nothing in that request is stored, like the real server rejecting a whole chunk."""
        return cls(route, "reject_row", times, status=400, code=code, payload=payload, data_hash=data_hash)

    @classmethod
    def payload_limit(cls, max_bytes: int, *, route: str = "*", times: int | None = None) -> Fault:
        """HTTP 413 with `{"message": ...}` for a body larger than `max_bytes`."""
        return cls(route, "payload_limit", times, status=413, max_bytes=max_bytes)

    @classmethod
    def after(cls, route: str, hook: Callable[[RequestRecord], None], *, times: int | None = 1) -> Fault:
        """Run `hook(record)` once a matching request has been handled successfully."""
        return cls(route, "after", times, hook=hook)

    def matches(self, route: str) -> bool:
        return fnmatchcase(route, self.route)


class FaultSet:
    """The faults armed on a server. Thread-safe: requests are served concurrently."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._faults))

    def fire(
        self, kind: Kind, route: str, when: Callable[[Fault], bool] = lambda f: True, first: bool = False
    ) -> list[Fault]:
        """The faults of `kind` that affect this request (only the first if `first`), each one's `times` spent."""
        fired: list[Fault] = []
        with self._lock:
            for fault in self._faults:
                if fault.kind != kind or not fault.matches(route) or fault.times == 0 or not when(fault):
                    continue
                if fault.times is not None:
                    fault.times -= 1
                fault.fired += 1
                fired.append(fault)
                if first:
                    break
        return fired
