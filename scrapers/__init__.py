"""Fetch + parse, one package per source; every parser returns the long observation format."""
