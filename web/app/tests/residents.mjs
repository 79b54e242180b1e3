// Browser tests of issue 7 in Debian's Chromium, driven by playwright-core
// against a running `lad serve --demo`; run by
// cmd/lad/residents_browser_test.go, which checks the database between and
// after the phases. Usage: node residents.mjs BASE_URL OUT_DIR
// LAD_TEST_PHASE=open (default): a resident compares the draft with the
//   plans in force (both maps render), reads a zone's rules and sees the
//   comments without answers; a planner answers a comment, opens the report
//   (and prints it to PDF), uploads a fixture on the ingest page (progress,
//   processing, the batch and its counts), then a file whose records are all
//   rejected (the rejected records table).
// LAD_TEST_PHASE=closed (after the test closed the consultation): the
//   resident reads the answers, the planner's among them.
// Prints one JSON line per check; exits non-zero when a check fails.
import { base, out, report, start, axe, finish } from "./harness.mjs";

const phase = process.env.LAD_TEST_PHASE || "open";
const reason = "Test: obniżono maksymalną wysokość do 12 m.";

async function open(context, path) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(base + path);
  await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 45000 });
  return { page, errors };
}

const desktop = { viewport: { width: 1280, height: 860 } };

const browser = await start();
if (phase === "open") {
  // Residents: the draft against the plans in force.
  {
    const context = await browser.newContext(desktop);
    const { page, errors } = await open(context, "/konsultacje");
    await page.getByRole("button", { name: "Projekt a plan obowiązujący" }).first().click();
    await page.waitForFunction(() => window.ladCompare && window.ladCompare.before.loaded() && window.ladCompare.after.loaded()
      && window.ladCompare.before.areTilesLoaded() && window.ladCompare.after.areTilesLoaded(), null, { timeout: 45000 });
    await page.waitForTimeout(800);
    const counts = await page.evaluate(() => {
      const layer = (f) => f.layer.metadata && f.layer.metadata["lad:layer"];
      const b = window.ladCompare.before.queryRenderedFeatures().filter((f) => ["plans", "designations", "pog_zones"].includes(layer(f)));
      const a = window.ladCompare.after.queryRenderedFeatures().filter((f) => ["plans", "designations"].includes(layer(f)));
      const st = (f) => f.properties.plan_status || f.properties.status;
      return {
        before: b.length, after: a.length, afterDesignations: a.filter((f) => layer(f) === "designations").length,
        beforeStatuses: [...new Set(b.map(st))], afterStatuses: [...new Set(a.map(st))],
      };
    });
    report("swipe: the plans in force render on the left map", counts.before > 0 && counts.beforeStatuses.every((s) => ["in_force", "partly_repealed"].includes(s)), counts);
    report("swipe: the draft renders on the right map", counts.afterDesignations > 0 && counts.afterStatuses.every((s) => s === "draft"), counts);
    report("swipe: deep link", page.url().includes("view=compare") && page.url().includes("consultation="), page.url());
    // The slider moves by keyboard.
    const pos0 = await page.evaluate(() => window.ladCompare.compare.currentPosition);
    await page.locator("#compare-slider").focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    const pos1 = await page.evaluate(() => window.ladCompare.compare.currentPosition);
    report("swipe: the slider moves by keyboard", pos1 > pos0, { pos0, pos1 });
    // A click on a draft area (right of the swipe) tells its rules.
    const pt = await page.evaluate(() => {
      const m = window.ladCompare.after;
      const c = m.getContainer();
      const x0 = window.ladCompare.compare.currentPosition;
      for (let y = 40; y < c.clientHeight - 20; y += 20) {
        for (let x = Math.ceil(x0 + 30); x < c.clientWidth - 60; x += 20) {
          if (m.queryRenderedFeatures([x, y]).some((f) => f.layer.metadata && f.layer.metadata["lad:layer"] === "designations")) return [x, y];
        }
      }
      return null;
    });
    if (pt) {
      const box = await page.locator("#compare").boundingBox();
      await page.mouse.click(box.x + pt[0], box.y + pt[1]);
      await page.waitForFunction(() => document.querySelector("#zone-rules .zone-card"), null, { timeout: 10000 });
    }
    const rules = await page.locator("#zone-rules").textContent();
    report("swipe: a click on a draft area tells its rules in plain language", !!pt && rules.includes("projekt planu") && /działki|budynków/.test(rules) && !rules.includes("NaN"), rules);
    await page.screenshot({ path: `${out}/residents-compare.png` });
    await axe(page, "residents compare");
    await page.getByRole("button", { name: "Wróć do mapy" }).click();
    report("swipe closes back to the map", await page.locator("#map").isVisible() && !page.url().includes("view="), page.url());
    // Comments while the consultation is open: no answers yet.
    await page.getByRole("button", { name: "Złożone uwagi" }).first().click();
    await page.waitForSelector("#public-comments li", { timeout: 15000 });
    const text = await page.locator("#panel").textContent();
    report("open consultation: comments without answers", text.includes("zostaną opublikowane") && (await page.locator("#public-comments .badge").count()) === 0, {});
    report("residents compare has no script errors", errors.length === 0, errors);
    await context.close();
  }

  // Planners: review and answer a comment, print the report, load data.
  {
    const context = await browser.newContext(desktop);
    const { page, errors } = await open(context, "/");
    await page.getByRole("button", { name: "Zaloguj" }).click();
    await page.getByLabel("Login").fill(process.env.LAD_TEST_LOGIN);
    await page.getByLabel("Hasło").fill(process.env.LAD_TEST_PASSWORD);
    await page.locator("form").getByRole("button", { name: "Zaloguj" }).click();
    await page.waitForFunction(() => document.body.dataset.ready === "true" && document.querySelector(".who"), null, { timeout: 30000 });
    await page.getByRole("button", { name: "Rozpatrz uwagi" }).first().click();
    await page.waitForSelector("article.review", { timeout: 20000 });
    const receipt = await page.locator("article.review", { has: page.locator(".badge.answer-none") }).first().getAttribute("data-receipt");
    const card = page.locator(`article.review[data-receipt="${receipt}"]`);
    const author = await card.locator(".author").textContent();
    report("planner sees the author of a comment", author.includes("Wrocław"), author);
    await card.getByLabel("uwzględniona częściowo").check();
    await card.getByLabel("Uzasadnienie").fill(reason);
    await card.getByRole("button", { name: "Zapisz rozstrzygnięcie" }).click();
    await card.locator("text=Zapisano.").waitFor({ timeout: 15000 });
    report("planner answers a comment", (await card.locator(".current").textContent()).includes("uwzględniona częściowo"), receipt);
    console.log(JSON.stringify({ answered_receipt: receipt }));
    report("review deep link", page.url().includes("view=review"), page.url());
    await page.screenshot({ path: `${out}/planner-review.png` });
    await axe(page, "planner review");
    const consultation = new URL(page.url()).searchParams.get("consultation");
    // The report: the council's copy names the authors, the public one not.
    const rep = await context.newPage();
    await rep.goto(`${base}/report/consultation/${consultation}`);
    const repText = await rep.locator("body").textContent();
    report("the report holds the answer", repText.includes("Raport z konsultacji") && repText.includes(reason) && repText.includes(receipt), {});
    await rep.screenshot({ path: `${out}/consultation-report.png`, fullPage: true });
    await rep.emulateMedia({ media: "print" });
    await rep.pdf({ path: `${out}/consultation-report.pdf`, format: "A4", landscape: true });
    await rep.emulateMedia({ media: "screen" });
    await axe(rep, "consultation report");
    await rep.goto(`${base}/report/consultation/${consultation}?version=public`);
    const pubText = await rep.locator("body").textContent();
    report("the public report names no author", pubText.includes(reason) && !/Nowak|Kowalsk|Wiśniewsk|Wójcik|Kowalczyk|Kamińsk|Lewandowsk|Zielińsk|Szymańsk|Woźniak/.test(pubText), {});
    await rep.close();
    await page.getByRole("button", { name: "Wróć do mapy" }).click();

    // Ingest: a fixture loads with progress; then a file all rejected.
    await page.getByRole("button", { name: "Wczytaj plik danych…" }).click();
    await page.waitForSelector("#ingest-form", { timeout: 10000 });
    report("ingest deep link", page.url().includes("view=ingest"), page.url());
    await page.locator("#ingest-file").setInputFiles(process.env.LAD_TEST_UPLOAD);
    await page.getByLabel("Rodzaj danych").selectOption("parcels");
    await page.getByLabel("Gmina (TERC)").selectOption("");
    await page.getByRole("button", { name: "Wczytaj", exact: true }).click();
    await page.waitForSelector("#ingest-batch", { timeout: 60000 });
    const up = await page.evaluate(() => ({ ...document.getElementById("ingest-upload").dataset }));
    report("ingest shows the upload progress and the processing", up.phases.startsWith("uploading,processing") && up.phases.endsWith("done") && up.maxProgress === "100", up);
    const ok = await page.evaluate(() => {
      const b = document.getElementById("ingest-batch");
      return { id: b.dataset.batch, status: b.dataset.status, inserted: Number(b.querySelector('[data-count="Dodano"]').textContent) };
    });
    report("ingest: the batch with its counts", ok.status === "committed" && ok.inserted > 0, ok);
    await page.waitForSelector(`#batch-log tr[data-batch="${ok.id}"]`, { timeout: 15000 });
    report("ingest: the batch is in the log", true, {});
    await page.getByLabel("Gmina (TERC)").selectOption("0264011");
    await page.getByRole("button", { name: "Wczytaj", exact: true }).click();
    await page.waitForFunction((id) => { const b = document.getElementById("ingest-batch"); return b && b.dataset.batch !== id; }, ok.id, { timeout: 60000 });
    await page.waitForSelector("#rejections tbody tr", { timeout: 15000 });
    const bad = await page.evaluate(() => ({
      id: document.getElementById("ingest-batch").dataset.batch,
      rejected: Number(document.querySelector('#ingest-batch [data-count="Odrzucono"]').textContent),
      rows: document.querySelectorAll("#rejections tbody tr").length,
      first: document.querySelector("#rejections tbody tr").textContent,
      heading: document.querySelector("#ingest-batch h3").textContent,
    }));
    report("ingest: a bad file's rejected records", bad.rejected > 0 && bad.rows === bad.rejected && bad.first.includes("0264011") &&
      bad.heading.includes("nic nie zapisano"), bad);
    console.log(JSON.stringify({ batch_ok: ok.id, batch_bad: bad.id }));
    await page.screenshot({ path: `${out}/planner-ingest.png`, fullPage: true });
    await axe(page, "planner ingest");
    // The log's button opens any batch's rejected records.
    await page.getByRole("button", { name: `Pokaż odrzucone: Paczka nr ${bad.id}` }).click();
    await page.waitForSelector("#rejections tbody tr", { timeout: 15000 });
    report("ingest: the log opens a batch's rejected records", (await page.locator("#rejections tbody tr").count()) === bad.rejected
      && new URL(page.url()).searchParams.get("batch") === bad.id, page.url());
    // The deep link opens the page again.
    await page.reload();
    await page.waitForSelector("#ingest-form", { timeout: 30000 });
    await page.waitForSelector("#rejections tbody tr", { timeout: 15000 });
    report("ingest: the deep link opens the page and the batch", true, page.url());
    report("planner pages have no script errors", errors.length === 0, errors);
    await context.close();
  }
}

