"""The error types connectors raise: a one-line reason fit for `sources list`."""

from __future__ import annotations


class FetchError(Exception):
    """A source or document could not be fetched or parsed; str() is a one-line reason. `status`: the HTTP status
    of the answer that failed, when there was one (for the source's poll history)."""

    status: int | None = None

    def with_status(self, status: int) -> FetchError:
        self.status = status
        return self


class RetryLater(FetchError):
    """The server asked us to come back later (429/503, usually with Retry-After).

    `retry_after` is in seconds, or None when the server gave no (readable) hint; the source's
    backoff then decides the delay.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RobotsDisallowed(FetchError):
    """robots.txt of the site disallows the URL for our user agent."""
