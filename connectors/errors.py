"""The one error type connectors raise: a one-line reason fit for `sources list`."""


class FetchError(Exception):
    """A source or document could not be fetched or parsed; str() is a one-line reason."""
