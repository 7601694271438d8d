"""The command line (`chipwatch <verb>`), the demo and its loopback sample site."""
