// Real-browser checks of search, on the demo site and on a 10,000-item site.
//
//   node search.mjs DEMO_BASE BIG_BASE TOKENS_JSON SEARCH_JS
//
// Demo site: the search script is ES5 (acorn) and tokenizes like the
// index (tokens.json); Chinese queries typed in the header box and on the
// search page find the expected items, with matches marked; kind and
// branch filters narrow them; unpublished items are never found; the page
// is usable by keyboard, announces results (role=status), has no axe-core
// WCAG 2 A/AA violation with results shown in normal, large-text and dark
// mode, keeps tap targets and never scrolls sideways, and explains itself
// without JavaScript. 10,000-item site: every byte a phone downloads for
// a first query (page, styles, scripts, index chunks, result files) stays
// under 300 KB, and “显示更多结果” works.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as acorn from "acorn";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const [demo, big, tokensFile, scriptFile] = process.argv.slice(2);
const BUDGET = 300 * 1024;
const PHONE = { width: 375, height: 812 };

const failures = [];
const fail = (msg) => { failures.push(msg); console.error("✗ " + msg); };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});

// A page with its downloaded bytes counted (bodies as sent) and any
// request leaving the site reported.
async function open(base, path, { large = false, dark = false, js = true, viewport = PHONE } = {}) {
  const context = await browser.newContext({
    viewport, deviceScaleFactor: 1, javaScriptEnabled: js,
    colorScheme: dark ? "dark" : "light", locale: "zh-CN",
  });
  if (large) await context.addInitScript(() => localStorage.setItem("dj-size", "3"));
  const page = await context.newPage();
  page.on("pageerror", (e) => fail(`${path}: script error: ${e.message}`));
  const origin = new URL(base).origin;
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) fail(`${path}: request leaves the site: ${r.url()}`);
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const urls = new Map();
  const loads = [];
  cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
  cdp.on("Network.loadingFinished", (e) => loads.push([urls.get(e.requestId), e.encodedDataLength]));
  await page.goto(base + path, { waitUntil: "domcontentloaded" });
  return { page, context, loads };
}

// Waits for the search to finish; returns what the results show.
async function results(page) {
  await page.waitForFunction(() => {
    const s = document.getElementById("search-status").textContent;
    return s && s !== "正在搜索…" &&
      (document.querySelectorAll("#search-results li").length > 0 || /没有找到|请输入/.test(s));
  }, null, { timeout: 15000 });
  return page.evaluate(() => ({
    status: document.getElementById("search-status").textContent,
    items: [...document.querySelectorAll("#search-results li")].map((li) => ({
      title: li.querySelector(".item-title").textContent,
      href: li.querySelector(".item-title").getAttribute("href"),
      kind: li.querySelector(".badge.kind").textContent,
      meta: li.querySelector(".item-meta").textContent,
      marks: [...li.querySelectorAll("mark")].map((m) => m.textContent),
    })),
  }));
}

async function search(page, q) {
  await page.fill("#search-q", q);
  await page.press("#search-q", "Enter");
  return results(page);
}

