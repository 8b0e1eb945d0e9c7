"""The static site (index + one card page and JSON per role), rendered with Jinja2.

`build` (render/stage/build the site), `model` (the role cards' page model, from stored results
only), `pages` (score movements, methodology, downloads), `explain` (stored values in words),
`charts` (SVG coordinates), `attribution` (source credits, from the scrapers' descriptors),
`formats` (how values are written). `site.js` (sorting and filtering the index) is the one
script, bundled and copied as it is.
"""

from website.build import build_site, render_site, stage_site

__all__ = ["build_site", "render_site", "stage_site"]
