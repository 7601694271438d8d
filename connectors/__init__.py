"""Where items come from: one small protocol (`Connector.fetch`) and one module per source kind.

All network I/O goes through `chipwatch.connectors.http`; parsing never does I/O.
"""
