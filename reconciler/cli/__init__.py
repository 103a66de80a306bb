"""The command line: typer wiring, one module per command, one error handler."""
