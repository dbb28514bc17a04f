// The tracker's widgets, bound to the panes lifecycle: each one is made on panes:load for the
// elements of the new content and torn down on panes:unload, so every chart and dropdown has
// exactly one live instance, whatever soft navigations, streams, actions, Back and Forward do.
(function () {
  "use strict";
  var charts = new Map(); // element -> its uPlot
  var menus = new Map(); // element -> the AbortController of its listeners
  window.tracker = { charts: charts, menus: menus }; // for the tests

  function each(root, selector, fn) { // root and the elements below it that match
    [root].concat(Array.from(root.querySelectorAll(selector))).forEach(function (el) {
      if (el.matches(selector)) fn(el);
    });
  }

  function chart(el) {
    var data = JSON.parse(el.dataset.chart);
    charts.set(el, new uPlot({
      width: el.clientWidth || 480, height: 180,
      scales: { x: { time: false } },
      series: [{ label: "day" }, { label: data.label, stroke: "#3b5bdb", fill: "rgba(59,91,219,.12)" }]
    }, [data.x, data.y], el));
  }

  function dropdown(el) {
    var toggle = el.querySelector("button[aria-expanded]"), menu = el.querySelector("[role=menu]");
    var off = new AbortController(), on = { signal: off.signal };
    function open(yes) { toggle.setAttribute("aria-expanded", String(yes)); menu.hidden = !yes; }
    toggle.addEventListener("click", function () { open(menu.hidden); }, on);
    document.addEventListener("click", function (e) { if (!el.contains(e.target)) open(false); }, on);
    el.addEventListener("keydown", function (e) { // Escape closes the menu, not the page's modal
      if (e.key === "Escape" && !menu.hidden) e.preventDefault(), open(false), toggle.focus();
    }, on);
    menus.set(el, off);
  }

  document.addEventListener("panes:load", function (e) {
    each(e.target, "[data-chart]", chart);
    each(e.target, "[data-dropdown]", dropdown);
  });
  document.addEventListener("panes:unload", function (e) {
    each(e.target, "[data-chart]", function (el) { charts.get(el).destroy(); charts.delete(el); });
    each(e.target, "[data-dropdown]", function (el) { menus.get(el).abort(); menus.delete(el); });
  });

  // Unsaved changes: a soft navigation away from a typed new issue asks first.
  document.addEventListener("panes:before-navigate", function (e) {
    var title = document.querySelector("#new-issue [name=title]");
    if (title && title.value && !confirm("Discard the new issue?")) e.preventDefault();
  });

  // Keyboard shortcuts: one listener for the document, bound once (it outlives every swap).
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey) return;
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable) return;
    if (e.key === "j" || e.key === "k") {
      var links = Array.from(document.querySelectorAll(".issues a"));
      var at = links.findIndex(function (a) { return a.getAttribute("aria-current") === "page"; });
      var next = links[Math.max(0, Math.min(links.length - 1, at + (e.key === "j" ? 1 : at < 0 ? 1 : -1)))];
      if (next) window.panes.push(next.href);
    } else if (e.key === "c") {
      window.panes.push("/new");
    }
  });
})();
