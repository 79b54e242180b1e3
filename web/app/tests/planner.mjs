// Browser tests of the planners' map (issue 7) in Debian's Chromium,
// driven by playwright-core against a running `lad serve --demo`; run by
// cmd/lad/planner_browser_test.go. A planner signs in, moves the permits'
// time slider with the keyboard (the map's rendered features change to
// that year), runs an analysis with a parameter and clicks a bar of its
// chart (the map shows that category), exports the view (the GeoJSON has
// only features inside it, of the period), and on a phone every header
// link is on screen. axe-core checks each screen.
// Usage: node planner.mjs BASE_URL OUT_DIR; prints one JSON line per check.
import { base, out, report, start, axe, finish } from "./harness.mjs";
import { readFileSync } from "node:fs";

const browser = await start();
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });

async function ready(page) {
  await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 45000 });
  await idle(page);
}
async function idle(page) {
  await page.waitForFunction(() => window.ladMap && window.ladMap.loaded() && window.ladMap.areTilesLoaded(), null, { timeout: 45000 });
  await page.waitForTimeout(400);
}
// The features of a catalogue layer the map draws now (not the DOM).
const features = (page, layer) => page.evaluate((id) => window.ladMap.queryRenderedFeatures()
  .filter((f) => f.layer.metadata && f.layer.metadata["lad:layer"] === id)
  .map((f) => ({ year: f.properties.year, on: f.properties.decided_on, coords: f.geometry.type === "Point" ? f.geometry.coordinates : null })), layer);

const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));

// Sign in as a planner.
await page.goto(base + "/?layers=districts,permits#map=12/51.1100/17.0300");
await ready(page);
await page.getByRole("button", { name: "Zaloguj" }).click();
await page.getByLabel("Login").fill(process.env.LAD_TEST_LOGIN);
await page.getByLabel("Hasło").fill(process.env.LAD_TEST_PASSWORD);
await page.locator("form").getByRole("button", { name: "Zaloguj" }).click();
await page.waitForFunction(() => document.body.dataset.ready === "true" && document.querySelector(".who"), null, { timeout: 30000 });
await page.waitForFunction(() => { const s = document.querySelector("#time-permits"); return s && s.closest(".timeline").dataset.ready === "true"; }, null, { timeout: 30000 });
await idle(page);

// 1. The time slider: all years, then one year chosen with the keyboard.
let year;
{
  const all = await features(page, "permits");
  const counts = {};
  for (const f of all) counts[f.year] = (counts[f.year] || 0) + 1;
  year = Number(Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0]);
  const slider = page.locator("#time-permits");
  const lo = Number(await slider.getAttribute("data-lo"));
  await slider.focus();
  await page.keyboard.press("Home");
  for (let y = lo; y <= year; y++) await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.querySelector("#time-permits").closest(".timeline").dataset.ready === "true");
  await idle(page);
  const shown = await features(page, "permits");
  const years = [...new Set(shown.map((f) => f.year))];
  report("time slider shows one year on the map", all.length > shown.length && shown.length > 0 && years.length === 1 && years[0] === year,
    { year, all: all.length, shown: shown.length, years });
  const text = await slider.getAttribute("aria-valuetext");
  const output = await page.locator("#time-permits-value").textContent();
  report("time slider says its value", text === String(year) && output === text, { text, output });
  report("deep link keeps the period", decodeURIComponent(page.url()).includes(`time=permits:${year}`), page.url());
  await page.screenshot({ path: `${out}/planner-timeline.png` });
  // Month steps: the year's June, then back to the year.
  await page.locator("#time-permits-step").selectOption("month");
  await slider.focus();
  for (let m = 1; m < 6; m++) await page.keyboard.press("ArrowRight");
  await idle(page);
  const june = await features(page, "permits");
  const months = [...new Set(june.map((f) => f.on.slice(0, 7)))];
  report("time slider steps by month", june.length < shown.length && months.every((m) => m === `${year}-06`) &&
    decodeURIComponent(page.url()).includes(`time=permits:${year}-06`) && (await slider.getAttribute("aria-valuetext")) === `czerwiec ${year}`,
  { june: june.length, months, text: await slider.getAttribute("aria-valuetext") });
  await page.locator("#time-permits-step").selectOption("year");
  await idle(page);
}

