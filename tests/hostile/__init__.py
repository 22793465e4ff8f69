"""Generators of hostile input, made at test time rather than committed: text that tries to run in a page, and
scenario and log files too large or too strange to keep in the repository."""
