/* Test probe, injected into copies of the built pages by test_site_browser.py (never shipped):
 * measures the laid-out page in the real browser and writes the result into <pre id="probe"> (or,
 * in a frame, posts it to the harness page: headless Chromium's window is never narrower than
 * 500 px, so a 390 px viewport is a 390 px frame). */
window.addEventListener("load", function () {
  "use strict";
  var card = document.querySelector(".card") || document.querySelector("main");
  var box = card.getBoundingClientRect();
  var out = { width: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
              card: { left: box.left, right: box.right }, overflows: [], chart: null, links: [] };
  function name(el) {
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") +
      " \"" + (el.textContent || "").trim().slice(0, 40) + "\"";
  }
  Array.prototype.forEach.call(card.querySelectorAll("*"), function (el) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") { return; }
    var r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) { return; }
    if (r.right > box.right + 1 || r.left < box.left - 1) {
      out.overflows.push(name(el) + " spans " + Math.round(r.left) + ".." + Math.round(r.right) +
                         " outside its card " + Math.round(box.left) + ".." + Math.round(box.right));
    }
    var style = window.getComputedStyle(el);
    if (style.display !== "inline" && style.overflowX === "visible" && el.scrollWidth > el.clientWidth + 1 &&
        el.clientWidth > 0) {
      out.overflows.push(name(el) + " content " + el.scrollWidth + " px wide in a " + el.clientWidth + " px box");
    }
  });
  var svg = document.getElementById("history-chart");
  if (svg) {
    var r = svg.getBoundingClientRect(), line = svg.querySelector("polyline.line");
    out.chart = { width: r.width, height: r.height, left: r.left, right: r.right,
                  points: svg.querySelectorAll("circle.point").length,
                  bands: svg.querySelectorAll("rect.band").length,
                  line: line ? line.getTotalLength() : 0 };
  }
  Array.prototype.forEach.call(document.querySelectorAll("a[href], link[href], script[src]"), function (el) {
    out.links.push(el.href || el.src);
  });
  if (window.parent !== window) {  // inside the harness's frame: hand the result to the harness
    window.parent.postMessage(JSON.stringify(out), "*");
    return;
  }
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
