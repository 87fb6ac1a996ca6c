// Real-browser checks of the default theme on a built site served over HTTP.
//
//   node check.mjs BASE_URL SHOTS_DIR PDF_DIR
//
// For home, a notice, a disclosure, a lesson and a news page:
// - full-page screenshots at 375×812 and 1280×800, normal and large-text mode;
// - layout: no date, document number or filing number broken across lines,
//   captions at least four characters wide, and on desktop an article's
//   facts beside its text (the width is used);
// - axe-core, WCAG 2 A/AA (2.0 and 2.1), in normal, large-text and dark mode: zero violations;
// - body text 18 px on phones (≥ 30 px in large-text mode), line height ≥ 1.6,
//   tap targets ≥ 44 px (≥ 60 px in large-text mode), no sideways scrolling;
// - CSS plus JS at most 30 KB, no request leaving the site, images with
//   width and height;
// - the news page's photos on a 390 px phone at density 3: the 480 or 1080
//   WebP variant chosen from <picture>, at most 400 KB of images;
// - the page readable with JavaScript off.
// Then a disclosure printed to PDF (A4) for pdf.sh to inspect.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const [base, shotsDir, pdfDir] = process.argv.slice(2);
mkdirSync(shotsDir, { recursive: true });
mkdirSync(pdfDir, { recursive: true });

const PAGES = {
  home: "/",
  notice: "/notices/2026-11-20-dangfei/",
  disclosure: "/disclosure/2026-11-fazhan-dangyuan/",
  lesson: "/lessons/ershida/01-baogao-zongti/",
  news: "/news/2026-11-18-dongcun-zoufang/",
  // A page with highlighted code (highlight.css colours, light and dark).
  code: "/news/2026-10-28-county-peixun/",
};
const VIEWPORTS = { phone: { width: 375, height: 812 }, desktop: { width: 1280, height: 800 } };
const SHOT_PAGES = ["home", "notice", "disclosure", "lesson", "code"];

const failures = [];
const fail = (msg) => { failures.push(msg); console.error("✗ " + msg); };
const origin = new URL(base).origin;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});

async function open(name, viewport, { large = false, dark = false, js = true } = {}) {
  const context = await browser.newContext({
    viewport, deviceScaleFactor: 1, javaScriptEnabled: js,
    colorScheme: dark ? "dark" : "light", locale: "zh-CN",
  });
  if (large) await context.addInitScript(() => localStorage.setItem("dj-size", "3"));
  const page = await context.newPage();
  const assets = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) fail(`${name}: request leaves the site: ${r.url()}`);
  });
  page.on("response", async (r) => {
    const type = r.request().resourceType();
    if (type === "stylesheet" || type === "script") {
      try { assets.push((await r.body()).length); } catch { /* aborted */ }
    }
  });
  await page.goto(base + PAGES[name], { waitUntil: "networkidle" });
  return { page, context, assets };
}

