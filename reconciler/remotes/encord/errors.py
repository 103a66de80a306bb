"""The one boundary where the SDK's exceptions become labelsync's, and which ones are worth retrying."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from reconciler.errors import RemoteError

T = TypeVar("T")

DEFAULT_BACKOFF = 1.5
"""Seconds: the SDK's default backoff factor, used for labelsync's retries unless configured."""
DEFAULT_MAX_RETRIES = 3
"""The SDK's default retries of a failed request: labelsync makes 1 + this many attempts unless configured."""


class RetryableRemoteError(RemoteError):
    """Rate limits and server errors: try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RejectedError(RemoteError):
    """The server refused the request's content (a row, or the payload's size): split and retry."""


class TooLargeError(RejectedError):
    """HTTP 413: the server refused the request before reading it, so nothing of it was stored."""


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Run SDK calls, raising RemoteError subclasses that say what failed and what to do."""
    from encord import exceptions as ex

    try:
        yield
    except (ex.AuthenticationError, ex.AuthorisationError) as exc:
        raise RemoteError(
            f"Encord refused the credentials while {where} ({type(exc).__name__}): check that the key is "
            "the service account's private key and that it has access to the project"
        ) from None
    except ex.ResourceNotFoundError as exc:
        raise RemoteError(f"Encord has no such resource while {where}: {_message(exc)}") from None
    except ex.RateLimitExceededError as exc:
        raise RetryableRemoteError(f"rate limited while {where}", getattr(exc, "retry_after", None)) from None
    except ex.PayloadTooLargeError as exc:
        raise TooLargeError(f"payload too large while {where}: {_message(exc)}") from None
    except (ex.InvalidArgumentsError, ex.CorruptedLabelError, ex.AnswerDictionaryError, ex.LabelRowError) as exc:
        raise RejectedError(f"Encord rejected the request while {where}: {_message(exc)}") from None
    except (ex.GenericServerError, ex.UnknownException):
        # The SDK's own text for these says nothing useful ("an error of type `None` ... upgrade the SDK").
        raise RetryableRemoteError(f"Encord answered with a server error while {where}") from None
    except (ex.RequestException, ex.TimeOutError) as exc:
        if any(isinstance(c, _UNREACHABLE) for c in _causes(exc)):  # the SDK retried connecting already
            raise RemoteError(_network_message(exc, where)) from None
        raise RetryableRemoteError(_network_message(exc, where)) from None
    except ex.EncordException as exc:
        raise RemoteError(f"Encord error while {where}: {_message(exc)}") from None
    except OSError as exc:
        raise RetryableRemoteError(f"cannot reach Encord while {where}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class Retries:
    """labelsync's retries of a call that failed with a rate limit, a server error or a timeout: `attempts`
    in all, waiting the server's Retry-After or, like the SDK's own retry policy (urllib3's), nothing before
    the first retry and `backoff * 2**n` seconds (capped at 30) before the n-th after it.

    The SDK's session retries are switched off (`client.connect` passes it `max_retries=0`): it would retry
    a 413 as it retries a 500, sending the same bytes four times before labelsync can split the bundle,
    and it does not retry envelope rate limits. So labelsync retries, everything the same way, and never
    a 413 or a rejected row (`RejectedError`). The SDK still retries establishing a connection."""

    attempts: int = 1 + DEFAULT_MAX_RETRIES
    backoff: float = DEFAULT_BACKOFF
    sleep: Callable[[float], None] | None = None

    def call(self, call: Callable[[], T], attempts: int | None = None) -> T:
        """Call again after a RetryableRemoteError, up to `attempts` (default `self.attempts`) in all."""
        import time

        pause = self.sleep or time.sleep
        total = max(1, self.attempts if attempts is None else attempts)
        for attempt in range(total):
            try:
                return call()
            except RetryableRemoteError as exc:
                if attempt == total - 1:
                    raise
                pause(exc.retry_after if exc.retry_after else self.delay(attempt))
        raise AssertionError("unreachable")

    def delay(self, attempt: int) -> float:
        """Seconds before retrying after failed attempt number `attempt` (0 for the first)."""
        return 0.0 if attempt == 0 else min(self.backoff * 2.0**attempt, 30.0)

    def sdk_call(self, where: str, call: Callable[[], T], attempts: int | None = None) -> T:
        """One SDK call: its exceptions translated, rate limits, server errors and timeouts retried."""

        def attempt() -> T:
            with translated(where):
                return call()

        return self.call(attempt, attempts)


def _network_message(exc: BaseException, where: str) -> str:
    """What went wrong on the wire, from the exception's causes (the SDK's own text is a URL)."""
    text = _message(exc)
    if text.startswith("Error parsing JSON response"):
        return f"Encord answered with an error page instead of JSON while {where}"
    causes = _causes(exc)
    refused = [
        c.strerror for c in causes if isinstance(c, OSError) and not isinstance(c, TimeoutError) and c.strerror
    ]
    if refused:
        return f"cannot reach Encord while {where}: {refused[-1]}"
    if any(isinstance(c, TimeoutError) for c in causes):
        return (
            f"Encord did not answer in time while {where} "
            "(see remote.connect_timeout, read_timeout and write_timeout in labelsync.yaml)"
        )
    return f"Encord failed while {where}: {text}"


_UNREACHABLE = (ConnectionRefusedError, socket.gaierror)
"""Causes that mean no connection could be made: the SDK retries connecting (`connection_retries`), so
labelsync does not retry them again."""


def _causes(exc: BaseException) -> list[BaseException]:
    causes: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(causes) < 20:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    return causes


def _message(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc)
    return text.splitlines()[0][:300] if text else type(exc).__name__
