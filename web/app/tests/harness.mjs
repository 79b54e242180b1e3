// The common part of ład's browser tests: the arguments (BASE_URL OUT_DIR),
// the report of checks (one JSON line each; cmd/lad's tests fail on any
// failed check), Debian's Chromium driven by playwright-core, and axe-core's
// WCAG 2.1 AA check. Each test script imports it, calls start() and ends with finish().
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

export const [base, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
let failed = 0;

// report prints one check's result; a failed check fails the script.
export function report(name, ok, detail) {
  console.log(JSON.stringify({ check: name, ok, detail }));
  if (!ok) failed++;
}

let browser;

// start launches Chromium (after the script has set its environment).
export async function start() {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--use-gl=swiftshader", "--enable-unsafe-swiftshader"],
  });
  return browser;
}

// axe reports serious and critical WCAG 2.1 A/AA violations on the page (or
// only inside the element matching the include selector).
export async function axe(page, name, include) {
  await page.evaluate(axeSource);
  const res = await page.evaluate((inc) => axe.run(inc ? { include: [inc] } : document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }), include || null);
  const bad = res.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  report(`axe ${name}`, bad.length === 0, bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")})`));
}

// finish closes the browser and exits non-zero when a check failed.
export async function finish() {
  await browser.close();
  console.log(JSON.stringify({ failed }));
  process.exit(failed ? 1 : 0);
}
