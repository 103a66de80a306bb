"""The one boundary where the SDK's exceptions become labelsync's, and which ones are worth retrying."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from reconciler.errors import RemoteError

T = TypeVar("T")


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
    except (ex.GenericServerError, ex.UnknownException, ex.RequestException, ex.TimeOutError) as exc:
        raise RetryableRemoteError(f"Encord failed while {where}: {_message(exc)}") from None
    except ex.EncordException as exc:
        raise RemoteError(f"Encord error while {where}: {_message(exc)}") from None
    except OSError as exc:
        raise RetryableRemoteError(f"cannot reach Encord while {where}: {exc}") from None


def with_retries(call: Callable[[], T], attempts: int = 4, sleep: Callable[[float], None] | None = None) -> T:
    """Call again after a RetryableRemoteError (the SDK's own retries already ran), with backoff."""
    import time

    pause = sleep or time.sleep
    for attempt in range(attempts):
        try:
            return call()
        except RetryableRemoteError as exc:
            if attempt == attempts - 1:
                raise
            pause(exc.retry_after if exc.retry_after else min(2.0**attempt, 30.0))
    raise AssertionError("unreachable")


def sdk_call(where: str, call: Callable[[], T]) -> T:
    """One SDK call: its exceptions translated, rate limits and server errors retried."""

    def attempt() -> T:
        with translated(where):
            return call()

    return with_retries(attempt)


def _message(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc)
    return text.splitlines()[0][:300] if text else type(exc).__name__
