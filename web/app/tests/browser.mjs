// Browser tests of ład's web map in Debian's Chromium, driven by
// playwright-core against a running `lad serve --demo`. Run by
// cmd/lad/browser_test.go (go test), which starts the server and checks the
// database afterwards. Usage: node browser.mjs BASE_URL OUT_DIR
// Prints one JSON line per check; exits non-zero when a check fails.
import { base, out, report, start, axe, finish } from "./harness.mjs";

const browser = await start();

async function open(path, viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(base + path);
  await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 45000 });
  await page.waitForFunction(() => window.ladMap && window.ladMap.loaded() && window.ladMap.areTilesLoaded(), null, { timeout: 45000 });
  return { page, errors };
}

const rendered = (page, layer) => page.evaluate((id) =>
  window.ladMap.queryRenderedFeatures().filter((f) => f.layer.metadata && f.layer.metadata["lad:layer"] === id).length, layer);

async function idle(page) {
  await page.waitForFunction(() => window.ladMap.loaded() && window.ladMap.areTilesLoaded(), null, { timeout: 30000 });
  await page.waitForTimeout(300);
}

// Planners: toggling a layer shows its features on the map.
{
  const { page, errors } = await open("/?layers=districts,parcels#map=15/51.1100/17.0300");
  const before = await rendered(page, "permits");
  await page.getByRole("checkbox", { name: "Pozwolenia, zgłoszenia i decyzje WZ" }).check();
  await idle(page);
  const after = await rendered(page, "permits");
  report("planner toggles permits on", before === 0 && after > 0, { before, after });
  const url = page.url();
  report("deep link keeps layers", url.includes("layers=") && url.includes("permits") && url.includes("#map="), url);
  await page.getByRole("checkbox", { name: "Pozwolenia, zgłoszenia i decyzje WZ" }).uncheck();
  await idle(page);
  report("planner toggles permits off", (await rendered(page, "permits")) === 0, {});
  // A click on a parcel tells what applies there: parcel, plan, zones.
  const centre = await page.evaluate(async () => {
    const r = await fetch("/ogc/collections/parcels/items?limit=1");
    const ring = (await r.json()).features[0].geometry.coordinates[0][0];
    const n = ring.length - 1;
    return [ring.slice(0, n).reduce((a, p) => a + p[0], 0) / n, ring.slice(0, n).reduce((a, p) => a + p[1], 0) / n];
  });
  await page.evaluate((c) => window.ladMap.jumpTo({ center: c, zoom: 17 }), centre);
  await idle(page);
  const box = await page.locator("#map").boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForSelector(".applies h4", { timeout: 15000 });
  const applies = await page.locator(".applies").textContent();
  report("click shows what applies here", applies.includes("Co tu obowiązuje") && /Działka: \d{6}_\d\.\d{4}\./.test(applies), applies);
  await page.screenshot({ path: `${out}/planner-popup.png` });
  // The selected place is in the link: opened again, the link shows the same
  // parcel's report.
  const linked = page.url();
  const { page: again } = await open(linked.slice(base.length));
  await again.waitForSelector(".applies h4", { timeout: 30000 });
  const againText = await again.locator(".applies").textContent();
  const parcelOf = (s) => (/Działka: (\S+)/.exec(s) || [])[1];
  report("deep link keeps the selected place", linked.includes("at=") && parcelOf(againText) !== undefined && parcelOf(againText) === parcelOf(applies),
    { linked, first: parcelOf(applies), again: parcelOf(againText) });
  await again.close();
  await page.keyboard.press("Escape");
  await axe(page, "planner");
  await page.screenshot({ path: `${out}/planner.png` });
  report("planner has no script errors", errors.length === 0, errors);
  await page.close();
}

