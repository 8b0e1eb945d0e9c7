"""The ground floor: errors, paths, settings, the catalogue model and atomic file helpers.

Everything above imports from here; nothing here imports from anywhere above.
"""

__version__ = "0.1.0"
