"""The one boundary where the SDK's exceptions become labelsync's, and which ones are worth retrying."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from reconciler.errors import RemoteError

T = TypeVar("T")

DEFAULT_BACKOFF = 1.5
"""Seconds: the SDK's default backoff factor, used for labelsync's own retries unless configured."""


class RetryableRemoteError(RemoteError):
    """Rate limits and server errors: try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RejectedError(RemoteError):
    """The server refused the request's content (a row, or the payload's size): split and retry."""


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
        raise RejectedError(f"payload too large while {where}: {_message(exc)}") from None
    except (ex.InvalidArgumentsError, ex.CorruptedLabelError, ex.AnswerDictionaryError, ex.LabelRowError) as exc:
        raise RejectedError(f"Encord rejected the request while {where}: {_message(exc)}") from None
    except (ex.GenericServerError, ex.UnknownException):
        # The SDK's own text for these says nothing useful ("an error of type `None` ... upgrade the SDK").
        raise RetryableRemoteError(f"Encord answered with a server error while {where}") from None
    except (ex.RequestException, ex.TimeOutError) as exc:
        raise RetryableRemoteError(_network_message(exc, where)) from None
    except ex.EncordException as exc:
        raise RemoteError(f"Encord error while {where}: {_message(exc)}") from None
    except OSError as exc:
        raise RetryableRemoteError(f"cannot reach Encord while {where}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class Retries:
    """labelsync's own retries of a call that still failed after the SDK's retries: `attempts` in all,
    waiting the server's Retry-After or `backoff * 2**n` seconds (capped at 30) between them. The
    remote's `backoff_factor` setting paces them as it paces the SDK's."""

    attempts: int = 2
    """The SDK already retried (4 attempts): one more round covers envelope rate limits, which it does
    not retry, without multiplying a persistent outage's cost."""
    backoff: float = DEFAULT_BACKOFF
    sleep: Callable[[float], None] | None = None

    def call(self, call: Callable[[], T]) -> T:
        """Call again after a RetryableRemoteError."""
        import time

        pause = self.sleep or time.sleep
        for attempt in range(self.attempts):
            try:
                return call()
            except RetryableRemoteError as exc:
                if attempt == self.attempts - 1:
                    raise
                pause(exc.retry_after if exc.retry_after else min(self.backoff * 2.0**attempt, 30.0))
        raise AssertionError("unreachable")

    def sdk_call(self, where: str, call: Callable[[], T]) -> T:
        """One SDK call: its exceptions translated, rate limits and server errors retried."""

        def attempt() -> T:
            with translated(where):
                return call()

        return self.call(attempt)


def _network_message(exc: BaseException, where: str) -> str:
    """What went wrong on the wire, from the exception's causes (the SDK's own text is a URL)."""
    text = _message(exc)
    if text.startswith("Error parsing JSON response"):
        return f"Encord answered with an error page instead of JSON while {where}"
    causes: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(causes) < 20:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
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


def _message(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc)
    return text.splitlines()[0][:300] if text else type(exc).__name__
