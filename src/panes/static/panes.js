// panes client runtime: soft navigation between server-rendered slots.
//
// The server marks every slot it placed with comments, <!--panes:ID--> ... <!--/panes:ID-->,
// and sends a signed state saying what each region shows. A soft navigation sends that state
// back; the answer (records: a JSON line, then raw HTML) holds only the regions that change,
// then their streamed fills, then the final state. Everything else on the page keeps its DOM.
(function () {
  "use strict";
  var ANSWER = "application/x-panes-navigation";
  var script = document.currentScript;
  var root = (script && script.getAttribute("data-root")) || "";
  var state = document.getElementById("panes-state").textContent;
  var entry = { id: newId(), state: state, scroll: 0 }; // this history entry
  var cache = {}; // history entry id -> { region id -> DocumentFragment it showed }
  var prefetched = {}; // url -> feed, made for the current state only
  var navigation = 0; // the latest navigation; older ones stop applying

  function newId() { return Date.now().toString(36) + Math.random().toString(36).slice(2); }
  // The state (see navigation.py): "sig.version|url|root|id,key,url,flags,segment,reads,via;...|base"
  function fields(s) { return s.slice(s.indexOf(".") + 1).split("|"); }
  function docUrl(s) { return decodeURIComponent(fields(s)[1]); }
  function regions(s) {
    var out = {};
    fields(s)[3].split(";").forEach(function (item) {
      var f = item.split(",");
      if (f.length > 5) {
        out[decodeURIComponent(f[0])] = { k: f[1], u: decodeURIComponent(f[2]), l: f[3].indexOf("l") >= 0,
          R: f[3].indexOf("R") >= 0, r: f[5] };
      }
    });
    return out;
  }

  // -- regions in the DOM ------------------------------------------------------------------

  function markers(within) {
    var found = {}, walker = document.createTreeWalker(within || document, 128), node;
    while ((node = walker.nextNode())) {
      var data = node.data;
      if (data.lastIndexOf("panes:", 0) === 0 && data !== "panes:keep") {
        (found[data.slice(6)] = found[data.slice(6)] || {}).start = node;
      } else if (data.lastIndexOf("/panes:", 0) === 0) {
        (found[data.slice(7)] = found[data.slice(7)] || {}).end = node;
      }
    }
    return found;
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
    var live = markers(), fresh = markers(content);
    Object.keys(fresh).forEach(function (id) {
      var keep = fresh[id].start && fresh[id].start.nextSibling;
      if (keep && keep.nodeType === 8 && keep.data === "panes:keep" && live[id] && live[id].end) {
        var moved = detach(live[id]);
        live[id].end.parentNode.insertBefore(keep, live[id].end);
        fresh[id].end.parentNode.insertBefore(moved, fresh[id].end);
      }
    });
  }

  function put(id, content, leftId) {
    // Put content into region id ("" is the whole body); what it showed is kept for Back.
    var previous, first = content.firstElementChild || content.firstChild;
    keeps(content);
    if (id === "") {
      previous = document.createDocumentFragment();
      Array.prototype.slice.call(document.body.childNodes).forEach(function (n) {
        if (n !== script && n.id !== "panes-state") previous.appendChild(n);
      });
      document.body.insertBefore(content, document.body.firstChild);
    } else {
      var here = markers()[id];
      if (!here || !here.end) return null;
      previous = detach(here);
      here.end.parentNode.insertBefore(content, here.end);
    }
    if (leftId) (cache[leftId] = cache[leftId] || {})[id] = previous;
    return first;
  }

  function parseDocument(html) { // the document's own layout changed: its new body
    var next = new DOMParser().parseFromString(html, "text/html");
    var body = document.createDocumentFragment();
    while (next.body.firstChild) body.appendChild(document.adoptNode(next.body.firstChild));
    document.title = next.title;
    activate(body);
    return body;
  }

  // -- talking to the server ---------------------------------------------------------------

  function feed(url, headers) {
    // The answer's records, readable while they arrive: a JSON line, then n[i] characters of
    // HTML for each part it announces.
    var f = { records: [], done: false, failed: false, wake: null };
    function wake() { if (f.wake) { var w = f.wake; f.wake = null; w(); } }
    headers["Panes-State"] = state;
    fetch(url, { headers: headers, credentials: "same-origin" }).then(function (res) {
      if (!res.ok || (res.headers.get("content-type") || "").indexOf(ANSWER) !== 0) throw 0;
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

  function rebuild(delta) { // the signed state after a change (see navigation.delta)
    var f = fields(state), items = {};
    function add(list) {
      list.split(";").forEach(function (item) { if (item) items[item.slice(0, item.indexOf(","))] = item; });
    }
    add(f[3]);
    (delta.drop || []).forEach(function (id) { delete items[id]; });
    add(delta.add);
    var su = "su" in delta ? delta.su : "url" in delta ? delta.url : f[1];
    var body = [f[0], su, f[2], Object.keys(items).sort().map(function (id) { return items[id]; }).join(";"),
      delta.sb || ""];
    return delta.sig + "." + body.join("|");
  }

  function each(f, apply) { // apply every line in order; resolves when the answer is complete
    var i = 0;
    return new Promise(function (resolve, reject) {
      (function next() {
        try {
          while (i < f.records.length) if (apply(f.records[i++]) === false) return resolve();
        } catch (e) { return reject(e); }
        if (f.done) return f.failed ? reject(new Error("navigation failed")) : resolve();
        f.wake = next;
      })();
    });
  }

  function hard(url, mode) { mode === "replace" ? location.replace(url) : location.assign(url); }

  // -- navigations -------------------------------------------------------------------------

  function navigate(url, mode) {
    url = new URL(url, location.href).href;
    var mine = ++navigation;
    var f = prefetched[url];
    delete prefetched[url];
    f = f || feed(url, {});
    var first = null;
    return each(f, function (data) {
      if (mine !== navigation) return false;
      if (data.hard) { hard(url, mode); return false; }
      if (data.redirect) { navigate(data.redirect, mode); return false; }
      if (data.patches) {
        first = null;
        saveScroll();
        var left = entry.id, next = rebuild(data);
        data.patches.forEach(function (id, i) {
          var content = id === "" ? parseDocument(data.html[i]) : parse(data.html[i]);
          var shown = put(id, content, left);
          first = first || (id === "" ? null : shown);
        });
        entry = { id: newId(), state: next, scroll: 0 };
        setState(next);
        history[mode === "replace" ? "replaceState" : "pushState"]({ panes: entry }, "", url);
        reveal(first, url);
      } else if (data.fill !== undefined) {
        put(data.fill, parse(data.html[0]));
        links();
      } else if (data.sig) {
        entry.state = rebuild(data);
        setState(entry.state);
        history.replaceState({ panes: entry }, "", location.href);
      }
    }).catch(function () { if (mine === navigation) hard(url, mode); });
  }

  function restore(target, ids, leftId) { // render regions again as the target state says
    if (!ids.length) return Promise.resolve();
    var headers = { "Panes-Target": target, "Panes-Regions": ids.map(encodeURIComponent).join(",") };
    var mine = ++navigation;
    return each(feed(location.href, headers), function (data) {
      if (mine !== navigation) return false;
      if (data.hard) { location.reload(); return false; }
      var next = data.sig && rebuild(data);
      if (data.patches) data.patches.forEach(function (id, i) { put(id, parse(data.html[i]), leftId); });
      if (data.fill !== undefined) put(data.fill, parse(data.html[0]));
      if (next) {
        entry.state = next;
        setState(next);
        history.replaceState({ panes: entry }, "", location.href);
      }
    });
  }

  function same(a, b) { // the same content, rendered by a layout that read the same segments
    return a && b && a.k === b.k && a.r === b.r;
  }

  function changed(from, to) { // the outermost regions that differ between two states
    var a = regions(from), b = regions(to), out = [];
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
        put(id, saved, left);
      } else if (id === "") {
        missing = null;
      } else if (regions(target.state)[id]) missing.push(id);
    });
    if (!missing) return location.reload(); // the document's layout, and nothing cached
    entry = target;
    setState(target.state);
    ++navigation;
    restore(target.state, missing, left).then(function () { window.scrollTo(0, target.scroll || 0); });
    window.scrollTo(0, target.scroll || 0);
  });

  function reveal(element, url) {
    var hash = new URL(url).hash;
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
    prefetched = {}; // a prefetch never outlives the tree it was made for
    links();
  }

  // -- links ---------------------------------------------------------------------------------

  function soft(a) { // the URL of a link panes navigates softly, or null
    if (!a || !a.href || a.hasAttribute("download") || a.hasAttribute("data-panes-reload")) return null;
    if (a.target && a.target !== "_self") return null;
    var url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !/^https?:$/.test(url.protocol)) return null;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return null;
    return url.href;
  }

  function regionOf(element) { // the innermost region holding an element
    var all = markers(), best = null;
    Object.keys(all).forEach(function (id) {
      var m = all[id];
      if (m.start && m.end && m.start.compareDocumentPosition(element) & 4 &&
          m.end.compareDocumentPosition(element) & 2 && (best === null || id.length > best.length)) best = id;
    });
    return best;
  }

  function retry(element) { // render the region again, from the URL that activated it
    var id = regionOf(element);
    return id === null ? Promise.resolve(location.reload()) : restore(state, [id], entry.id);
  }

  document.addEventListener("click", function (event) {
    var again = event.target.closest && event.target.closest("[data-panes-retry]");
    if (again) return event.preventDefault(), retry(again);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var a = event.target.closest && event.target.closest("a[href]");
    var url = soft(a);
    if (!url) return;
    event.preventDefault();
    navigate(url, "push");
  });

  document.addEventListener("submit", function (event) { // a form post runs the page's action()
    var form = event.target, url = new URL(form.action, location.href);
    if (event.defaultPrevented || form.method !== "post" || url.origin !== location.origin) return;
    if (form.hasAttribute("data-panes-reload")) return;
    event.preventDefault();
    fetch(url.href, { method: "POST", body: new FormData(form, event.submitter),
      headers: { "Panes-State": state }, credentials: "same-origin" }).then(function (res) {
      if (!res.ok || (res.headers.get("content-type") || "").indexOf(ANSWER) !== 0) throw 0;
      return res.text();
    }).then(function (text) {
      var head = JSON.parse(text.slice(0, text.indexOf("\n")));
      return head.redirect ? navigate(head.redirect, "push") : location.reload();
    }).catch(function () { form.submit(); });
  });

  function prefetch(url) {
    if (!prefetched[url]) prefetched[url] = feed(url, {});
  }
  var observed = new WeakSet(); // each link is prefetched once when it first comes into view
  var seen = "IntersectionObserver" in window && new IntersectionObserver(function (items) {
    items.forEach(function (item) {
      if (!item.isIntersecting) return;
      seen.unobserve(item.target);
      var url = soft(item.target);
      if (url && url !== location.href && item.target.getAttribute("data-panes-prefetch") !== "false") {
        prefetch(url);
      }
    });
  });
  document.addEventListener("mouseover", function (event) {
    var a = event.target.closest && event.target.closest("a[href]");
    var url = soft(a);
    if (url && url !== location.href && a.getAttribute("data-panes-prefetch") !== "false") prefetch(url);
  });

  function links() { // aria-current on links showing their slot's URL; prefetch when visible
    var all = regions(state), here = docUrl(state), stack = [];
    function slotUrl(id) {
      while (all[id] && !all[id].l && all[id + "/children"]) id = id + "/children";
      return all[id] ? all[id].u : here;
    }
    var walker = document.createTreeWalker(document.body, 129), node;
    while ((node = walker.nextNode())) {
      if (node.nodeType === 8) {
        if (node.data.lastIndexOf("panes:", 0) === 0 && node.data !== "panes:keep") stack.push(node.data.slice(6));
        else if (node.data.lastIndexOf("/panes:", 0) === 0) stack.pop();
      } else if (node.tagName === "A" && node.hasAttribute("href")) {
        var url = new URL(node.href, location.href);
        var showing = root + (stack.length ? slotUrl(stack[stack.length - 1]) : here);
        if (url.origin === location.origin && url.pathname + url.search === showing) {
          node.setAttribute("aria-current", "page");
        } else if (node.getAttribute("aria-current") === "page") node.removeAttribute("aria-current");
        if (seen && !observed.has(node)) observed.add(node), seen.observe(node);
      }
    }
  }

  // -- start -------------------------------------------------------------------------------

  history.scrollRestoration = "manual";
  var saved = history.state && history.state.panes;
  history.replaceState({ panes: entry }, "", location.href);
  links();
  document.addEventListener("panes:fill", links);
  if (saved && saved.state) { // a reload: slots with RESTORE = True show what they showed
    var now = regions(state), before = regions(saved.state);
    var ids = changed(state, saved.state).filter(function (id) {
      return now[id] && now[id].R && before[id];
    });
    restore(saved.state, ids);
    window.scrollTo(0, saved.scroll || 0);
  }

  window.panes = {
    push: function (url) { return navigate(url, "push"); },
    replace: function (url) { return navigate(url, "replace"); },
    refresh: function () {
      var top = Object.keys(regions(state)).filter(function (id) { return id && id.indexOf("/") < 0; });
      return restore(state, top);
    },
    prefetch: prefetch,
    retry: retry
  };
})();