// Residents: leave a comment; the receipt comes back.
{
  const { page, errors } = await open("/konsultacje", { width: 390, height: 844 });
  await axe(page, "residents");
  await page.screenshot({ path: `${out}/residents.png` });
  await page.getByRole("button", { name: "Złóż uwagę" }).first().click();
  await page.getByLabel("Imię i nazwisko").fill("Zofia Testowa-Prywatna");
  await page.getByLabel("Adres").fill("ul. Sekretna 7, 50-001 Wrocław");
  await page.getByLabel("E-mail (nieobowiązkowo)").fill("zofia.prywatna@example.pl");
  await page.getByLabel("Treść uwagi").fill("Proszę o zachowanie skweru przy ulicy.");
  const box = await page.locator("#map").boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.getByRole("button", { name: "Wyślij uwagę" }).click();
  const receipt = await page.locator("#receipt").textContent({ timeout: 15000 });
  report("resident gets a receipt", /^KS\/\d{4}\/\d+$/.test(receipt || ""), receipt);
  console.log(JSON.stringify({ receipt }));
  await page.screenshot({ path: `${out}/residents-receipt.png` });
  report("residents has no script errors", errors.length === 0, errors);
  await page.close();
}

// Inspectors: the phone page lists carriers near the map centre.
{
  const { page, errors } = await open("/field#map=17/51.1100/17.0330", { width: 390, height: 844 });
  await axe(page, "field");
  await page.getByRole("button", { name: "Moja lokalizacja" }).click();
  await page.waitForSelector(".card", { timeout: 15000 });
  const cards = await page.locator(".card").count();
  report("inspector sees carriers near", cards > 0, { cards });
  await page.screenshot({ path: `${out}/field.png` });
  report("field has no script errors", errors.length === 0, errors);
  await page.close();
}

// A planner signs in and runs an analysis.
if (process.env.LAD_TEST_LOGIN) {
  const { page, errors } = await open("/");
  await page.getByRole("button", { name: "Zaloguj" }).click();
  await page.getByLabel("Login").fill(process.env.LAD_TEST_LOGIN);
  await page.getByLabel("Hasło").fill(process.env.LAD_TEST_PASSWORD);
  await page.locator("form").getByRole("button", { name: "Zaloguj" }).click();
  await page.waitForFunction(() => document.body.dataset.ready === "true" && document.querySelector(".who"), null, { timeout: 30000 });
  report("planner signed in", (await page.locator(".who").textContent()).includes("planista"), {});
  await page.locator("#analysis-name").selectOption("advertising-compliance");
  await page.getByRole("button", { name: "Uruchom" }).click();
  await page.waitForSelector("table.analysis td", { timeout: 20000 });
  const rows = await page.locator("table.analysis tr").count();
  report("planner runs an analysis", rows > 3, { rows });
  await axe(page, "planner signed in");
  await page.screenshot({ path: `${out}/planner-analysis.png` });
  await page.getByRole("button", { name: "Wyloguj" }).click();
  await page.waitForSelector("text=Zaloguj", { timeout: 20000 });
  report("planner signs out", true, {});
  report("signed-in page has no script errors", errors.length === 0, errors);
  await page.close();
}

// An administrator reads the audit log (the demo city was written by the
// command line, the resident's comment anonymously, never by name).
if (process.env.LAD_TEST_ADMIN) {
  const { page, errors } = await open("/");
  await page.getByRole("button", { name: "Zaloguj" }).click();
  await page.getByLabel("Login").fill(process.env.LAD_TEST_ADMIN);
  await page.getByLabel("Hasło").fill(process.env.LAD_TEST_PASSWORD);
  await page.locator("form").getByRole("button", { name: "Zaloguj" }).click();
  await page.waitForFunction(() => document.body.dataset.ready === "true" && document.querySelector("#audit-table"), null, { timeout: 30000 });
  await page.locator("#audit-table").fill("consultation_comment");
  await page.getByRole("button", { name: "Pokaż" }).click();
  await page.waitForSelector("#audit-out td", { timeout: 20000 });
  const text = await page.locator("#audit-out").textContent();
  const rows = await page.locator("#audit-out tr").count();
  report("admin reads the audit log", rows > 1 && text.includes("consultation_comment") && /(cli|system):/.test(text) && text.includes("anonymous:") && !text.includes("Zofia"), { rows });
  await axe(page, "admin audit");
  await page.screenshot({ path: `${out}/admin-audit.png` });
  report("admin page has no script errors", errors.length === 0, errors);
  await page.close();
}

// English is switchable.
{
  const { page } = await open("/");
  await page.getByRole("button", { name: "English" }).click();
  await page.waitForFunction(() => document.documentElement.lang === "en" && document.body.dataset.ready === "true", null, { timeout: 30000 });
  report("English interface", (await page.locator("h2").first().textContent()) === "Layers", {});
  await page.close();
}

await finish();
