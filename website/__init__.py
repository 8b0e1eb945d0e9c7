"""The static site (index + one card page and JSON per role), rendered with Jinja2.

`build` (render/stage/build the site), `model` (the page model, from stored results only),
`charts` (SVG coordinates), `attribution` (source credits, from the scrapers' descriptors),
`formats` (how values are written).
"""

from website.build import build_site, render_site, stage_site

__all__ = ["build_site", "render_site", "stage_site"]
