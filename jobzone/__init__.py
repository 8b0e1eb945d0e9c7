"""jobzone: nightly refresh of AIJRI evidence from public labour-market data."""

__version__ = "0.1.0"
