// panes dev: live reload that keeps slot state, and the error overlay. Served and added to
// pages only under `panes dev` (see dev.py); never counted in the runtime's size budget.
//
// The server's event stream says, in each "hello" (a worker that just started) or "change"
// event, a fingerprint and a scope of every file of the app directory. Comparing two of them
// tells which top-level regions show a changed file: those are rendered again from the server
// (window.panes.refresh(): everything is rendered, only what changed is swapped), every other
// region keeps its DOM (typed input, scroll, modals).
// A change to the document's layout reloads the page.
(function () {
  "use strict";
  var script = document.currentScript;
  var root = (script && script.getAttribute("data-root")) || "";
  var known = null; // the last hello or change: { boot, files: { path: [digest, scope] } }
  var overlay = null; // the overlay element shown over the page
  var failed = false; // a request of the runtime was answered with an error
  var pending = null; // the URL of a soft navigation that failed: tried again once fixed
  var dirty = {}; // the scopes changed since the last update that worked

  function soft() { return window.panes && document.getElementById("panes-state") && !document.querySelector("[data-panes-overlay]"); }

  function scopes(before, after) { // the scopes of the files that differ
    var out = {};
    Object.keys(before.files).concat(Object.keys(after.files)).forEach(function (name) {
      var a = before.files[name], b = after.files[name];
      if (a && b && a[0] === b[0]) return;
      if (a) out[a[1]] = 1;
      if (b) out[b[1]] = 1;
    });
    var list = Object.keys(out);
    return list.length || before.boot === after.boot ? list : ["*"]; // a new worker: anything
  }

  function update(now) {
    var before = known;
    known = now;
    if (!before) return;
    var changed = scopes(before, now);
    if (!changed.length) return;
    changed.forEach(function (scope) { dirty[scope] = 1; });
    changed = Object.keys(dirty);
    var started = performance.now();
    if (!soft()) return location.replace(location.href); // an error page, or no runtime
    if (changed.indexOf("reload") >= 0) return location.reload();
    failed = false;
    var again = pending;
    var done = again ? window.panes.push(again)
      : window.panes.refresh();
    done.then(function () {
      if (failed) return;
      pending = null;
      dirty = {};
      hide();
      console.info("[panes dev] updated " + (again || changed.join(", ")) + " in " +
        Math.round(performance.now() - started) + " ms");
      document.dispatchEvent(new CustomEvent("panes:dev-update", { detail: changed }));
    }, function () { location.reload(); });
  }

  var retry = 100; // ms before connecting again: doubles while the server is away, up to 1 s
  function connect() {
    var events = new EventSource(root + "/_panes/dev/events");
    function read(event) { update(JSON.parse(event.data)); }
    events.addEventListener("hello", read);
    events.addEventListener("change", read);
    events.onopen = function () { retry = 100; };
    events.onerror = function () { // the server went away (a restart): back off, then again
      events.close();
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 1000);
    };
  }

  // -- the overlay -------------------------------------------------------------------------

  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
  }

  function show(html) {
    hide();
    overlay = document.createElement("panes-dev-overlay");
    overlay.setAttribute("style", "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(10,10,14,.6);padding:4vh 2vw;box-sizing:border-box");
    var shadow = overlay.attachShadow({ mode: "open" });
    shadow.innerHTML = '<button title="Close (Esc)" style="position:fixed;top:12px;right:16px;' +
      'font:20px system-ui;color:#fff;background:none;border:0;cursor:pointer">&times;</button>' + html;
    shadow.querySelector("button").onclick = hide;
    document.documentElement.appendChild(overlay);
  }

  addEventListener("keydown", function (event) { if (event.key === "Escape") hide(); });

  // The runtime's requests: an answer with the error header holds the overlay (dev.py).
  var realFetch = window.fetch;
  window.fetch = function (input, init) {
    var headers = (init && init.headers) || {};
    return realFetch.apply(this, arguments).then(function (res) {
      if (!res.headers.get("panes-dev-error") || headers["Panes-Prefetch"]) return res;
      failed = true;
      if (!headers["Panes-Target"] && !headers["Panes-Refresh"]) pending = new URL(typeof input === "string" ? input : input.url, location.href).href;
      res.clone().text().then(function (text) {
        show(JSON.parse(text.slice(0, text.indexOf("\n"))).error);
      });
      return res;
    });
  };

  window.panesDev = { show: show, hide: hide };
  connect();
})();
