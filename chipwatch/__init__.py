"""chipwatch: monitor what is being claimed about AI chips in zh/ja/en commentary.

The root package holds only what every layer shares: validated configuration (`config`), secret masking
(`redact`), the filter that keeps those secrets out of apprise's logs (`log_guard`) and host checks
(`hosts`). Each stage is a subpackage whose folder sits at the top of the checkout
(chipwatch/flows is a link to ../flows, and so on): analysis, connectors, storage, alerts, pipeline, flows,
dashboard and cli.
"""

__version__ = "0.1.0"