async function axe(page, label) {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () =>
    await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  for (const v of r.violations) {
    fail(`${label}: axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  }
}

// ---- The script itself ----
try {
  acorn.parse(readFileSync(scriptFile, "utf8"), { ecmaVersion: 5 });
} catch (e) {
  fail(`search.js is not ES5 (old WeChat and Android WebViews could not run it): ${e.message}`);
}
{
  const { page, context } = await open(demo, "/search/");
  const cases = JSON.parse(readFileSync(tokensFile, "utf8")).cases;
  const got = await page.evaluate((cs) => cs.map((c) => window.djSearchTokens(c.query)), cases);
  cases.forEach((c, i) => {
    if (JSON.stringify(got[i]) !== JSON.stringify(c.tokens)) fail(`tokens of “${c.query}”: ${JSON.stringify(got[i])}, the index expects ${JSON.stringify(c.tokens)}`);
  });
  await context.close();
}

// ---- Queries on the demo site ----
const EXPECT = [
  ["两学一做", "党章总纲导读"],
  ["三会一课", "西村党支部11月党员大会召开情况"],
  ["主题党日", "关于开展11月主题党日活动的通知"],
  ["发展对象", "东村党支部关于发展党员对象的公示"],
  ["东村", "东村党支部开展“入户走访听民声”活动"],
  ["南村", "南村党支部换届选举结果公告"],
  ["换届", "南村党支部换届选举结果公告"],
  ["费", "关于做好2026年度党费收缴工作的紧急通知"],
  ["2026年党费", "关于做好2026年度党费收缴工作的紧急通知"],
  ["２０２６年党费", "关于做好2026年度党费收缴工作的紧急通知"],
];
// Unpublished items of the demo site (draft, embargoed, party), by title and marker.
const HIDDEN = [
  ["东村冬季安全生产检查", "DRAFT-DEMO-MARKER"],
  ["党员冬训工作动员部署会", "EMBARGOED-DEMO-MARKER"],
  ["支部委员会专题会议的内部通知", "PARTY-DEMO-MARKER"],
];
const found = [];
{
  // From the header's box on the home page to the search page.
  const { page, context } = await open(demo, "/");
  await page.fill("#site-q", "主题党日");
  await page.press("#site-q", "Enter");
  await page.waitForURL(/\/search\/\?q=/);
  const r = await results(page);
  if (!r.items.some((i) => i.title.includes("主题党日"))) fail(`header box: 主题党日 gave ${JSON.stringify(r)}`);
  if ((await page.inputValue("#search-q")) !== "主题党日") fail("the search page does not show the query from the header box");
  for (const [q, title] of EXPECT) {
    const res = await search(page, q);
    const hit = res.items.find((i) => i.title === title);
    if (!hit) { fail(`“${q}” does not find “${title}”: ${res.status} ${res.items.map((i) => i.title).join(" / ")}`); continue; }
    if (/部分匹配/.test(res.status)) fail(`“${q}”: only partial matches: ${res.status}`);
    if (!hit.marks.length) fail(`“${q}”: “${title}” shows no highlighted match`);
    found.push(`${q} → ${res.items.length}`);
  }
  for (const [title, marker] of HIDDEN) {
    for (const q of [title, marker]) {
      const res = await search(page, q);
      if (res.items.some((i) => i.title.includes(title) || i.marks.join("").includes(marker))) fail(`unpublished item found by “${q}”`);
    }
  }
  // Filters: kind, branch (with its subtree), and counts per kind.
  await page.selectOption("#search-kind", "disclosure");
  let res = await search(page, "党费");
  if (!res.items.length || res.items.some((i) => i.kind !== "党务公开")) fail(`kind filter: ${JSON.stringify(res.items.map((i) => i.kind))}`);
  const label = await page.evaluate(() => document.querySelector('#search-kind option[value="notices"]').textContent);
  if (!/通知公告（[1-9]\d*）/.test(label)) fail(`kind option shows no count: ${label}`);
  await page.selectOption("#search-kind", "");
  await page.selectOption("#search-branch", "dongcun");
  res = await search(page, "主题党日");
  if (!res.items.length || res.items.some((i) => !i.meta.includes("东村党支部"))) fail(`branch filter: ${JSON.stringify(res.items.map((i) => i.meta))}`);
  await page.selectOption("#search-branch", "chengguan");
  res = await search(page, "主题党日");
  if (!res.items.some((i) => i.meta.includes("西村党支部"))) fail(`a town's filter leaves out its villages: ${JSON.stringify(res.items.map((i) => i.meta))}`);
  if (!page.url().includes("branch=chengguan")) fail(`the address does not keep the filters: ${page.url()}`);
  await context.close();
}

// ---- Keyboard, announcements, no JavaScript ----
{
  const { page, context } = await open(demo, "/search/");
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement.id === "search-q");
  }
  if (!reached) fail("the search box cannot be reached with Tab");
  await page.keyboard.type("党费");
  await page.keyboard.press("Enter");
  const r = await results(page);
  const role = await page.evaluate(() => {
    const s = document.getElementById("search-status");
    return [s.getAttribute("role"), s.getAttribute("aria-live")];
  });
  if (role[0] !== "status" || role[1] !== "polite" || !/找到 \d+ 条结果/.test(r.status)) fail(`results not announced: ${role} ${r.status}`);
  let onResult = false;
  for (let i = 0; i < 10 && !onResult; i++) {
    await page.keyboard.press("Tab");
    onResult = await page.evaluate(() => !!document.activeElement.closest("#search-results"));
  }
  if (!onResult) fail("results cannot be reached with Tab");
  await context.close();

  const nojs = await open(demo, "/search/?q=党费", { js: false });
  const state = await nojs.page.evaluate(() => ({
    shown: getComputedStyle(document.getElementById("search-nojs")).display !== "none",
    links: document.querySelectorAll("#search-nojs a").length,
    results: document.querySelectorAll("#search-results li").length,
  }));
  if (!state.shown || state.links < 4 || state.results) fail(`without JavaScript: ${JSON.stringify(state)}`);
  await nojs.context.close();
}

