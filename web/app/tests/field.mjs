// Browser test of the inspectors' field app (/field) in Debian's Chromium,
// driven by playwright-core against a running `lad serve --demo`, on a
// phone (390×844, touch) whose GPS stands in Wrocław's old town. Run by
// cmd/lad/browser_test.go, which starts the server, makes the inspector
// account and checks the database afterwards.
// Usage: node field.mjs BASE_URL OUT_DIR (LAD_TEST_LOGIN, LAD_TEST_PASSWORD)
// Prints one JSON line per check, and the ids of the inspections recorded
// ({"online_inspection": …}, {"offline_inspection": …}); exits non-zero
// when a check fails.
import { base, out, report, start, axe, finish } from "./harness.mjs";
import { fileURLToPath } from "node:url";

// Let routes see the service worker's own requests (to cut them off too).
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS ??= "1";
const run = Date.now().toString(36); // tells this run's records from earlier ones
const photo = fileURLToPath(new URL("./testdata/nosnik.png", import.meta.url));

const ready = (page) => page.waitForFunction(() => document.body.dataset.ready === "true" && window.ladMap && window.ladMap.loaded(), null, { timeout: 45000 });
const waiting = (page) => page.locator("#outbox-count").getAttribute("data-waiting");

// Offline means offline for the service worker too: Chromium's offline
// emulation does not reach it, so its requests are refused as well.
const swOffline = (route) => (route.request().serviceWorker() ? route.abort("internetdisconnected") : route.continue());
async function setOffline(context, off) {
  if (off) {
    await context.setOffline(true);
    await context.route("**", swOffline);
  } else {
    await context.unroute("**", swOffline);
    await context.setOffline(false);
  }
}