async function axe(page, label) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  for (const v of result.violations) {
    fail(`${label}: axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  }
  return result.violations.length;
}

async function measure(page) {
  return page.evaluate(() => {
    const text = document.querySelector(".content p") || document.querySelector(".item-summary") || document.body;
    const body = getComputedStyle(text);
    const targets = [...document.querySelectorAll(".nav a, .tools button:not([hidden]), .pagination a, .tags a")]
      .filter((e) => e.offsetParent !== null && !e.closest("[hidden]"))
      .map((e) => { const r = e.getBoundingClientRect(); return { text: e.textContent.trim(), w: r.width, h: r.height }; });
    const images = [...document.querySelectorAll("main img")]
      .filter((i) => !i.closest(".print-qr") ? true : true)
      .map((i) => ({ src: i.getAttribute("src"), w: i.getAttribute("width"), h: i.getAttribute("height"), lazy: i.loading }));
    // Each of these must sit on one line (one box per line it spans).
    const brokenIn = (selector) => [...document.querySelectorAll(selector)]
      .filter((e) => e.offsetParent !== null && (e.getClientRects().length > 1
        || e.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(e).lineHeight)))
      .map((e) => e.textContent.trim());
    // Dates always fit; numbers wider than a phone line at the largest
    // text size may break there, and only there.
    const broken = brokenIn("time");
    const brokenNumbers = brokenIn(".doc-number, .identity > *");
    const em = parseFloat(getComputedStyle(document.body).fontSize);
    const narrow = [...document.querySelectorAll("caption")]
      .filter((c) => c.offsetParent !== null && c.getBoundingClientRect().width < Math.min(4, c.textContent.trim().length) * em * 0.9)
      .map((c) => c.textContent.trim());
    const side = document.querySelector(".article > .article-side");
    const column = document.querySelector(".article > .content");
    const columns = side && column ? { side: side.getBoundingClientRect().left, text: column.getBoundingClientRect().right } : null;
    return {
      broken, brokenNumbers, narrow, columns,
      fontSize: parseFloat(body.fontSize),
      lineHeight: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      targets, images,
    };
  });
}

let axeRuns = 0;
for (const name of Object.keys(PAGES)) {
  for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
    for (const large of [false, true]) {
      const mode = large ? "large" : "normal";
      const label = `${name} ${vp} ${mode}`;
      const { page, context, assets } = await open(name, viewport, { large });
      if (SHOT_PAGES.includes(name)) {
        await page.screenshot({ path: `${shotsDir}/${name}-${vp}-${mode}.png`, fullPage: true });
      }
      const m = await measure(page);
      if (vp === "phone") {
        if (!large && Math.round(m.fontSize) < 18) fail(`${label}: body text ${m.fontSize}px < 18px`);
        if (large && m.fontSize < 30) fail(`${label}: body text ${m.fontSize}px < 30px`);
      }
      if (m.lineHeight < 1.6) fail(`${label}: line height ${m.lineHeight.toFixed(2)} < 1.6`);
      if (m.overflow > 0) fail(`${label}: page scrolls sideways by ${m.overflow}px`);
      for (const b of m.broken) fail(`${label}: “${b}” breaks across lines`);
      if (!large) for (const b of m.brokenNumbers) fail(`${label}: “${b}” breaks across lines`);
      for (const c of m.narrow) fail(`${label}: caption “${c}” is too narrow (a character per line)`);
      if (vp === "desktop" && !large && m.columns && !(m.columns.side >= m.columns.text)) {
        fail(`${label}: the article's facts are not beside its text on a wide screen`);
      }
      if (vp === "desktop" && !large && name !== "home" && !m.columns) fail(`${label}: no article side column`);
      const min = large ? 60 : 44;
      for (const t of m.targets) {
        if (t.h < min - 0.5 || t.w < min - 0.5) fail(`${label}: tap target “${t.text}” ${t.w.toFixed(0)}×${t.h.toFixed(0)} < ${min}px`);
      }
      for (const i of m.images) {
        if (!i.w || !i.h) fail(`${label}: image ${i.src} has no width/height`);
      }
      const bytes = assets.reduce((a, b) => a + b, 0);
      if (bytes > 30 * 1024) fail(`${label}: CSS+JS ${bytes} bytes > 30 KB`);
      if (vp === "phone") { await axe(page, label); axeRuns++; }
      await context.close();
    }
  }
  // Dark mode, phone.
  const dark = await open(name, VIEWPORTS.phone, { dark: true });
  await axe(dark.page, `${name} dark`); axeRuns++;
  await dark.context.close();
  // JavaScript off: the content is there, the tool bar is not.
  const nojs = await open(name, VIEWPORTS.phone, { js: false });
  const state = await nojs.page.evaluate(() => ({
    text: document.querySelector("main").innerText.trim().length,
    tools: document.getElementById("tools") && getComputedStyle(document.getElementById("tools")).display,
  }));
  if (state.text < 20) fail(`${name}: no content without JavaScript`);
  if (state.tools !== "none") fail(`${name}: the tool bar shows without JavaScript`);
  await nojs.context.close();
}

