"""The static site (index + one card page and JSON per role), rendered with Jinja2."""

from website.render import DEFAULT_ATTRIBUTIONS, build_site, render_site, stage_site, swap_dir

__all__ = ["DEFAULT_ATTRIBUTIONS", "build_site", "render_site", "stage_site", "swap_dir"]