const browser = await start();
const context = await browser.newContext({
  viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "pl-PL",
  geolocation: { latitude: 51.1100, longitude: 17.0330, accuracy: 12 }, permissions: ["geolocation"], serviceWorkers: "allow",
});
const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
try {
  await page.goto(base + "/field");
  await ready(page);

  // The inspector signs in.
  await page.getByRole("button", { name: "Zaloguj" }).click();
  await page.getByLabel("Login").fill(process.env.LAD_TEST_LOGIN);
  await page.getByLabel("Hasło").fill(process.env.LAD_TEST_PASSWORD);
  await page.locator("form").getByRole("button", { name: "Zaloguj" }).click();
  await page.waitForFunction(() => document.body.dataset.ready === "true" && document.querySelector(".who"), null, { timeout: 30000 });
  report("inspector signed in", (await page.locator(".who").textContent()).includes("inspektor"), await page.locator(".who").textContent());
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller, null, { timeout: 30000 });
  report("service worker controls /field", true, {});

  // Carriers near the phone's position, nearest first.
  await page.waitForSelector("#near .card", { timeout: 20000 });
  const dists = await page.$$eval("#near .card", (cards) => cards.map((c) => Number((c.textContent.match(/odległość: (\d+) m/) || [])[1])));
  report("carriers near me by distance", dists.length > 0 && dists.every((d, i) => Number.isFinite(d) && (i === 0 || dists[i - 1] <= d)), dists.slice(0, 8));
  await axe(page, "field list (inspector)");
  await page.screenshot({ path: `${out}/field-list.png` });

  // Open the nearest carrier: its status and history.
  const card = page.locator("#near .card").first();
  const carrier = await card.getAttribute("data-carrier");
  const inventory = (await card.locator(".card-open").textContent()).split(" · ")[0];
  await card.locator(".card-open").click();
  await page.waitForSelector("#history li", { timeout: 20000 });
  report("carrier card with history", (await page.locator("#carrier h2").textContent()).startsWith(inventory) && page.url().includes(`carrier=${carrier}`),
    { inventory, url: page.url(), events: await page.locator("#history li").count() });
  await axe(page, "field carrier");
  await page.screenshot({ path: `${out}/field-carrier.png` });

  // Record an inspection online, with a photo from the "camera".
  await page.getByRole("button", { name: "Zarejestruj kontrolę" }).click();
  await page.getByLabel("naruszenie", { exact: true }).check();
  const rules = page.locator("#rules-set input[type=checkbox]");
  if (!(await rules.first().isChecked())) await rules.first().check();
  await page.getByLabel("Uwagi").fill(`Kontrola testowa online ${run}: nośnik podświetlany mimo zakazu.`);
  await page.getByLabel("Zdjęcia (aparat, do 5)").setInputFiles(photo);
  await page.waitForSelector(".field-form .photos img");
  report("photo input takes the camera", (await page.getByLabel("Zdjęcia (aparat, do 5)").getAttribute("capture")) === "environment", {});
  await axe(page, "inspection form");
  await page.screenshot({ path: `${out}/field-form.png` });
  await page.getByRole("button", { name: "Zapisz kontrolę" }).click();
  const onlineItem = page.locator("#history li[data-inspection]", { hasText: `Kontrola testowa online ${run}` });
  await onlineItem.waitFor({ timeout: 20000 });
  const onlineId = await onlineItem.getAttribute("data-inspection");
  console.log(JSON.stringify({ online_inspection: onlineId, carrier }));
  await page.waitForFunction((id) => {
    const img = document.querySelector(`#history li[data-inspection="${id}"] img`);
    return img && img.complete && img.naturalWidth > 0;
  }, onlineId, { timeout: 15000 });
  report("inspection with its photo appears in the history", (await waiting(page)) === "0", { id: onlineId });
  await onlineItem.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${out}/field-recorded.png` });

  // Offline: the next inspection waits on the phone.
  await setOffline(context, true);
  await page.waitForFunction(() => !navigator.onLine);
  report("offline shown", (await page.locator("#net-state").textContent()) === "Brak połączenia", {});
  await page.getByRole("button", { name: "Zarejestruj kontrolę" }).click();
  await page.getByLabel("zgodny z uchwałą", { exact: true }).check();
  await page.getByLabel("Uwagi").fill(`Kontrola testowa offline ${run}.`);
  await page.getByLabel("Zdjęcia (aparat, do 5)").setInputFiles(photo);
  await page.waitForSelector(".field-form .photos img");
  await page.getByRole("button", { name: "Zapisz kontrolę" }).click();
  await page.waitForFunction(() => document.querySelector("#outbox-count").dataset.waiting === "1", null, { timeout: 15000 });
  const queued = await page.evaluate(async () => (await window.ladOutbox.all()).map((i) => ({ id: i.id, kind: i.kind, photos: i.photos.length, size: i.photos[0] && i.photos[0].size })));
  report("outbox shows 1 with its photo", queued.length === 1 && queued[0].kind === "inspection" && queued[0].photos === 1 && queued[0].size > 0,
    { text: await page.locator("#outbox-count").textContent(), queued });
  const offlineId = queued[0] && queued[0].id;
  console.log(JSON.stringify({ offline_inspection: offlineId }));
  await page.waitForSelector("#history li.pending", { timeout: 10000 });
  await page.screenshot({ path: `${out}/field-offline.png` });

  // The service worker is offline too, and still serves the app: a reload
  // without network brings back the shell, the carrier and the outbox.
  const swNet = await page.evaluate(() => fetch("/tiles/parcels.json?offline-probe").then((r) => r.status, () => "failed"));
  report("service worker has no network either", swNet === "failed", { swNet });
  await page.reload();
  await ready(page);
  await page.waitForSelector("#carrier h2", { timeout: 20000 });
  report("app shell, carrier and outbox survive an offline reload",
    (await page.locator("#carrier h2").textContent()).startsWith(inventory) && (await waiting(page)) === "1" && (await page.locator(".who").count()) === 1,
    { waiting: await waiting(page) });
  await page.evaluate(async () => { window.ladTestCopy = (await window.ladOutbox.all())[0]; });

  // Back online: the outbox drains by itself.
  await setOffline(context, false);
  await page.waitForFunction(() => document.querySelector("#outbox-count").dataset.waiting === "0", null, { timeout: 30000 });
  const offlineItem = page.locator(`#history li[data-inspection="${offlineId}"]`);
  await offlineItem.waitFor({ timeout: 20000 });
  report("outbox drains when the network returns", (await offlineItem.textContent()).includes(`Kontrola testowa offline ${run}`), {});

  // The same record sent again (a lost answer, a second drain): the server
  // answers 200 with the first record and stores nothing twice.
  const again = await page.evaluate(async () => {
    const s = await (await fetch("/api/session")).json();
    await window.ladOutbox.add(window.ladTestCopy);
    const results = [];
    await window.ladOutbox.drain(s.csrf_token, s.login, (item, res) => results.push({ id: item.id, status: res.status, created: res.body && res.body.created }));
    return { results, left: (await window.ladOutbox.all()).length };
  });
  report("a record sent twice is stored once", again.left === 0 && again.results.length === 1 && again.results[0].status === 200 && again.results[0].created === false, again);
  await axe(page, "field after sync");
  await page.screenshot({ path: `${out}/field-synced.png` });

  // A carrier found in the field, offline, and inspected on the spot: both
  // wait in the outbox and leave in order (the carrier first).
  await page.getByRole("button", { name: "← Lista nośników" }).click();
  await page.waitForSelector("#near .card", { timeout: 20000 });
  await setOffline(context, true);
  await page.getByRole("button", { name: "Dodaj nowy nośnik" }).click();
  await page.getByLabel("Rodzaj").selectOption("banner");
  await page.getByLabel("Szerokość [m]").fill("8");
  await page.getByLabel("Wysokość [m]").fill("4");
  await page.getByLabel("Adres").fill("ul. Odrzańska 1");
  await axe(page, "new carrier form");
  await page.getByRole("button", { name: "Zapisz nośnik" }).click();
  await page.waitForSelector("#carrier h2", { timeout: 10000 });
  await page.getByRole("button", { name: "Zarejestruj kontrolę" }).click();
  await page.getByLabel("naruszenie", { exact: true }).check();
  const offered = await page.locator("#rules-set input").count();
  await page.locator("#rules-set input").first().check();
  await page.getByLabel("Uwagi").fill(`Baner bez zgody ${run}.`);
  await page.getByRole("button", { name: "Zapisz kontrolę" }).click();
  await page.waitForFunction(() => document.querySelector("#outbox-count").dataset.waiting === "2", null, { timeout: 15000 });
  const pair = await page.evaluate(async () => (await window.ladOutbox.all()).map((i) => ({ id: i.id, kind: i.kind, carrier: i.carrier_id })));
  report("new carrier and its inspection wait offline, with the zone's rules from the map", pair.length === 2 && pair[0].kind === "carrier" &&
    pair[1].kind === "inspection" && pair[1].carrier === pair[0].id && offered > 0, { pair, offered });
  console.log(JSON.stringify({ new_carrier: pair[0] && pair[0].id }));
  await setOffline(context, false);
  await page.waitForFunction(() => document.querySelector("#outbox-count").dataset.waiting === "0" &&
    /^TEREN\//.test(document.querySelector("#carrier h2")?.textContent || ""), null, { timeout: 30000 });
  report("new carrier numbered by the server, with its inspection", (await page.locator("#history li[data-inspection]").count()) === 1,
    await page.locator("#carrier h2").textContent());
  await page.screenshot({ path: `${out}/field-new-carrier.png` });

  // English is switchable here too.
  await page.getByRole("button", { name: "English" }).click();
  await page.waitForFunction(() => document.documentElement.lang === "en" && document.body.dataset.ready === "true", null, { timeout: 30000 });
  await page.waitForSelector("#outbox-count");
  report("field app in English", (await page.locator("#outbox-count").textContent()).startsWith("To send"), {});
  report("field app has no script errors", errors.length === 0, errors);

} catch (err) {
  // Leave what the phone showed for whoever reads the failure.
  await page.screenshot({ path: `${out}/field-failure.png` }).catch(() => {});
  report("field app flow", false, { error: err.message.split("\n")[0], panel: await page.locator("#panel").textContent().catch(() => "") });
}
await finish();
