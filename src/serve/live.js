// dangjian serve: live reload and error overlay (preview only, never in build output).
(function () {
  "use strict";
  var script = document.currentScript;
  var follow = script && script.getAttribute("data-follow") === "1";
  var placeholder = document.documentElement.hasAttribute("data-dangjian-placeholder");
  var here = decodeURI(location.pathname).replace(/index\.html$/, "");
  var box = null;

  function show(html) {
    if (!box) {
      box = document.createElement("div");
      box.id = "dangjian-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:rgba(20,0,0,.92);color:#fff;font:1rem/1.6 sans-serif;padding:1.25rem";
      document.body.appendChild(box);
    }
    box.innerHTML = html;
  }

  function hide() {
    if (box) { box.remove(); box = null; }
  }

  function swapStyles() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href);
      url.searchParams.set("dangjian", Date.now());
      links[i].href = url.toString();
    }
  }

  function onUpdate(m) {
    if (placeholder) { location.reload(); return; }
    if (follow && m.follow && m.follow !== here) { location.href = m.follow; return; }
    var mine = m.changed.indexOf(here) >= 0 || m.removed.indexOf(here) >= 0;
    if (m.css_only) { swapStyles(); } else if (mine || m.follow === here) { location.reload(); }
  }

  var source = new EventSource("/__dangjian/events");
  source.onmessage = function (e) {
    var m = JSON.parse(e.data);
    if (m.type === "error") { show(m.html); return; }
    hide();
    if (m.type === "update") { onUpdate(m); }
  };
})();