if (phase === "closed") {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const { page, errors } = await open(context, "/konsultacje");
  await page.getByRole("button", { name: "Uwagi i rozstrzygnięcia" }).first().click();
  await page.waitForSelector("#public-comments li", { timeout: 15000 });
  const text = await page.locator("#panel").textContent();
  const badges = await page.locator("#public-comments .badge").allTextContents();
  report("closed consultation: residents read the answers", text.includes(reason) && badges.includes("uwzględniona częściowo")
    && badges.includes("nieuwzględniona") && badges.includes("uwzględniona"), { badges: badges.length });
  report("closed consultation: no author on the page", !/Nowak|Kowalsk|Wiśniewsk|Wójcik|Kowalczyk|Kamińsk|Lewandowsk|Zielińsk|Szymańsk|Woźniak|@example/.test(text), {});
  report("answers deep link", page.url().includes("view=answers"), page.url());
  await page.screenshot({ path: `${out}/residents-answers.png` });
  await axe(page, "residents answers");
  report("residents answers have no script errors", errors.length === 0, errors);
  // The swipe on the phone: both maps draw, the keyboard slider is on screen.
  await page.goto(base + "/konsultacje");
  await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 45000 });
  await page.getByRole("button", { name: "Projekt a plan obowiązujący" }).first().click();
  await page.waitForFunction(() => window.ladCompare && window.ladCompare.before.loaded() && window.ladCompare.after.loaded()
    && window.ladCompare.before.areTilesLoaded() && window.ladCompare.after.areTilesLoaded(), null, { timeout: 45000 });
  const phone = await page.evaluate(() => {
    const r = document.querySelector("#compare-slider").getBoundingClientRect();
    return { before: window.ladCompare.before.queryRenderedFeatures().length, after: window.ladCompare.after.queryRenderedFeatures().length,
      slider: r.width > 0 && r.left >= 0 && r.right <= window.innerWidth && r.bottom <= window.innerHeight };
  });
  report("swipe on a phone: both maps draw, the slider is on screen", phone.before > 0 && phone.after > 0 && phone.slider, phone);
  await page.screenshot({ path: `${out}/residents-compare-phone.png` });
  await axe(page, "residents compare on a phone");
  await context.close();
}

await finish();
