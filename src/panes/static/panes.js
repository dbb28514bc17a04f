// panes client runtime: soft navigation between server-rendered slots.
//
// The server marks every slot it placed with comments, <!--panes:ID--> ... <!--/panes:ID-->,
// and sends a signed state (JSON, see protocol.py) saying what each region shows. A soft
// navigation sends the state back; the answer is a list of records, each a JSON line naming its
// kind ("t"), then the raw HTML it announces. Only the regions that change are swapped; every
// other part of the page keeps its DOM.
//
// Widgets live on the lifecycle it dispatches (README, "Interactive widgets"): panes:load on
// each top-level element of content once it is in the document (document.body on a hard load),
// panes:unload on each just before it leaves, panes:before-navigate and panes:navigate on
// document.
(function () {
  "use strict";
  // Under node (tests/js) only the pure part is taken, and nothing runs.
  if (typeof window === "undefined") return module.exports = { merge: merge, changed: changed };
  if (window.panes) return; // a second copy, loaded after a cut stream (client.runtime_tag)
  var script = document.currentScript;
  var root = (script && script.getAttribute("data-root")) || "";
  var state, entry; // the state the browser holds; this history entry
  var cache = {}; // history entry id -> { region id -> DocumentFragment it showed }
  var prefetched = {}; // url -> feed, made for the current state only
  var current = null, going; // the navigation under way (a newer one aborts it), its URL
  var watch; // a streamed document silent for 4 s is taken for cut (the server beats every second)
  var ready = 0; // panes:load/unload are dispatched once the document is complete (init)
  var added = []; // the elements that got new content, since the last settle()
  var typed = null; // during a post: [the form, the fields typed into since it was sent]
  var openers = {}; // region id -> the element whose navigation opened a modal there
  var waiting = 0; // navigations and posts on their way
  var html = document.documentElement;

  function emit(target, name, detail, cancelable) { // a panes:* event; false if cancelled
    return target.dispatchEvent(new CustomEvent("panes:" + name, { bubbles: true, cancelable: cancelable, detail: detail }));
  }
  function lifecycle(nodes, name) { // panes:load or panes:unload on each element of content
    if (ready) nodes.forEach(function (n) { if (n.nodeType === 1) emit(n, name), name === "load" && added.push(n); });
  }
  function inside(region) { // the nodes of a region in the DOM
    for (var n = region.start.nextSibling, out = []; n && n !== region.end; n = n.nextSibling) out.push(n);
    return out;
  }

  function newId() { return Date.now().toString(36) + Math.random().toString(36).slice(2); }
  function header(s) { // the state as an ASCII header value
    return JSON.stringify(s).replace(/[^ -~]/g, function (c) {
      return "\\u" + c.charCodeAt(0).toString(16).padStart(4, 0);
    });
  }

  // -- the navigation state: pure functions (node runs them in tests/js, on the cases that
  // protocol.merge is tested on: tests/fixtures/state) ---------------------------------------

  function apply(old, changes) { // entries changed, null ones removed
    var next = Object.assign({}, old, changes);
    Object.keys(next).forEach(function (k) { if (next[k] === null) delete next[k]; });
    return next;
  }

  function merge(old, record) { // the state after a record's update (protocol.merge)
    var next = { urls: apply(old.urls, record.urls), regions: apply(old.regions, record.regions) };
    ["v", "url", "root", "base", "b", "h", "sig"].forEach(function (k) { if (k in record) next[k] = record[k]; });
    return apply(old, next);
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

  // -- regions in the DOM ------------------------------------------------------------------

  function find(id) { // a region's markers in the document
    var walker = document.createTreeWalker(document, 128), node, start;
    while ((node = walker.nextNode())) {
      if (node.data === "panes:" + id) start = node;
      else if (start && node.data === "/panes:" + id) return { start: start, end: node };
    }
    return null;
  }

  function fragment(nodes) { // the nodes, taken out of where they are into a fragment
    var out = document.createDocumentFragment();
    out.append.apply(out, nodes);
    return out;
  }

  function parse(html) { // new content, its scripts ready to run once inserted
    var template = document.createElement("template");
    template.innerHTML = html;
    activate(template.content);
    return template.content;
  }

  function activate(content) { // parsed scripts do not run: recreate them, to run on insertion
    [].forEach.call(content.querySelectorAll("script"), function (old) {
      var fresh = document.createElement("script");
      [].forEach.call(old.attributes, function (a) { fresh.setAttribute(a.name, a.value); });
      fresh.textContent = old.textContent;
      old.replaceWith(fresh);
    });
  }

  function keeps(content) {
    // A region of new content holding just <!--panes:~keep--> takes the DOM that region has on
    // the page, and leaves the marker there instead: swapping back later is the same move.
    var walker = document.createTreeWalker(content, 128), node, found = [];
    while ((node = walker.nextNode())) if (node.data === "panes:~keep") found.push(node);
    found.forEach(function (keep) {
      var end = keep.nextSibling, live = keep.previousSibling && find(keep.previousSibling.data.slice(6));
      if (!live || !end) return;
      lifecycle(inside(live), "unload");
      var moved = fragment(inside(live));
      live.end.parentNode.insertBefore(keep, live.end);
      end.parentNode.insertBefore(moved, end);
    });
  }

  function swap(id, content, leftId) {
    // Put content into region id ("" is the whole body); what it showed is kept for Back.
    // Its elements get panes:unload before they leave, the new ones panes:load once in.
    var previous, here = id ? find(id) : null, focused = document.activeElement, nodes;
    var first = content.firstElementChild || content.firstChild;
    if (id && !here) return null;
    keeps(content);
    nodes = [].slice.call(content.childNodes);
    lifecycle(id ? inside(here) : [document.body], "unload");
    previous = fragment(id ? inside(here) : [].filter.call(document.body.childNodes, function (n) {
      return n !== script && n.id !== "panes-state"; // the whole body but the runtime and the state
    }));
    (typed || []).forEach(function (el, i) { // what was typed while a post was on its way stays
      var key = el.localName + (el.name ? '[name="' + CSS.escape(el.name) + '"]' : "");
      var to = previous.contains(el) && content.querySelectorAll(key)[[].indexOf.call(previous.querySelectorAll(key), el)];
      if (!to) return;
      if (i && el.type !== "file") to.value = el.value, to.checked = el.checked;
      if (el === focused) focused = to;
      typed[i] = to; // the form, and the fields, as they are now
    });
    id ? here.end.parentNode.insertBefore(content, here.end) : document.body.insertBefore(content, document.body.firstChild);
    if (focused && focused.isConnected) focused.focus(); // moved (kept DOM) or replaced (typed)
    lifecycle(id ? nodes : [document.body], "load");
    if (leftId) (cache[leftId] = cache[leftId] || {})[id] = previous;
    return first;
  }

  function settle(ids, old, from) {
    // After a navigation: the first [autofocus] of the new content gets focus; a modal that
    // closes (an interception's region) gives it back to the element that opened it.
    var back, auto;
    if (!ids) return added = [];
    ids.forEach(function (id) {
      var now = (state.regions[id] || {}).via;
      if ((old.regions[id] || {}).via && !now) back = openers[id];
      if (now && from) openers[id] = from;
    });
    added.some(function (el) { return (auto = el.matches("[autofocus]") ? el : el.querySelector("[autofocus]")); });
    added = [];
    if (auto) auto.focus();
    else if (back && back.isConnected && document.activeElement === document.body) back.focus();
  }

  function fill(tag) { // a streamed document's fill (none: a beat): its content moves into its region
    clearTimeout(watch);
    watch = setTimeout(recover, 4e3, 1e3);
    if (!tag) return;
    var box = tag.previousSibling;
    swap(box.getAttribute("data-panes-fill"), fragment(box.childNodes));
    box.remove();
    tag.remove();
  }

  function attributes(from, to) { // the root layout's <html> and <body> attributes follow
    [].slice.call(to.attributes).forEach(function (a) { from.hasAttribute(a.name) || to.removeAttribute(a.name); });
    [].forEach.call(from.attributes, function (a) { to.setAttribute(a.name, a.value); });
  }

  function parseDocument(text) { // the document's own layout changed: its new body
    var next = new DOMParser().parseFromString(text, "text/html"), body = fragment(next.body.childNodes);
    attributes(next.documentElement, html);
    attributes(next.body, document.body);
    wait(0);
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
    var f = { records: [], at: Date.now(), post: !!body };
    var control = new AbortController();
    f.abort = control.abort.bind(control);
    function wake() { if (f.wake) { var w = f.wake; f.wake = null; w(); } }
    headers["Panes-State"] = header(state);
    // A redirect is not followed: its target may be another site (a full load goes there).
    fetch(href, { method: body && "POST", body: body, headers: headers, redirect: "manual", signal: control.signal }).then(function (res) {
      if (!res.ok || !/^application\/x-panes-navigation/.test(res.headers.get("content-type"))) throw (f.res = res);
      var reader = res.body.pipeThrough(new TextDecoderStream()).getReader(), buffer = "";
      function cut() {
        for (;;) {
          var eol = buffer.indexOf("\n");
          if (eol < 0) return;
          var head = JSON.parse(buffer.slice(0, eol)), at = eol + 1;
          head.html = (head.n || []).map(function (size) { at += size; return buffer.slice(at - size, at); });
          if (buffer.length < at) return; // not all of its HTML yet
          buffer = buffer.slice(at);
          f.records.push(head);
        }
      }
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          buffer += r.value;
          cut();
          wake();
          return pump();
        });
      }
      return pump();
    }).catch(function () { f.failed = true; }).then(function () { f.done = true; if (f.busy) f.busy = 0, wait(-1); wake(); });
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
        if (f.done) return f.failed ? reject(f) : resolve();
        f.wake = next;
      })();
    });
  }

  function hard(href, mode) { // a full page load (of the URL shown: a reload, even with a #fragment)
    href === location.href ? location.reload() : location[mode === "replace" ? "replace" : "assign"](href);
  }

  function start(f) { // one navigation at a time: a newer one aborts what is under way (not a post)
    if (current && current !== f && !current.post) current.abort();
    current = f;
    if (!f.done && !f.busy) f.busy = 1, wait(1);
    return f;
  }

  function wait(n) { // <html data-panes-pending> while a navigation or a post is on its way
    waiting += n;
    waiting ? html.setAttribute("data-panes-pending", "") : html.removeAttribute("data-panes-pending");
  }

  // -- navigations -------------------------------------------------------------------------

  function run(f, href, mode, leftId, again, from) {
    // Apply an answer: patches swap regions (and move the URL for a navigation), fills follow.
    // again: after an action, everything is rendered again (a redirect too), caches dropped.
    // from: the element that started the navigation (a modal gives focus back to it).
    var first = null;
    return each(f, {
      hard: function () { hard(href, mode); return false; },
      redirect: function (r) { f.next = navigate(r.url, mode || "push", again, 1); return false; },
      patch: function (r) {
        if (current !== f) return false;
        if (r.partial) { // a prefetch's loading UI: shown while the rest is fetched, which is
          // only what lies below the loading boundaries (the server is shown what it holds)
          var g = f.inner = start(feed(href, { "Panes-Prefetched": header(merge(state, r)) }));
          g.held = {};
          r.swap.forEach(function (id, i) { swap(id, parse(r.html[i]), entry.id); g.held[id] = 1; });
          f.next = run(g, href, mode, leftId, 0, from);
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
        var next = merge(state, r), h = r.head || entry.head, old = state;
        applyHead(r.head);
        if (mode) entry = { id: newId(), state: next, scroll: 0, back: mode === "push" || entry.back };
        entry.head = h;
        setState(next);
        if (mode) history[mode === "replace" ? "replaceState" : "pushState"]({ panes: entry }, "", href);
        else history.replaceState({ panes: entry }, "", location.href);
        if (mode) reveal(first, href), emit(document, "navigate", { url: location.href });
        settle(!again && r.swap, old, from);
      },
      fill: function (r) {
        if (current !== f) return false;
        var content = parse(r.html[0]);
        links(content, r.region);
        swap(r.region, content);
        settle(!again && [], state);
      },
      state: function (r) {
        if (current !== f) return false;
        setState(merge(state, r));
        if (r.head) applyHead(entry.head = r.head);
        history.replaceState({ panes: entry }, "", location.href);
      }
    }).then(function () { return f.next; });
  }

  function navigate(href, mode, again, from) {
    // from: the element that asked (a link, a form, a modal's dismiss), or 1 for a redirect
    // (no panes:before-navigate: the navigation it follows was asked already).
    var to = new URL(href, location.href);
    if (!/^https?:$/.test(to.protocol)) return Promise.reject(new Error("not a web URL: " + href));
    href = to.href;
    // Another site gets a plain page load: nothing of the state goes there. So does a page
    // whose stream was cut before its state arrived.
    if (to.origin !== location.origin || !state) return Promise.resolve(hard(href, mode));
    if (!navigator.onLine) return Promise.reject(Error("offline")); // the page stays as it is
    if (from !== 1 && !emit(document, "before-navigate", { url: href }, 1)) return Promise.resolve();
    var p = !again && fresh(href), f;
    delete prefetched[href];
    going = href; // not prefetched while the navigation goes there
    f = start(p || feed(href, again ? { "Panes-Refresh": "1" } : {}));
    return run(f, href, mode, null, again, from).catch(function () {
      var g = f.inner || f; // after a prefetch's loading UI: the answer itself
      // Unless a newer navigation took over: a refused prefetch is fetched now, any other
      // failure is a full page load of the target.
      if (current === g) return p && g === f ? navigate(href, mode, 0, 1) : hard(href, mode);
    });
  }

  function restore(target, ids, leftId) { // render regions again as the target state says
    if (!ids.length) return Promise.resolve();
    var f = start(feed(location.href, {
      "Panes-Target": header(target), "Panes-Regions": ids.map(encodeURIComponent).join(",")
    }));
    return run(f, location.href, null, leftId).catch(function () { // what the entry shows, in full
      if (current === f) hard(location.href);
    });
  }

  window.addEventListener("popstate", function (event) {
    var target = event.state && event.state.panes;
    if (!target) return;
    var left = entry.id, missing = [], old = state, ids = changed(state, target.state);
    ids.forEach(function (id) {
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
    emit(document, "navigate", { url: location.href });
    settle(ids, old);
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
    if (!state || !a || !a.href || a.matches("[download],[data-panes-reload]") || (a.target || "_self") !== "_self") return null;
    var u = new URL(a.href, location.href);
    if (u.origin !== location.origin || !/^https?:$/.test(u.protocol)) return null;
    return u.pathname === location.pathname && u.search === location.search && u.hash ? null : u.href;
  }

  document.addEventListener("click", function (event) {
    var again = event.target.closest && event.target.closest("[data-panes-retry]");
    if (again) return event.preventDefault(), window.panes.refresh().catch(failed(again)); // what failed renders again
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var close = event.target.closest && event.target.closest("a[data-panes-dismiss],button[data-panes-dismiss]");
    if (close && entry.back) return event.preventDefault(), history.back();
    var a = event.target.closest && event.target.closest("a[href]");
    var href = soft(a);
    if (!href) return;
    event.preventDefault();
    navigate(href, "push", 0, a).catch(failed(a));
  });

  function write(html) { // a whole page instead of this one (its own runtime starts)
    window.panes = null;
    document.open();
    document.write(html);
    document.close();
  }

  function failed(element) { // offline: the element the user acted on is told (and the page stays)
    return function () { emit(element, "error"); };
  }

  // A modal marked data-panes-dismiss closes with Escape, and a link or button inside it marked
  // so closes it on a click: both go Back, when a soft navigation opened it (else a link is
  // followed).
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.defaultPrevented && entry.back && document.querySelector("[data-panes-dismiss]")) history.back();
  });

  document.addEventListener("submit", function (event) {
    // A GET form is a soft navigation to its URL with the fields as the query; a post runs the
    // page's action().
    var form = event.target, to = new URL(form.action, location.href), data = new FormData(form, event.submitter);
    var sent = Array.from(data) + "", get = form.method === "get";
    if (!state || event.defaultPrevented || to.origin !== location.origin || form.hasAttribute("data-panes-reload")) return;
    if (!get && form.method !== "post" || (form.target || "_self") !== "_self") return;
    event.preventDefault();
    if (get) return to.search = new URLSearchParams(data), navigate(to.href, "push", 0, event.submitter || form);
    // A second submit while the post is on its way: the same data again (a double click) is
    // one post; changed data is posted once the first answer is in.
    if (typed && typed[0] === form) return typed.again = sent !== typed.sent;
    var mine = typed = [form];
    mine.sent = sent;
    form.setAttribute("aria-busy", "true");
    cache = {}; // nothing cached from before the mutation is shown again
    var f = start(feed(to.href, {}, data));
    // Never posted again: a server failure shows its page, a network failure is the page's to handle.
    return run(f, to.href, "push", null, 1).catch(function () {
      if (!f.res) return emit(form, "error");
      return f.res.text().then(write);
    }).then(function () {
      var next = mine[0];
      form.removeAttribute("aria-busy");
      if (typed === mine) typed = null;
      if (mine.again && next.isConnected) next.requestSubmit();
    });
  });
  document.addEventListener("input", function (event) { if (typed && typed.indexOf(event.target) < 0) typed.push(event.target); });

  function fresh(href) { // a prefetch made in the last 30 s (a refused one: the click fetches)
    var f = prefetched[href];
    return f && Date.now() - f.at < 30000 ? f : null;
  }
  function prefetch(href) { // at most 3 at once; each URL once for this state (refused too,
    // for 30 s), never the URL shown or the one a navigation goes to
    var busy = Object.keys(prefetched).filter(function (k) { return !prefetched[k].done; });
    if (!state || href === location.href || href === going || fresh(href) || busy.length > 2) return;
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
    function slotUrl(id) { // a slot showing its default shows no URL of its own
      while (all[id + "/children"]) id = id + "/children";
      return all[id] && !all[id].d ? state.urls[all[id].u] : here;
    }
    var walker = document.createTreeWalker(within || document.body, 129), node;
    while ((node = walker.nextNode())) {
      if (node.nodeType === 8) {
        if (node.data.startsWith("panes:") && node.data !== "panes:~keep") stack.push(node.data.slice(6));
        else if (node.data.startsWith("/panes:")) stack.pop();
      } else if (node.tagName === "A" && node.hasAttribute("href")) {
        var u = new URL(node.href, location.href);
        // current: the URL its slot shows, or the document's (a list beside its @detail)
        var showing = root + slotUrl(stack[stack.length - 1]), to = u.pathname + u.search;
        if (u.origin === location.origin && (to === showing || to === root + here)) {
          node.setAttribute("aria-current", "page");
        } else if (node.getAttribute("aria-current") === "page") node.removeAttribute("aria-current");
      }
    }
  }

  // -- start -------------------------------------------------------------------------------

  function recover(wait) {
    // The document's stream was cut before its state: the page is read again and written in
    // full (unless its own stream ended after all). Tried again for a minute; links are full page
    // loads meanwhile.
    fetch(location.href).then(function (res) {
      if (!res.ok) throw res;
      return res.text();
    }).then(function (html) { state || write(html); }).catch(function () {
      if (wait < 6e4) setTimeout(recover, wait, wait * 2);
    });
  }

  function init() {
    var el = document.getElementById("panes-state");
    clearTimeout(watch);
    if (!el) return recover(1e3);
    state = JSON.parse(el.textContent);
    entry = { id: newId(), state: state, scroll: 0, head: readHead() };
    history.scrollRestoration = "manual";
    var saved = history.state && history.state.panes;
    history.replaceState({ panes: entry }, "", location.href);
    links();
    // The progress bar: shown by CSS while <html> is pending, after 300 ms. Its rules have no
    // specificity (:where), so a page's own CSS for .panes-progress wins (display: none hides it).
    html.insertAdjacentHTML("beforeend", '<style>:where(.panes-progress){position:fixed;top:0;z-index:99999;height:3px;width:0;background:#07f}' +
      ':where([data-panes-pending] .panes-progress){width:90%;transition:width 9s .3s}</style><div class="panes-progress"></div>');
    ready = 1;
    emit(document.body, "load");
    if (saved && saved.state && saved.state.regions) { // a reload: RESTORE = True slots come back
      var ids = changed(state, saved.state).filter(function (id) {
        return (state.regions[id] || {}).restore && saved.state.regions[id];
      });
      restore(saved.state, ids);
      window.scrollTo(0, saved.scroll || 0);
    }
  }

  window.panes = {
    push: function (href) { return navigate(href, "push", 0, document.activeElement); },
    replace: function (href) { return navigate(href, "replace", 0, document.activeElement); },
    refresh: function () { // everything again; only what changed is swapped
      return navigate(location.href, null, 1, 1);
    },
    prefetch: prefetch,
    fill: fill,
    head: applyHead // a streamed document's metadata, once it finished
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init), fill(); // streaming: the watch starts
  else init();
})();
