"""Remotes: where label rows live. Each is a thin shell behind the `Remote` protocol."""