// ---- axe-core, sizes, sideways scrolling, with results shown ----
let axeRuns = 0;
for (const mode of [{}, { large: true }, { dark: true }, { viewport: { width: 1280, height: 800 } }]) {
  const label = `search ${JSON.stringify(mode)}`;
  const { page, context } = await open(demo, "/search/?q=" + encodeURIComponent("主题党日"), mode);
  await results(page);
  await axe(page, label); axeRuns++;
  const m = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    targets: [...document.querySelectorAll(".site-search input, .site-search button, #search-form input, #search-form button, #search-form select")]
      .map((e) => { const r = e.getBoundingClientRect(); return { id: e.id || e.className || e.tagName, h: r.height, w: r.width }; }),
  }));
  if (m.overflow > 0) fail(`${label}: scrolls sideways by ${m.overflow}px`);
  const min = mode.large ? 60 : 44;
  for (const t of m.targets) if (t.h < min - 0.5 || t.w < min - 0.5) fail(`${label}: ${t.id} ${t.w.toFixed(0)}×${t.h.toFixed(0)} < ${min}px`);
  await context.close();
}

// ---- A 10,000-item site: bytes of a first query ----
const sizes = [];
if (big) {
  const QUERIES = ["主题党日", "党员", "三会一课", "第3镇第4村", "党费", "乡", "第427号公示", "两学一做",
    "发挥党支部战斗堡垒作用和党员先锋模范作用"];
  for (const q of QUERIES) {
    const { page, context, loads } = await open(big, "/search/?q=" + encodeURIComponent(q));
    const started = Date.now();
    const r = await results(page);
    const ms = Date.now() - started;
    await page.waitForLoadState("networkidle");
    const total = loads.reduce((a, [, b]) => a + b, 0);
    const index = loads.filter(([u]) => /\/search\/i\/|search\.js/.test(u)).reduce((a, [, b]) => a + b, 0);
    sizes.push({ q, total, index, files: loads.length, hits: r.status, ms });
    if (total > BUDGET) fail(`10,000 items: “${q}” downloads ${(total / 1024).toFixed(1)} KB > 300 KB`);
    if (q === "党员") {
      await page.click("#search-more");
      await page.waitForFunction(() => document.querySelectorAll("#search-results li").length === 20);
      const focus = await page.evaluate(() => {
        const links = [...document.querySelectorAll("#search-results .item-title")];
        return links.indexOf(document.activeElement);
      });
      if (focus !== 10) fail(`“显示更多结果” leaves focus at result ${focus}, not the first new one`);
    }
    await context.close();
  }
  console.log("first query on 10,000 items (bytes as sent by a plain static server, no compression):");
  for (const s of sizes) {
    console.log(`  ${s.q.length > 8 ? s.q.slice(0, 7) + "…" : s.q.padEnd(8, "　")} ${(s.total / 1024).toFixed(1).padStart(6)} KB in ${String(s.files).padStart(2)} files (script + index ${(s.index / 1024).toFixed(1)} KB), ${s.ms} ms — ${s.hits}`);
  }
}

await browser.close();
console.log(`search: ${found.length} queries checked (${found.join(", ")}), ${axeRuns} axe runs, ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
