// dangjian default theme: text size (A+ / A−), read aloud (朗读) and print.
// Everything works without it; it only adds the tool bar.
(function () {
  "use strict";
  var root = document.documentElement;
  var tools = document.getElementById("tools");
  if (!tools) return;
  tools.hidden = false;

  // Text size: four steps, remembered across pages.
  var MAX = 3;
  function size() { return parseInt(root.getAttribute("data-size") || "0", 10) || 0; }
  function setSize(n) {
    n = Math.max(0, Math.min(MAX, n));
    if (n) root.setAttribute("data-size", String(n)); else root.removeAttribute("data-size");
    try { if (n) localStorage.setItem("dj-size", String(n)); else localStorage.removeItem("dj-size"); } catch (e) {}
    update();
  }
  var buttons = tools.querySelectorAll("[data-size-step]");
  function update() {
    for (var i = 0; i < buttons.length; i++) {
      var step = parseInt(buttons[i].getAttribute("data-size-step"), 10);
      buttons[i].disabled = step < 0 ? size() === 0 : size() === MAX;
    }
  }
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function (e) {
      setSize(size() + parseInt(e.currentTarget.getAttribute("data-size-step"), 10));
    });
  }
  update();

  // Print (notices and 公示).
  var print = tools.querySelector("[data-print]");
  if (print) print.addEventListener("click", function () { window.print(); });

  // Read aloud with the browser's own speech synthesis, in Chinese.
  var group = tools.querySelector(".speech");
  var synth = window.speechSynthesis;
  if (!group || !synth || typeof SpeechSynthesisUtterance === "undefined") return;
  var article = document.querySelector("article");
  if (!article) return;
  group.hidden = false;
  var speak = group.querySelector("[data-speak]");
  var pause = group.querySelector("[data-speak-pause]");
  var stop = group.querySelector("[data-speak-stop]");
  function voice() {
    var vs = synth.getVoices();
    for (var i = 0; i < vs.length; i++) {
      if (/^zh[-_]CN/i.test(vs[i].lang)) return vs[i];
    }
    for (var j = 0; j < vs.length; j++) {
      if (/^zh/i.test(vs[j].lang)) return vs[j];
    }
    return null;
  }
  function text() {
    var parts = [];
    var h = article.querySelector("h1");
    if (h) parts.push(h.textContent);
    var c = article.querySelector(".content");
    if (c) parts.push(c.innerText || c.textContent);
    // Short pieces: some engines stop after about 200 characters.
    return parts.join("。").split(/(?<=[。！？；\n])/).map(function (s) { return s.trim(); })
      .filter(function (s) { return s.length; });
  }
  function state(reading, paused) {
    speak.hidden = reading;
    pause.hidden = !reading;
    stop.hidden = !reading;
    pause.textContent = paused ? "继续" : "暂停";
  }
  speak.addEventListener("click", function () {
    synth.cancel();
    var pieces = text();
    var v = voice();
    pieces.forEach(function (p, i) {
      var u = new SpeechSynthesisUtterance(p);
      u.lang = "zh-CN";
      if (v) u.voice = v;
      u.rate = 0.9;
      if (i === pieces.length - 1) u.onend = function () { state(false, false); };
      synth.speak(u);
    });
    state(true, false);
  });
  pause.addEventListener("click", function () {
    if (synth.paused) { synth.resume(); state(true, false); } else { synth.pause(); state(true, true); }
  });
  stop.addEventListener("click", function () { synth.cancel(); state(false, false); });
  window.addEventListener("pagehide", function () { synth.cancel(); });
})();
