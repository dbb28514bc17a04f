// panes client runtime: soft navigation between server-rendered slots.
//
// The server marks every slot it placed with comments, <!--panes:ID--> ... <!--/panes:ID-->,
// and sends a signed state (JSON, see protocol.py) saying what each region shows. A soft
// navigation sends the state back; the answer is a list of records, each a JSON line naming its
// kind ("t"), then the raw HTML it announces. Only the regions that change are swapped; every
// other part of the page keeps its DOM.
(function () {
  "use strict";
  var ANSWER = "application/x-panes-navigation";
  var script = document.currentScript;
  var root = (script && script.getAttribute("data-root")) || "";
  var state, entry; // the state the browser holds; this history entry
  var cache = {}; // history entry id -> { region id -> DocumentFragment it showed }
  var prefetched = {}; // url -> feed, made for the current state only
  var current = null; // the navigation under way: a newer one aborts it
  var index = {}; // region id -> { start, end } comment nodes

  function newId() { return Date.now().toString(36) + Math.random().toString(36).slice(2); }
  function url(id) { return state.urls[id]; }
  function header(s) { // the state as an ASCII header value
    return JSON.stringify(s).replace(/[^ -~]/g, function (c) {
      return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }

  // -- regions in the DOM ------------------------------------------------------------------

  function indexMarkers(within) { // record the region markers inside a subtree
    var walker = document.createTreeWalker(within, 128), node;
    while ((node = walker.nextNode())) {
      var m = /^(\/?)panes:(.*)$/.exec(node.data);
      if (m && node.data !== "panes:keep") (index[m[2]] = index[m[2]] || {})[m[1] ? "end" : "start"] = node;
    }
  }

  function find(id) {
    var r = index[id];
    if (!r || !r.start || !r.start.isConnected || !r.end || !r.end.isConnected) {
      indexMarkers(document); // markers moved by something else than panes: look again
      r = index[id];
    }
    return r && r.start && r.start.isConnected && r.end ? r : null;
  }

  function detach(region) { // the region's content, taken out into a fragment
    var fragment = document.createDocumentFragment();
    while (region.start.nextSibling && region.start.nextSibling !== region.end) {
      fragment.appendChild(region.start.nextSibling);
    }
    return fragment;
  }

  function parse(html) { // new content, its scripts ready to run once inserted
    var template = document.createElement("template");
    template.innerHTML = html;
    activate(template.content);
    return template.content;
  }

  function activate(content) { // parsed scripts do not run: recreate them, to run on insertion
    Array.prototype.forEach.call(content.querySelectorAll("script"), function (old) {
      var fresh = document.createElement("script");
      Array.prototype.forEach.call(old.attributes, function (a) { fresh.setAttribute(a.name, a.value); });
      fresh.textContent = old.textContent;
      old.replaceWith(fresh);
    });
  }

  function keeps(content) {
    // A region of new content holding just <!--panes:keep--> takes the DOM that region has on
    // the page, and leaves the marker there instead: swapping back later is the same move.
    var walker = document.createTreeWalker(content, 128), node, found = [];
    while ((node = walker.nextNode())) if (node.data === "panes:keep") found.push(node);
    found.forEach(function (keep) {
      var end = keep.nextSibling, live = keep.previousSibling && find(keep.previousSibling.data.slice(6));
      if (!live || !end) return;
      var moved = detach(live);
      live.end.parentNode.insertBefore(keep, live.end);
      end.parentNode.insertBefore(moved, end);
    });
  }

  function swap(id, content, leftId) {
    // Put content into region id ("" is the whole body); what it showed is kept for Back.
    var previous, first = content.firstElementChild || content.firstChild;
    keeps(content);
    indexMarkers(content);
    if (id === "") {
      previous = document.createDocumentFragment();
      Array.prototype.slice.call(document.body.childNodes).forEach(function (n) {
        if (n !== script && n.id !== "panes-state") previous.appendChild(n);
      });
      document.body.insertBefore(content, document.body.firstChild);
    } else {
      var here = find(id);
      if (!here) return null;
      previous = detach(here);
      here.end.parentNode.insertBefore(content, here.end);
    }
    if (leftId) (cache[leftId] = cache[leftId] || {})[id] = previous;
    return first;
  }

  function fill(tag) { // a streamed document's fill: its content moves into its region
    var box = tag.previousSibling, content = document.createDocumentFragment();
    while (box.firstChild) content.appendChild(box.firstChild);
    swap(box.getAttribute("data-panes-fill"), content);
    box.remove();
    tag.remove();
  }

  function parseDocument(html) { // the document's own layout changed: its new body
    var next = new DOMParser().parseFromString(html, "text/html");
    var body = document.createDocumentFragment();
    while (next.body.firstChild) body.appendChild(document.adoptNode(next.body.firstChild));
    document.title = next.title;
    activate(body);
    return body;
  }

  // -- the head ----------------------------------------------------------------------------
  // The server marks the tags it manages with data-panes-head="<key>", a hash of the tag: a
  // tag whose key stays is left alone, the others are removed or created, in the new order.

  function managed() { return document.head.querySelectorAll("[data-panes-head]"); }

  function readHead() { // the head a full load wrote, as a record carries it
    return { title: document.title, tags: [].map.call(managed(), function (el) {
      var a = {};
      [].forEach.call(el.attributes, function (x) { a[x.name] = x.value; });
      return [a["data-panes-head"], el.localName, a];
    }) };
  }

  function applyHead(h) {
    if (!h) return;
    document.title = h.title || "";
    var old = {}, prev, first;
    h.tags.forEach(function (t) { old[t[0]] = 1; });
    [].forEach.call(managed(), function (el) {
      var k = el.getAttribute("data-panes-head");
      old[k] ? old[k] = el : el.remove();
    });
    first = managed()[0] || null;
    h.tags.forEach(function (t) {
      var el = old[t[0]];
      if (el === 1) {
        el = document.createElement(t[1]);
        for (var a in t[2]) el.setAttribute(a, t[2][a]);
        el.setAttribute("data-panes-head", t[0]);
      }
      prev ? prev.nextElementSibling !== el && prev.after(el) : el !== first && document.head.insertBefore(el, first);
      prev = el;
    });
  }

  // -- talking to the server ---------------------------------------------------------------

  function feed(href, headers, body) {
    // The answer's records, readable while they arrive: a JSON line, then n[i] characters of
    // HTML for each part it announces. abort() stops the download. A body: a form's post.
    var f = { records: [], done: false, failed: false, wake: null, abort: null, at: Date.now(), post: !!body };
    var control = new AbortController();
    f.abort = function () { control.abort(); };
    function wake() { if (f.wake) { var w = f.wake; f.wake = null; w(); } }
    headers["Panes-State"] = header(state);
    // A redirect is not followed: its target may be another site (a full load goes there).
    fetch(href, { method: body ? "POST" : "GET", body: body, headers: headers, credentials: "same-origin", redirect: "manual", signal: control.signal }).then(function (res) {
      if (!res.ok || (res.headers.get("content-type") || "").indexOf(ANSWER) !== 0) throw (f.res = res);
      var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function cut() {
        for (;;) {
          var eol = buffer.indexOf("\n");
          if (eol < 0) return;
          var head = JSON.parse(buffer.slice(0, eol)), sizes = head.n || [], at = eol + 1;
          var total = sizes.reduce(function (a, b) { return a + b; }, 0);
          if (buffer.length < at + total) return;
          head.html = sizes.map(function (size) { at += size; return buffer.slice(at - size, at); });
          buffer = buffer.slice(at);
          f.records.push(head);
        }
      }
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          buffer += decoder.decode(r.value, { stream: true });
          cut();
          wake();
          return pump();
        });
      }
      return pump();
    }).catch(function () { f.failed = true; }).then(function () { f.done = true; wake(); });
    return f;
  }

  function each(f, handlers) { // each record to the handler named by its kind, in order
    var i = 0;
    return new Promise(function (resolve, reject) {
      (function next() {
        try {
          while (i < f.records.length) {
            var record = f.records[i++];
            if (handlers[record.t](record) === false) return resolve();
          }
        } catch (e) { return reject(e); }
        if (f.done) return f.failed ? reject(new Error("navigation failed")) : resolve();
        f.wake = next;
      })();
    });
  }

  function apply(old, changes) { // entries changed, null ones removed
    var next = Object.assign({}, old, changes);
    Object.keys(next).forEach(function (k) { if (next[k] === null) delete next[k]; });
    return next;
  }

  function update(record) { // the state after a record's update (protocol.merge)
    var next = Object.assign({}, state);
    ["v", "url", "root", "base", "b", "h", "sig"].forEach(function (k) { if (k in record) next[k] = record[k]; });
    next = apply(next, {});
    next.urls = apply(state.urls, record.urls);
    next.regions = apply(state.regions, record.regions);
    return next;
  }

  function hard(href, mode) { mode === "replace" ? location.replace(href) : location.assign(href); }

  function start(f) { // one navigation at a time: a newer one aborts what is under way (not a post)
    if (current && current !== f && !current.post) current.abort();
    current = f;
    return f;
  }

  // -- navigations -------------------------------------------------------------------------

  function run(f, href, mode, leftId, again) {
    // Apply an answer: patches swap regions (and move the URL for a navigation), fills follow.
    // again: after an action, everything is rendered again (a redirect too), caches dropped.
    var first = null;
    return each(f, {
      hard: function () { mode ? hard(href, mode) : location.reload(); return false; },
      redirect: function (r) { f.next = navigate(r.url, mode || "push", again); return false; },
      patch: function (r) {
        if (current !== f) return false;
        if (r.partial) { // a prefetch's loading UI: shown while the rest is fetched, which is
          // only what lies below the loading boundaries (the server is shown what it holds)
          var g = start(feed(href, { "Panes-Prefetched": header(update(r)) }));
          g.held = {};
          r.swap.forEach(function (id, i) { swap(id, parse(r.html[i]), entry.id); g.held[id] = 1; });
          f.next = run(g, href, mode, leftId);
          return false;
        }
        if (again) cache = {};
        mode = r.push === false ? null : mode;
        if (f.post && r.url) href = new URL(root + r.url, location.href).href;
        if (mode) saveScroll();
        var left = leftId || entry.id;
        r.swap.forEach(function (id, i) {
          var shown = swap(id, id === "" ? parseDocument(r.html[i]) : parse(r.html[i]), f.held && f.held[id] ? 0 : left);
          first = first || (id === "" ? null : shown);
        });
        var next = update(r), h = r.head || entry.head;
        applyHead(r.head);
        if (mode) entry = { id: newId(), state: next, scroll: 0 };
        entry.head = h;
        setState(next);
        if (mode) history[mode === "replace" ? "replaceState" : "pushState"]({ panes: entry }, "", href);
        else history.replaceState({ panes: entry }, "", location.href);
        if (mode) reveal(first, href);
      },
      fill: function (r) {
        if (current !== f) return false;
        var content = parse(r.html[0]);
        links(content, r.region);
        swap(r.region, content);
      },
      state: function (r) {
        if (current !== f) return false;
        setState(update(r));
        if (r.head) applyHead(entry.head = r.head);
        history.replaceState({ panes: entry }, "", location.href);
      }
    }).then(function () { return f.next; });
  }

  function navigate(href, mode, again) {
    var to = new URL(href, location.href);
    if (!/^https?:$/.test(to.protocol)) return Promise.reject(new Error("not a web URL: " + href));
    href = to.href;
    // Another site gets a plain page load: nothing of the state goes there.
    if (to.origin !== location.origin) return Promise.resolve(hard(href, mode));
    var p = !again && fresh(href), f;
    prefetched[href] = { used: 1, done: 1, at: Date.now(), abort: function () {} }; // not again
    f = start(p || feed(href, again ? { "Panes-Refresh": "1" } : {}));
    return run(f, href, mode, null, again).catch(function () { // a refused prefetch: fetch it now
      if (current === f) return p ? navigate(href, mode) : hard(href, mode);
    });
  }

  function restore(target, ids, leftId) { // render regions again as the target state says
    if (!ids.length) return Promise.resolve();
    var f = start(feed(location.href, {
      "Panes-Target": header(target), "Panes-Regions": ids.map(encodeURIComponent).join(",")
    }));
    return run(f, location.href, null, leftId);
  }

  function same(a, b) { // the same content, rendered by a layout that read the same segments
    return a && b && a.k === b.k && JSON.stringify(a.reads) === JSON.stringify(b.reads);
  }

  function changed(from, to) { // the outermost regions that differ between two states
    var a = from.regions, b = to.regions, out = [];
    if (!same(a[""], b[""])) return [""];
    Object.keys(b).concat(Object.keys(a)).forEach(function (id) {
      if (!id || out.indexOf(id) >= 0 || same(a[id], b[id])) return;
      for (var up = id; up.indexOf("/") > 0;) {
        up = up.slice(0, up.lastIndexOf("/"));
        if (out.indexOf(up) >= 0 || !same(a[up], b[up])) return;
      }
      out.push(id);
    });
    return out;
  }

  window.addEventListener("popstate", function (event) {
    var target = event.state && event.state.panes;
    if (!target) return;
    var left = entry.id, missing = [];
    changed(state, target.state).forEach(function (id) {
      var saved = cache[target.id] && cache[target.id][id];
      if (saved) {
        delete cache[target.id][id];
        swap(id, saved, left);
      } else if (id === "") {
        missing = null;
      } else if (target.state.regions[id]) missing.push(id);
    });
    if (!missing) return location.reload(); // the document's layout, and nothing cached
    entry = target;
    applyHead(target.head);
    setState(target.state);
    if (current) current.abort(), current = null;
    restore(target.state, missing, left).then(function () { window.scrollTo(0, target.scroll || 0); });
    window.scrollTo(0, target.scroll || 0);
  });

  function reveal(element, href) {
    var hash = new URL(href).hash;
    var anchor = hash && document.getElementById(decodeURIComponent(hash.slice(1)));
    if (anchor) return anchor.scrollIntoView();
    while (element && element.nodeType !== 1) element = element.nextSibling;
    if (!element) return;
    var box = element.getBoundingClientRect();
    if (box.top < 0 || box.top > innerHeight) element.scrollIntoView({ block: "start" });
  }

  var scrollTimer = 0;
  function saveScroll() {
    entry.scroll = window.scrollY;
    history.replaceState({ panes: entry }, "", location.href);
  }
  addEventListener("scroll", function () {
    clearTimeout(scrollTimer);
    scrollTimer = setTimeout(saveScroll, 100);
  }, { passive: true });

  function setState(next) {
    state = next;
    Object.keys(prefetched).forEach(function (k) { prefetched[k].abort(); });
    prefetched = {}; // a prefetch never outlives the tree it was made for
    links();
  }

  // -- links ---------------------------------------------------------------------------------

  function soft(a) { // the URL of a link panes navigates softly, or null
    if (!a || !a.href || a.hasAttribute("download") || a.hasAttribute("data-panes-reload")) return null;
    if (a.target && a.target !== "_self") return null;
    var u = new URL(a.href, location.href);
    if (u.origin !== location.origin || !/^https?:$/.test(u.protocol)) return null;
    if (u.pathname === location.pathname && u.search === location.search && u.hash) return null;
    return u.href;
  }

  document.addEventListener("click", function (event) {
    var again = event.target.closest && event.target.closest("[data-panes-retry]");
    if (again) return event.preventDefault(), window.panes.refresh(); // what failed renders again
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var a = event.target.closest && event.target.closest("a[href]");
    var href = soft(a);
    if (!href) return;
    event.preventDefault();
    navigate(href, "push");
  });

  document.addEventListener("submit", function (event) { // a form post runs the page's action()
    var form = event.target, to = new URL(form.action, location.href);
    if (event.defaultPrevented || form.method !== "post" || to.origin !== location.origin) return;
    if (form.hasAttribute("data-panes-reload")) return;
    event.preventDefault();
    if (form.panesBusy) return; // a second click while the first post is under way: one post
    form.panesBusy = 1;
    cache = {}; // nothing cached from before the mutation is shown again
    var f = start(feed(to.href, {}, new FormData(form, event.submitter)));
    // Never posted again: a server failure shows its page, a network failure is the page's to handle.
    return run(f, to.href, "push", null, 1).catch(function () {
      if (!f.res) return form.dispatchEvent(new CustomEvent("panes:error", { bubbles: true }));
      return f.res.text().then(function (html) { document.open(); document.write(html); document.close(); });
    }).then(function () { form.panesBusy = 0; });
  });

  function fresh(href) { // a prefetch still worth using
    var f = prefetched[href];
    return f && !f.used && Date.now() - f.at < 30000 && !(f.done && f.failed) ? f : null;
  }
  function prefetch(href) { // at most 3 at once; each URL once for this state (refused too,
    // for 30 s), not while a navigation goes there, never the URL shown
    var f = prefetched[href], busy = Object.keys(prefetched).filter(function (k) { return !prefetched[k].done; });
    if (href === location.href || (f && (f.used || Date.now() - f.at < 30000)) || busy.length > 2) return;
    prefetched[href] = feed(href, { "Panes-Prefetch": "1" });
  }
  function intent(event) { // the pointer or the focus on a link: its page will likely be wanted
    var a = event.target.closest && event.target.closest("a[href]");
    var href = soft(a);
    if (href && a.getAttribute("data-panes-prefetch") !== "false") prefetch(href);
  }
  document.addEventListener("mouseover", intent);
  document.addEventListener("focusin", intent);
  document.addEventListener("touchstart", intent, { passive: true });

  function links(within, id) { // aria-current on links showing their slot's URL
    var all = state.regions, here = state.url, stack = id ? [id] : [];
    function slotUrl(id) {
      while (all[id + "/children"]) id = id + "/children";
      return all[id] ? url(all[id].u) : here;
    }
    var walker = document.createTreeWalker(within || document.body, 129), node;
    while ((node = walker.nextNode())) {
      if (node.nodeType === 8) {
        if (node.data.lastIndexOf("panes:", 0) === 0 && node.data !== "panes:keep") stack.push(node.data.slice(6));
        else if (node.data.lastIndexOf("/panes:", 0) === 0) stack.pop();
      } else if (node.tagName === "A" && node.hasAttribute("href")) {
        var u = new URL(node.href, location.href);
        var showing = root + (stack.length ? slotUrl(stack[stack.length - 1]) : here);
        if (u.origin === location.origin && u.pathname + u.search === showing) {
          node.setAttribute("aria-current", "page");
        } else if (node.getAttribute("aria-current") === "page") node.removeAttribute("aria-current");
      }
    }
  }

  // -- start -------------------------------------------------------------------------------

  function init() {
    state = JSON.parse(document.getElementById("panes-state").textContent);
    entry = { id: newId(), state: state, scroll: 0, head: readHead() };
    history.scrollRestoration = "manual";
    var saved = history.state && history.state.panes;
    history.replaceState({ panes: entry }, "", location.href);
    indexMarkers(document);
    links();
    if (saved && saved.state && saved.state.regions) { // a reload: RESTORE = True slots come back
      var ids = changed(state, saved.state).filter(function (id) {
        return state.regions[id] && state.regions[id].restore && saved.state.regions[id];
      });
      restore(saved.state, ids);
      window.scrollTo(0, saved.scroll || 0);
    }
  }

  window.panes = {
    push: function (href) { return navigate(href, "push"); },
    replace: function (href) { return navigate(href, "replace"); },
    refresh: function () { // everything again; only what changed is swapped
      return run(start(feed(location.href, { "Panes-Refresh": "1" })), location.href, null, null, 1);
    },
    prefetch: prefetch,
    fill: fill,
    head: applyHead // a streamed document's metadata, once it finished
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
