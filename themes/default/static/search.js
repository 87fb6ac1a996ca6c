// dangjian search page: looks words up in the index made at build time
// (/search/i/, format in docs/search.md) and lists the items found like
// the theme's item lists. Plain ES5 with XMLHttpRequest, so it runs in old
// WeChat and Android WebViews; loaded only by the search page.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) return;
  var input = document.getElementById("search-q");
  var kindSel = document.getElementById("search-kind");
  var branchSel = document.getElementById("search-branch");
  var sortSel = document.getElementById("search-sort");
  var statusEl = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var nojs = document.getElementById("search-nojs");
  var base = form.getAttribute("data-index");
  var PAGE = 10;
  var EXCERPT = 90;

  if (!(window.XMLHttpRequest && window.Uint8Array && window.Float64Array && window.Promise &&
        window.JSON && window.history && history.replaceState)) {
    nojs.firstElementChild.textContent = "您的浏览器版本较旧，无法使用搜索。可以按栏目浏览：";
    return;
  }
  nojs.hidden = true;

  // ---- Tokens: the same rules as src/search/tokens.rs ----

  function codePoint(s, i) {
    var c = s.charCodeAt(i);
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) {
      var d = s.charCodeAt(i + 1);
      if (d >= 0xDC00 && d <= 0xDFFF) return (c - 0xD800) * 0x400 + (d - 0xDC00) + 0x10000;
    }
    return c;
  }
  // 1: CJK, 2: letter or digit, 0: anything else.
  function klass(c) {
    if (c === 0x3007 || (c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
        (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
        (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0x20000 && c <= 0x2FA1F) || (c >= 0x30000 && c <= 0x3134F)) return 1;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A)) return 2;
    if (c >= 0xC0 && c <= 0x24F && c !== 0xD7 && c !== 0xF7) return 2;
    if (c >= 0x370 && c <= 0x4FF) return 2;
    return 0;
  }
  // Full-width ASCII to ASCII, ideographic space to space, letters to
  // lower case; one code unit for one, so positions stay the same.
  function fold(s) {
    var out = "";
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
      else if (c === 0x3000) c = 0x20;
      var ch = String.fromCharCode(c);
      if (c >= 0x41 && c <= 0x5A) ch = String.fromCharCode(c + 32);
      else if (c > 0x7F && klass(c) === 2) {
        var l = ch.toLowerCase();
        if (l.length === 1) ch = l;
      }
      out += ch;
    }
    return out;
  }
  // Calls each(run, isCjk, start) for every run of CJK or of word characters.
  function runs(s, each) {
    var start = -1, sk = 0;
    for (var i = 0; i < s.length;) {
      var c = codePoint(s, i), k = klass(c);
      if (start >= 0 && k !== sk) { each(s.slice(start, i), sk === 1, start); start = -1; }
      if (start < 0 && k !== 0) { start = i; sk = k; }
      i += c > 0xFFFF ? 2 : 1;
    }
    if (start >= 0) each(s.slice(start), sk === 1, start);
  }
  function chars(s) {
    var out = [];
    for (var i = 0; i < s.length;) {
      var n = codePoint(s, i) > 0xFFFF ? 2 : 1;
      out.push(s.substr(i, n));
      i += n;
    }
    return out;
  }
  // A word; a CJK character alone, or the pairs of a longer CJK run; and
  // the pair where a word and a CJK run touch (2026年 → 2026, 6年, 年).
  function queryTokens(q) {
    var out = [], prev = null, prevCjk = false, prevEnd = -1;
    function add(t) { if (out.indexOf(t) < 0) out.push(t); }
    runs(fold(q), function (run, cjk, start) {
      var cs = chars(run);
      if (prev !== null && (cjk || prevCjk) && start === prevEnd) add(prev + cs[0]);
      prev = cs[cs.length - 1];
      prevCjk = cjk;
      prevEnd = start + run.length;
      if (!cjk) { add(cs.length > 32 ? cs.slice(0, 32).join("") : run); return; }
      if (cs.length === 1) add(cs[0]);
      // A long run (a sentence pasted whole) by every other pair and the
      // last: each character still covered, half the chunks downloaded.
      var step = cs.length >= 5 ? 2 : 1;
      for (var i = 0; i + 1 < cs.length; i += step) add(cs[i] + cs[i + 1]);
      if (step === 2 && cs.length % 2 === 1) add(cs[cs.length - 2] + cs[cs.length - 1]);
    });
    return out;
  }
  window.djSearchTokens = queryTokens; // for the browser checks

  // ---- Index files ----

  function get(url, binary) {
    return new Promise(function (resolve, reject) {
      var x = new XMLHttpRequest();
      x.open("GET", url);
      if (binary) x.responseType = "arraybuffer";
      x.onload = function () {
        if (x.status >= 200 && x.status < 300) resolve(binary ? new Uint8Array(x.response) : x.responseText);
        else reject(new Error(url + "：" + x.status));
      };
      x.onerror = function () { reject(new Error(url)); };
      x.send();
    });
  }
  function utf8(b, from, to) {
    if (window.TextDecoder) return new TextDecoder("utf-8").decode(b.subarray(from, to));
    var s = "";
    for (var i = from; i < to;) {
      var c = b[i++], n = 0;
      if (c >= 0xF0) { c &= 7; n = 3; } else if (c >= 0xE0) { c &= 15; n = 2; } else if (c >= 0xC0) { c &= 31; n = 1; }
      while (n--) c = c * 64 + (b[i++] & 63);
      if (c > 0xFFFF) { c -= 0x10000; s += String.fromCharCode(0xD800 + (c >> 10), 0xDC00 + (c & 1023)); }
      else s += String.fromCharCode(c);
    }
    return s;
  }
  function varint(r) {
    var v = 0, scale = 1, byte;
    do { byte = r.b[r.p++]; v += (byte & 127) * scale; scale *= 128; } while (byte & 128);
    return v;
  }
  // Entries of a chunk or filter file: token → {df, bitmap, buf, start, end}.
  function parse(b) {
    var map = Object.create(null), r = { b: b, p: 0 };
    while (r.p < b.length) {
      var len = varint(r), token = utf8(b, r.p, r.p + len);
      r.p += len;
      var df = varint(r), bitmap = b[r.p++] === 1, plen = varint(r);
      map[token] = { df: df, bitmap: bitmap, buf: b, start: r.p, end: r.p + plen };
      r.p += plen;
    }
    return map;
  }
  // Calls fn(doc, weight) for every item an entry lists.
  function postings(e, fn) {
    var b = e.buf, i;
    if (e.bitmap) {
      for (i = e.start; i < e.end; i++) {
        if (!b[i]) continue;
        for (var j = 0; j < 8; j++) if (b[i] & (1 << j)) fn((i - e.start) * 8 + j, 1);
      }
      return;
    }
    var r = { b: b, p: e.start }, doc = -1;
    while (r.p < e.end) {
      var gap = varint(r);
      doc = doc < 0 ? gap : doc + gap;
      fn(doc, b[r.p++]);
    }
  }

  var manifest = null, files = Object.create(null);
  function getManifest() {
    if (!manifest) {
      manifest = get(base + "manifest.json?t=" + Date.now()).then(JSON.parse);
      manifest.then(null, function () { manifest = null; });
    }
    return manifest;
  }
  function getFile(m, name) {
    if (!files[name]) {
      files[name] = get(base + name + "?v=" + m.build, true).then(parse);
      files[name].then(null, function () { delete files[name]; });
    }
    return files[name];
  }
  // The entry of a token, or null: the chunk is the last whose first token
  // is not after it (JavaScript compares strings as the index sorts them).
  function lookup(m, token) {
    var lo = 0, hi = m.chunks.length - 1;
    if (hi < 0) return Promise.resolve(null);
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (m.chunks[mid] <= token) lo = mid; else hi = mid - 1;
    }
    return getFile(m, "c/" + lo + ".bin").then(function (map) { return map[token] || null; });
  }

  // ---- Search ----

  // Items having every token, best first. When none has them all, items
  // having at least half of them, marked partial.
  function find(q, kind, branch, sort) {
    var tokens = queryTokens(q);
    return getManifest().then(function (m) {
      var jobs = tokens.map(function (t) { return lookup(m, t); });
      jobs.push(getFile(m, "k.bin"));
      jobs.push(branch ? getFile(m, "b.bin") : Promise.resolve(null));
      return Promise.all(jobs).then(function (got) {
        var n = m.docs, count = new Uint8Array(n), score = new Float64Array(n);
        var kinds = got[tokens.length], branches = got[tokens.length + 1];
        tokens.forEach(function (t, i) {
          var e = got[i];
          if (!e) return;
          var idf = Math.log(1 + (n - e.df + 0.5) / (e.df + 0.5));
          postings(e, function (d, w) {
            var tf = (w & 127) + (w & 128 ? 3 : 0);
            count[d]++;
            score[d] += idf * tf * 2.2 / (tf + 1.2);
          });
        });
        var need = tokens.length, partial = false, d;
        var hits = [];
        for (d = 0; d < n; d++) if (count[d] === need) hits.push(d);
        if (!hits.length && need > 1) {
          partial = true;
          var half = Math.ceil(need / 2);
          for (d = 0; d < n; d++) if (count[d] >= half) { hits.push(d); score[d] += count[d] * 1000; }
        }
        if (branch) {
          var inBranch = mark(n, branches[branch]);
          hits = hits.filter(function (x) { return inBranch[x]; });
        }
        var counts = {};
        for (var k in kinds) {
          var marks = mark(n, kinds[k]);
          counts[k] = hits.filter(function (x) { return marks[x]; }).length;
        }
        if (kind) {
          var inKind = mark(n, kinds[kind]);
          hits = hits.filter(function (x) { return inKind[x]; });
        }
        hits.sort(sort === "date" ? function (a, b) { return b - a; }
          : function (a, b) { return score[b] - score[a] || b - a; });
        return { hits: hits, partial: partial, counts: counts, build: m.build };
      });
    });
  }
  function mark(n, entry) {
    var m = new Uint8Array(n);
    if (entry) postings(entry, function (d) { m[d] = 1; });
    return m;
  }

  // ---- Showing results ----

  // What to highlight: each CJK run or word of the query, longest first;
  // a run the text lacks is looked for by its pairs.
  function needles(q) {
    var out = [];
    runs(fold(q), function (run) { if (out.indexOf(run) < 0) out.push(run); });
    return out.sort(function (a, b) { return b.length - a.length; });
  }
  function ranges(text, ns) {
    var f = fold(text), found = [];
    function take(n) {
      var any = false;
      for (var at = f.indexOf(n); at >= 0; at = f.indexOf(n, at + n.length)) {
        var free = true;
        for (var i = 0; i < found.length; i++) {
          if (at < found[i][1] && at + n.length > found[i][0]) { free = false; break; }
        }
        if (free) { found.push([at, at + n.length]); any = true; }
      }
      return any;
    }
    ns.forEach(function (n) {
      if (take(n)) return;
      var cs = chars(n);
      for (var i = 0; i + 1 < cs.length; i++) take(cs[i] + cs[i + 1]);
    });
    return found.sort(function (a, b) { return a[0] - b[0]; });
  }
  // Appends text[from, to) to el, with the ranges inside marked.
  function appendMarked(el, text, rs, from, to) {
    var at = from;
    rs.forEach(function (r) {
      var s = Math.max(r[0], from), e = Math.min(r[1], to);
      if (s >= e || s < at) return;
      el.appendChild(document.createTextNode(text.slice(at, s)));
      var mk = document.createElement("mark");
      mk.textContent = text.slice(s, e);
      el.appendChild(mk);
      at = e;
    });
    el.appendChild(document.createTextNode(text.slice(at, to)));
  }
  function isLow(text, i) { var c = text.charCodeAt(i); return c >= 0xDC00 && c <= 0xDFFF; }
  function excerpt(el, text, ns) {
    text = text.replace(/\s+/g, " ");
    var rs = ranges(text, ns);
    var start = rs.length ? Math.max(0, rs[0][0] - 20) : 0;
    if (isLow(text, start)) start--;
    var end = Math.min(text.length, start + EXCERPT);
    if (end < text.length && isLow(text, end)) end++;
    if (start > 0) el.appendChild(document.createTextNode("…"));
    appendMarked(el, text, rs, start, end);
    if (end < text.length) el.appendChild(document.createTextNode("…"));
  }
  function node(tag, cls, parent) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (parent) parent.appendChild(el);
    return el;
  }
  function item(f, ns) {
    var li = node("li", "item search-result");
    var a = node("a", "item-title", li);
    a.href = f.u;
    appendMarked(a, f.t, ranges(f.t, ns), 0, f.t.length);
    var meta = node("div", "item-meta", li);
    node("span", "badge kind", meta).textContent = f.k;
    if (f.d) {
      var t = node("time", "", meta);
      t.setAttribute("datetime", f.i);
      t.textContent = f.d;
    }
    if (f.b) meta.appendChild(document.createTextNode(" · " + f.b));
    if (f.x) excerpt(node("p", "item-summary", li), f.x, ns);
    return li;
  }

  var current = null, seq = 0;
  function say(text) { statusEl.textContent = text; }
  function showPage(state, focusFirst) {
    var slice = state.hits.slice(state.shown, state.shown + PAGE);
    var mySeq = seq;
    return Promise.all(slice.map(function (d) {
      return get(base + "f/" + d + ".json?v=" + state.build).then(JSON.parse);
    })).then(function (frags) {
      if (mySeq !== seq) return;
      var first = null;
      frags.forEach(function (f) {
        var li = item(f, state.needles);
        list.appendChild(li);
        if (!first) first = li.querySelector("a");
      });
      state.shown += slice.length;
      more.hidden = state.shown >= state.hits.length;
      if (focusFirst && first) first.focus();
    });
  }
  function kindLabels(counts) {
    for (var i = 0; i < kindSel.options.length; i++) {
      var o = kindSel.options[i];
      if (!o.value) continue;
      if (!o.getAttribute("data-label")) o.setAttribute("data-label", o.textContent);
      var label = o.getAttribute("data-label");
      o.textContent = counts ? label + "（" + (counts[o.value] || 0) + "）" : label;
    }
  }
  function search() {
    var q = input.value.replace(/^\s+|\s+$/g, "");
    var kind = kindSel.value, branch = branchSel.value, sort = sortSel.value;
    var params = [];
    if (q) params.push("q=" + encodeURIComponent(q));
    if (kind) params.push("kind=" + encodeURIComponent(kind));
    if (branch) params.push("branch=" + encodeURIComponent(branch));
    if (sort) params.push("sort=" + sort);
    history.replaceState(null, "", location.pathname + (params.length ? "?" + params.join("&") : ""));
    var mySeq = ++seq;
    list.innerHTML = "";
    more.hidden = true;
    if (!queryTokens(q).length) {
      kindLabels(null);
      say(q ? "请输入汉字、字母或数字。" : "请输入要搜索的词语。");
      return;
    }
    say("正在搜索…");
    find(q, kind, branch, sort).then(function (r) {
      if (mySeq !== seq) return;
      kindLabels(r.counts);
      current = { hits: r.hits, shown: 0, build: r.build, needles: needles(q) };
      if (!r.hits.length) {
        say("没有找到与“" + q + "”相关的内容。可以换一个词，或减少筛选条件。");
        return;
      }
      var text = "找到 " + r.hits.length + " 条结果";
      if (r.partial) text += "（没有同时包含全部词语的内容，以下为部分匹配）";
      if (r.hits.length > PAGE) text += "，先显示 " + PAGE + " 条";
      say(text + "。");
      return showPage(current, false);
    }).then(null, function (e) {
      if (mySeq !== seq) return;
      say("搜索暂时无法使用：无法读取索引文件。请稍后再试。");
      if (window.console) console.error(e);
    });
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); search(); });
  [kindSel, branchSel, sortSel].forEach(function (s) { s.addEventListener("change", search); });
  more.addEventListener("click", function () {
    if (!current) return;
    showPage(current, true).then(function () {
      say("已显示 " + current.shown + " 条，共 " + current.hits.length + " 条。");
    });
  });

  // The query in the address (?q=…&kind=…&branch=…&sort=…), from the
  // header's search box or a shared link.
  var params = {};
  location.search.replace(/^\?/, "").split("&").forEach(function (kv) {
    var i = kv.indexOf("=");
    if (i < 0) return;
    try { params[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, " ")); } catch (e) { /* bad escape */ }
  });
  function choose(sel, value) {
    for (var i = 0; i < sel.options.length; i++) if (sel.options[i].value === value) sel.selectedIndex = i;
  }
  if (params.kind) choose(kindSel, params.kind);
  if (params.branch) choose(branchSel, params.branch);
  if (params.sort) choose(sortSel, params.sort);
  var header = document.getElementById("site-q");
  if (params.q) {
    input.value = params.q;
    if (header) header.value = params.q;
    search();
  }
})();