// Photos on a phone: a 390 px wide screen at density 3 takes the 480 or 1080
// WebP variant of every photo of the news page (cover and three in the text),
// all loaded once scrolled through, at most 400 KB of images in all.
{
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, locale: "zh-CN",
  });
  const page = await context.newPage();
  const loaded = [];
  page.on("response", async (r) => {
    if (r.request().resourceType() !== "image") return;
    try { loaded.push([r.url().replace(origin, ""), (await r.body()).length]); } catch { /* aborted */ }
  });
  await page.goto(base + PAGES.news, { waitUntil: "networkidle" });
  for (let i = 0; i < 30; i++) {
    await page.mouse.wheel(0, 600);
    await page.waitForTimeout(50);
  }
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => [...document.querySelectorAll("main img")].every((i) => i.complete));
  const photos = await page.evaluate(() => [...document.querySelectorAll("main img[srcset]")]
    .map((i) => ({ src: i.currentSrc, natural: i.naturalWidth })));
  if (photos.length < 4) fail(`news phone x3: ${photos.length} photos with srcset, expected 4`);
  for (const p of photos) {
    if (!/-(480|1080)\.webp$/.test(p.src)) fail(`news phone x3: ${p.src} chosen, not the 480 or 1080 WebP variant`);
    if (!p.natural) fail(`news phone x3: ${p.src} did not load`);
  }
  const bytes = loaded.reduce((a, [, n]) => a + n, 0);
  if (bytes > 400 * 1024) fail(`news phone x3: ${(bytes / 1024).toFixed(0)} KB of images > 400 KB`);
  console.log(`news page, 390 px phone at density 3: ${loaded.length} images, ${(bytes / 1024).toFixed(0)} KB`);
  for (const [url, n] of loaded) console.log(`  ${url} ${(n / 1024).toFixed(1)} KB`);
  await context.close();
}

// The tool bar works: A+ persists across pages; 朗读 appears only with speech synthesis.
{
  const { page, context } = await open("notice", VIEWPORTS.phone);
  await page.click('[data-size-step="1"]');
  await page.goto(base + PAGES.disclosure);
  const size = await page.evaluate(() => document.documentElement.getAttribute("data-size"));
  if (size !== "1") fail(`text size not remembered across pages (data-size=${size})`);
  const speech = await page.evaluate(() => ({
    supported: "speechSynthesis" in window,
    shown: !document.querySelector(".speech").hidden,
  }));
  if (speech.supported !== speech.shown) fail(`朗读 shown=${speech.shown} but speechSynthesis supported=${speech.supported}`);
  await context.close();
}

// Print: the disclosure as an A4 PDF; nav, tools and footer hidden, QR shown.
{
  const { page, context } = await open("disclosure", VIEWPORTS.desktop);
  await page.emulateMedia({ media: "print" });
  const shown = await page.evaluate(() => ({
    nav: getComputedStyle(document.querySelector(".site-header")).display,
    footer: getComputedStyle(document.querySelector(".site-footer")).display,
    tools: getComputedStyle(document.getElementById("tools")).display,
    qr: getComputedStyle(document.querySelector(".print-qr")).display,
    qrLoaded: document.querySelector(".print-qr img").complete && document.querySelector(".print-qr img").naturalWidth > 0,
  }));
  if (shown.nav !== "none" || shown.footer !== "none" || shown.tools !== "none") fail(`print shows navigation: ${JSON.stringify(shown)}`);
  if (shown.qr === "none" || !shown.qrLoaded) fail(`print has no QR code: ${JSON.stringify(shown)}`);
  await page.pdf({ path: `${pdfDir}/disclosure.pdf`, format: "A4", printBackground: true });
  await context.close();
}

await browser.close();
console.log(`${Object.keys(PAGES).length} page types, ${axeRuns} axe runs, ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
