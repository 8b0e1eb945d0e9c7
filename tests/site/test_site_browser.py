"""The MLOps page opened in real headless Chromium: assertions on the rendered DOM, and a screenshot.

Needs Debian's `chromium` (apt-get install -y chromium); JOBZONE_CHROMIUM overrides the binary.
Without it the test fails: CI installs it. Chromium is kept off the network: every host name
resolves to nothing and the pages load from file://.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.site.site_helpers import PAYLOAD

pytestmark = pytest.mark.slow

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def chromium_binary() -> str:
    for candidate in (os.environ.get("JOBZONE_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium is not installed: `apt-get install -y chromium` (Debian's package, /usr/bin/chromium) "
                "or set JOBZONE_CHROMIUM to a Chromium binary. CI installs it; this test does not skip.",
                pytrace=False)


def chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    cmd = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-default-apps", "--disable-extensions", "--disable-domain-reliability", "--no-pings",
           "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
           f"--user-data-dir={profile}", *args]
    env = {**os.environ, "HOME": str(profile), "XDG_CONFIG_HOME": str(profile), "XDG_CACHE_HOME": str(profile)}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
    return done


class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None") -> None:
        self.tag, self.attrs, self.parent, self.children, self.text = tag, attrs, parent, [], []

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, tag: str, **attrs) -> list["Node"]:
        return [n for n in self.iter() if n.tag == tag and all(n.attrs.get(k) == v for k, v in attrs.items())]

    def all_text(self) -> str:
        return "".join(self.text) + "".join(c.all_text() for c in self.children)


class Dom(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", {}, None)
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, dict(attrs), self.cur))

    def handle_endtag(self, tag):
        node = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data):
        self.cur.text.append(data)


def dump_dom(url: str, tmp_path: Path) -> Dom:
    return Dom(chromium(["--virtual-time-budget=2000", "--dump-dom", url], tmp_path).stdout)


def test_scripts_run_in_this_harness(tmp_path):
    """Control: an inline script does run here, so the payload staying inert below means something."""
    page = tmp_path / "control.html"
    page.write_text("<!doctype html><title>before</title><script>document.title='ran'</script>")
    dom = dump_dom(page.as_uri(), tmp_path)
    assert dom.root.find_all("title")[0].all_text() == "ran"


def test_role_page_in_headless_chromium(site, tmp_path):
    page = site["dir"] / "roles" / "mlops-engineer.html"
    dom = dump_dom(page.as_uri(), tmp_path)
    root = dom.root

    # The document title is the page's own: the payload did not run.
    head_title = [t for t in root.find_all("title") if t.parent.tag == "head"]
    assert [t.all_text() for t in head_title] == ["MLOps Engineer: AIJRI"]

    # No element came from the payload; it is shown as text in the rationale cell.
    assert root.find_all("script") == [] and root.find_all("img") == []
    wage = [tr for tr in root.find_all("tr") if tr.attrs.get("data-dimension") == "wage_trends"]
    assert len(wage) == 1 and PAYLOAD in wage[0].all_text()

    # The evidence table has its five dimensions.
    [table] = root.find_all("table", id="evidence-table")
    [tbody] = table.find_all("tbody")
    assert len(tbody.find_all("tr")) == 5

    # The SVG history chart: a polyline through one point per as-of date, each point titled.
    [chart] = root.find_all("svg", id="history-chart")
    [line] = chart.find_all("polyline")
    assert len(line.attrs["points"].split()) == 5
    points = [c for c in chart.find_all("circle") if "point" in c.attrs.get("class", "")]
    assert [c.attrs["data-aijri"] for c in points] == ["42.6", "44.3", "44.3", "41.0", "42.6"]
    assert all(c.find_all("title") for c in points)
    assert chart.attrs["role"] == "img" and chart.find_all("title", id="history-chart-title")

    # Licences are on the page, beside the evidence and in the footer.
    assert "Source: IT Jobs Watch (CC BY-NC-SA 4.0)" in wage[0].all_text()
    [footer] = root.find_all("footer")
    assert "Indeed Hiring Lab (CC BY 4.0)" in footer.all_text()


def test_role_page_screenshot(site, tmp_path):
    shot = tmp_path / "mlops-engineer.png"
    page = site["dir"] / "roles" / "mlops-engineer.html"
    chromium(["--window-size=1280,2400", "--hide-scrollbars", f"--screenshot={shot}", page.as_uri()], tmp_path)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2400)
    assert len(data) > 20_000  # a blank page compresses to a few kB