// 2. An analysis with a parameter: its chart, and a bar leading to the map.
{
  const hi = Number(await page.locator("#time-permits").getAttribute("data-hi"));
  await page.locator("#analysis-name").selectOption("permit-conformity");
  await page.getByLabel("Do roku").fill(String(hi));
  await page.getByLabel("Od roku").fill(String(hi - 9));
  await page.getByRole("button", { name: "Uruchom" }).click();
  await page.waitForSelector("canvas#analysis-chart", { timeout: 30000 });
  const canvas = page.locator("canvas#analysis-chart");
  report("analysis chart is an image with a text alternative", (await canvas.getAttribute("role")) === "img" &&
    (await canvas.getAttribute("aria-label")).length > 20 && (await page.locator("table.analysis").count()) >= 4, {});
  const title = await page.locator("#analysis-out .card strong").first().textContent();
  report("analysis ran with the parameter", title.includes(`${hi - 9}–${hi}`), title);
  const before = await features(page, "permit_conformity");
  // The bar of the year with most decisions, by Chart.js's own geometry.
  const bar = await page.evaluate(() => {
    const c = window.ladChart;
    let best = -1, sum = 0;
    c.data.labels.forEach((_, i) => {
      const s = c.data.datasets.reduce((a, d) => a + d.data[i], 0);
      if (s > sum) { sum = s; best = i; }
    });
    const d = c.data.datasets.findIndex((ds) => ds.data[best] > 0);
    const e = c.getDatasetMeta(d).data[best];
    return { label: c.data.labels[best], x: e.x, y: (e.y + e.base) / 2 };
  });
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page.mouse.click(box.x + bar.x, box.y + bar.y);
  await page.waitForFunction(() => document.querySelector("#chart-status").textContent.length > 0, null, { timeout: 20000 });
  await idle(page);
  const after = await features(page, "permit_conformity");
  const years = [...new Set(after.map((f) => String(f.year)))];
  report("a bar of the chart shows its features on the map", before.length === 0 && after.length > 0 && years.length === 1 && years[0] === bar.label,
    { bar, before: before.length, after: after.length, years, status: await page.locator("#chart-status").textContent() });
  await axe(page, "planner analysis chart");
  await page.screenshot({ path: `${out}/planner-chart.png` });
  // The link keeps the analysis, its parameters and the bar: opened again,
  // it draws the same features.
  const linked = page.url();
  const again = await context.newPage();
  await again.goto(linked);
  await again.waitForFunction(() => document.querySelector("#chart-status") && document.querySelector("#chart-status").textContent.length > 0, null, { timeout: 45000 });
  await idle(again);
  const againYears = [...new Set((await features(again, "permit_conformity")).map((f) => String(f.year)))];
  report("deep link keeps the analysis, its parameters and the bar", linked.includes("analysis=permit-conformity") && linked.includes("bar=") &&
    (await again.locator("#ap-from_year").inputValue()) === String(hi - 9) && againYears.length === 1 && againYears[0] === bar.label,
    { linked, againYears });
  await again.close();
  await page.getByRole("button", { name: "Pokaż wszystkie obiekty" }).click();
  await page.getByRole("checkbox", { name: "Zgodność pozwoleń i decyzji z planami" }).uncheck();
}

// 3. Export of the view: permits of the slider's year inside the map's view.
{
  const some = (await features(page, "permits")).find((f) => f.coords);
  await page.evaluate((c) => window.ladMap.jumpTo({ center: c, zoom: 15 }), some ? some.coords : [17.03, 51.11]);
  await idle(page);
  const bounds = await page.evaluate(() => window.ladMap.getBounds().toArray());
  await page.locator("#export-layer").selectOption("permits");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "GeoJSON" }).click()]);
  const fc = JSON.parse(readFileSync(await download.path(), "utf8"));
  const eps = 1e-6;
  const inside = fc.features.every((f) => {
    const [x, y] = f.geometry.coordinates;
    return x >= bounds[0][0] - eps && x <= bounds[1][0] + eps && y >= bounds[0][1] - eps && y <= bounds[1][1] + eps;
  });
  const years = [...new Set(fc.features.map((f) => f.properties.year))];
  const drawn = await page.evaluate(() => new Set(window.ladMap.queryRenderedFeatures()
    .filter((f) => f.layer.metadata && f.layer.metadata["lad:layer"] === "permits").map((f) => f.id)).size);
  report("export has only features in the view and the period", fc.features.length > 0 && inside && years.length === 1 && years[0] === year,
    { n: fc.features.length, drawn, bounds, years, url: download.url() });
  report("export has what the map draws", drawn === fc.features.length, { n: fc.features.length, drawn });
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "CSV" }).click()]);
  const lines = readFileSync(await csv.path(), "utf8").trim().split("\n");
  report("export as CSV has the same rows", lines[0].includes("decided_on") && lines.length === fc.features.length + 1, { lines: lines.length });
  await axe(page, "planner export");
  await page.screenshot({ path: `${out}/planner-export.png` });
}
report("planner page has no script errors", errors.length === 0, errors);
await page.close();

// 4. On a phone the header's links are all on screen and reachable by Tab.
for (const path of ["/", "/field", "/konsultacje"]) {
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(base + path);
  await phone.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 45000 });
  const boxes = await phone.evaluate(() => [...document.querySelectorAll(".top a, .top button")].map((e) => {
    const r = e.getBoundingClientRect();
    return { text: e.textContent.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom, visible: r.width > 0 && r.height > 0 };
  }));
  const off = boxes.filter((b) => !b.visible || b.left < 0 || b.right > 390 || b.top < 0 || b.bottom > 844);
  const reached = [];
  for (let i = 0; i < 8; i++) {
    await phone.keyboard.press("Tab");
    reached.push(await phone.evaluate(() => document.activeElement.textContent.trim()));
  }
  const modes = ["Planowanie", "Kontrola w terenie", "Konsultacje"];
  report(`phone header fits the screen (${path})`, boxes.length >= 4 && off.length === 0 && modes.every((m) => reached.includes(m)), { off, reached });
  if (path === "/") {
    await axe(phone, "planner on a phone");
    await phone.screenshot({ path: `${out}/planner-phone.png` });
  }
  await phone.close();
}

// In English the planners' controls speak English; hidden layers show no slider.
{
  const en = await context.newPage();
  await en.addInitScript(() => localStorage.setItem("lad.lang", "en"));
  await en.goto(base + "/?layers=permits");
  await en.waitForFunction(() => document.body.dataset.ready === "true" && document.querySelector("#analysis-name"), null, { timeout: 45000 });
  const label = await en.locator("#time-permits").evaluate((s) => s.closest(".timeline").querySelector("label").textContent);
  const hidden = await en.locator("#time-plans").evaluate((s) => s.closest(".timeline").hidden);
  const options = await en.locator("#analysis-name option").allTextContents();
  report("English planner controls", label.startsWith("Period") && hidden && options.includes("Permit conformity") &&
    (await en.getByRole("heading", { name: "Export the view" }).count()) === 1, { label, hidden, options });
  await en.close();
}

await finish();
