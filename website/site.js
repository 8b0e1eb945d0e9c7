/* jobzone: sorting and filtering the index table. Small, no framework, no network; works from file://.
 * The view (sort column and direction, zone, search text) lives in the address hash, e.g.
 * index.html#sort=aijri&dir=desc&zone=Red&q=ops, so a link to a view opens that view. Without
 * script the table is the plain, complete list. */
(function () {
  "use strict";
  var table = document.getElementById("roles");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells).filter(function (th) {
    return th.hasAttribute("data-sort-key");
  });
  var text = document.getElementById("filter-text");
  var zone = document.getElementById("filter-zone");
  var shown = document.getElementById("roles-shown");
  var view = { sort: "", dir: "asc", zone: "", q: "" };

  function readHash() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    view.sort = params.get("sort") || "";
    view.dir = params.get("dir") === "desc" ? "desc" : "asc";
    view.zone = params.get("zone") || "";
    view.q = params.get("q") || "";
  }

  function writeHash() {
    var params = new URLSearchParams();
    ["sort", "dir", "zone", "q"].forEach(function (k) {
      if (view[k] && !(k === "dir" && !view.sort)) { params.set(k, view[k]); }
    });
    var hash = params.toString();
    try {  // a file:// page may refuse history changes: the view still applies
      window.history.replaceState(null, "", hash ? "#" + hash : window.location.pathname);
    } catch (e) { /* keep the view without the address */ }
  }

  function sortValue(row, key, numeric) {
    var cell = row.querySelector('[data-key="' + key + '"]');
    var raw = cell ? cell.getAttribute("data-sort") : "";
    if (!numeric) { return raw; }
    return raw === "" ? null : parseFloat(raw);
  }

  function apply() {
    var head = heads.filter(function (th) { return th.getAttribute("data-sort-key") === view.sort; })[0];
    var ordered = rows.slice();
    if (head) {
      var numeric = head.getAttribute("data-type") === "number";
      var sign = view.dir === "desc" ? -1 : 1;
      ordered.sort(function (a, b) {
        var x = sortValue(a, view.sort, numeric), y = sortValue(b, view.sort, numeric);
        if (x === y) { return 0; }
        if (x === null) { return 1; }  // no value sorts last either way
        if (y === null) { return -1; }
        return (numeric ? x - y : x.localeCompare(y)) * sign;
      });
    }
    ordered.forEach(function (row) { body.appendChild(row); });
    var query = view.q.trim().toLowerCase(), count = 0;
    rows.forEach(function (row) {
      var keep = (!view.zone || row.getAttribute("data-zone") === view.zone) &&
                 (!query || row.getAttribute("data-search").indexOf(query) !== -1);
      row.hidden = !keep;
      count += keep ? 1 : 0;
    });
    heads.forEach(function (th) {
      var on = th === head;
      th.setAttribute("aria-sort", on ? (view.dir === "desc" ? "descending" : "ascending") : "none");
    });
    text.value = view.q;
    zone.value = view.zone;
    shown.textContent = count + " of " + rows.length + " roles shown";
  }

  heads.forEach(function (th) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    while (th.firstChild) { button.appendChild(th.firstChild); }
    th.appendChild(button);
    button.addEventListener("click", function () {
      var key = th.getAttribute("data-sort-key");
      view.dir = view.sort === key && view.dir === "asc" ? "desc" : "asc";
      view.sort = key;
      writeHash();
      apply();
    });
  });
  text.addEventListener("input", function () { view.q = text.value; writeHash(); apply(); });
  zone.addEventListener("change", function () { view.zone = zone.value; writeHash(); apply(); });
  window.addEventListener("hashchange", function () { readHash(); apply(); });
  document.getElementById("role-filters").hidden = false;
  readHash();
  apply();
}());
