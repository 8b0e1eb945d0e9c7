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

    # No element came from the payload (the one script is the bundled site.js); it is shown as text.
    assert [s.attrs.get("src") for s in root.find_all("script")] == ["../site.js"] and root.find_all("img") == []
    wage = [tr for tr in root.find_all("tr") if tr.attrs.get("data-dimension") == "wage_trends"]
    assert len(wage) == 1
    [lineage] = [s for s in root.find_all("section") if s.attrs.get("id") == "lineage-wage_trends"]
    assert PAYLOAD in lineage.all_text()

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


# ---------------------------------------------------------------------------- layout, chart, links, sorting

PROBE = Path(__file__).with_name("probe.js")
WIDTHS = (1280, 390)


def probed_copy(site_dir: Path, tmp_path: Path) -> Path:
    """A copy of the site whose pages also load the test probe (a same-origin script, as the CSP allows)."""
    copy = tmp_path / "probed-site"
    shutil.copytree(site_dir, copy)
    for page in copy.rglob("*.html"):
        root = "../" * (len(page.relative_to(copy).parts) - 1)
        page.write_text(page.read_text().replace("</head>", f'<script src="{root}probe.js"></script>\n</head>', 1))
    shutil.copyfile(PROBE, copy / "probe.js")
    return copy


HARNESS = """<!doctype html><html><head><meta charset="utf-8"><title>probe</title></head><body style="margin:0">
<iframe src="{src}" style="width:{width}px;height:1400px;border:0;display:block"></iframe>
<script>window.addEventListener("message", function (e) {{
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = e.data; document.body.appendChild(pre);
}});</script></body></html>"""


def probe(copy: Path, page: Path, width: int, tmp_path: Path) -> dict:
    """The probe's measurements of `page` laid out in a `width`-pixel viewport (a frame of that width)."""
    import json

    harness = copy / f"harness-{width}.html"
    harness.write_text(HARNESS.format(src=page.relative_to(copy).as_posix(), width=width))
    dom = Dom(chromium(["--window-size=1400,1500", "--hide-scrollbars", "--virtual-time-budget=5000",
                        "--dump-dom", harness.as_uri()], tmp_path).stdout)
    found = [n for n in dom.root.find_all("pre") if n.attrs.get("id") == "probe"]
    assert len(found) == 1, f"the probe did not report from {page.name}"
    return json.loads(found[0].all_text())


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_overflows_its_card_the_chart_renders_and_links_resolve(explained, tmp_path, width):
    from urllib.parse import unquote, urlsplit

    copy = probed_copy(explained["dir"], tmp_path)
    pages = sorted(copy.rglob("*.html"))
    assert len(pages) == 6
    for page in pages:
        found = probe(copy, page, width, tmp_path)
        name = page.relative_to(copy)
        assert found["width"] == width, name
        assert found["overflows"] == [], f"{name} at {width} px"
        assert found["scrollWidth"] <= width, f"{name} scrolls sideways at {width} px"
        if name.parts[0] == "roles":
            chart = found["chart"]
            assert chart and chart["points"] == 3 and chart["line"] > 50 and chart["bands"] >= 1, name
            assert found["card"]["left"] - 1 <= chart["left"] and chart["right"] <= found["card"]["right"] + 1
            assert chart["width"] > min(width, 640) * 0.6 and chart["height"] > 0
        for link in found["links"]:
            parts = urlsplit(link)
            if parts.scheme != "file":
                continue
            target = Path(unquote(parts.path))
            assert target.is_file() and copy in target.parents and "harness" not in target.name, f"{name}: {link}"
            if parts.fragment and target.suffix == ".html":
                assert f'id="{parts.fragment}"' in target.read_text(), f"{name}: {link}"


def test_the_probe_sees_an_overflowing_table(explained, tmp_path):
    """Control: a table wider than its card is reported, so the empty lists above mean something."""
    copy = probed_copy(explained["dir"], tmp_path)
    page = copy / "roles" / "mlops-engineer.html"
    page.write_text(page.read_text().replace('<table id="evidence-table" class="stack evidence">',
                                             '<table id="evidence-table" style="min-width: 900px">'))
    found = probe(copy, page, 390, tmp_path)
    assert any(o.startswith("table#evidence-table") for o in found["overflows"])


def index_rows(url: str, tmp_path: Path) -> list[tuple[str, bool]]:
    dom = dump_dom(url, tmp_path)
    [table] = dom.root.find_all("table", id="roles")
    return [(tr.attrs["data-role"], "hidden" in tr.attrs) for tr in table.find_all("tr") if "data-role" in tr.attrs]


def test_the_index_sorts_and_filters_in_chromium(explained, tmp_path):
    index = (explained["dir"] / "index.html").as_uri()
    everyone = [("cloud-architect", False), ("devops-engineer", False), ("mlops-engineer", False)]
    assert index_rows(index, tmp_path) == everyone  # by title, as written
    assert index_rows(index + "#sort=aijri&dir=desc", tmp_path) == [
        ("cloud-architect", False), ("mlops-engineer", False), ("devops-engineer", False)]
    assert index_rows(index + "#sort=aijri", tmp_path) == [
        ("devops-engineer", False), ("mlops-engineer", False), ("cloud-architect", False)]
    assert index_rows(index + "#zone=Red", tmp_path) == [
        ("cloud-architect", True), ("devops-engineer", False), ("mlops-engineer", True)]
    assert index_rows(index + "#q=ops&sort=zone&dir=desc", tmp_path) == [
        ("cloud-architect", True), ("mlops-engineer", False), ("devops-engineer", False)]
    dom = dump_dom(index + "#sort=change&dir=desc", tmp_path)
    [filters] = [d for d in dom.root.find_all("div") if d.attrs.get("id") == "role-filters"]
    assert "hidden" not in filters.attrs  # the controls show once the script runs
    [shown] = [s for s in dom.root.find_all("span") if s.attrs.get("id") == "roles-shown"]
    assert shown.all_text() == "3 of 3 roles shown"
    sorted_by = [th.attrs.get("aria-sort") for th in dom.root.find_all("th") if "data-sort-key" in th.attrs]
    assert sorted_by == ["none", "none", "none", "none", "descending", "none"]  # role, AIJRI, zone, card, change, as of
