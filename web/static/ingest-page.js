// The planners' ingest page (issue 7), loaded by app.js in the planners'
// mode: upload a data file as one batch (kind, municipality, dry run,
// repair) to POST /api/ingest, watching the upload's progress and then the
// server's processing; the batch's result with its counts and rejected
// records; the batch log (GET /api/ingest/batches) and any batch's rejected
// records (GET /api/ingest/batches/ID). The page is kept in the deep link
// as ?view=ingest (&batch=ID for an open batch).
// Polish first, English switchable: the strings of this module are here.
import { openOverlay, viewParams, setView } from "/static/overlay.js";

const S = {
  pl: {
    section: "Wczytywanie danych", open: "Wczytaj plik danych…", title: "Wczytywanie danych (paczki)",
    file: "Plik", kind: "Rodzaj danych", municipality: "Gmina (TERC)", fromFile: "z pliku", dryRun: "Tylko sprawdź (bez zapisu)",
    repair: "Naprawiaj nieprawidłowe geometrie", send: "Wczytaj", close: "Wróć do mapy", noFile: "Wybierz plik.",
    uploading: (p) => `Wysyłanie pliku: ${p}%`, processing: "Plik wysłany: serwer sprawdza i zapisuje rekordy…",
    result: "Wynik paczki", log: "Dziennik paczek", refresh: "Odśwież", rejected: "Odrzucone rekordy", noRejected: "Brak odrzuconych rekordów.",
    showRejected: "Pokaż odrzucone", failed: "Nie wczytano pliku", loading: "Wczytywanie…",
    kinds: { plan: "plany (APP GML, GeoJSON)", parcels: "działki ewidencyjne", permits: "pozwolenia i decyzje (RWDZ CSV)", ads: "reklamy (uchwała, nośniki, kontrole)", districts: "osiedla i dzielnice" },
    statuses: { committed: "zapisano", unchanged: "bez zmian (ten sam plik)", failed: "błąd", "dry-run": "sprawdzono (bez zapisu)", running: "w toku",
      allRejected: "nic nie zapisano: odrzucono wszystkie rekordy" },
    cols: { id: "Nr", kind: "Rodzaj", source: "Plik", terc: "Gmina", by: "Kto", started: "Rozpoczęto", status: "Stan", read: "Odczytano",
      inserted: "Dodano", updated: "Zmieniono", unchanged: "Bez zmian", rejected: "Odrzucono", ms: "Czas [ms]", message: "Komunikat" },
    rcols: { source: "Plik", line: "Wiersz", feature: "Obiekt", field: "Pole", reason: "Powód", severity: "Waga" },
    severities: { error: "błąd (nie wczytano)", repaired: "naprawiono", warning: "ostrzeżenie" },
    batch: (id) => `Paczka nr ${id}`,
  },
  en: {
    section: "Data ingest", open: "Load a data file…", title: "Data ingest (batches)",
    file: "File", kind: "Kind of data", municipality: "Municipality (TERC)", fromFile: "from the file", dryRun: "Validate only (no writes)",
    repair: "Repair invalid geometries", send: "Load", close: "Back to the map", noFile: "Choose a file.",
    uploading: (p) => `Uploading the file: ${p}%`, processing: "File sent: the server checks and stores the records…",
    result: "Batch result", log: "Batch log", refresh: "Refresh", rejected: "Rejected records", noRejected: "No rejected records.",
    showRejected: "Show rejected", failed: "The file was not loaded", loading: "Loading…",
    kinds: { plan: "plans (APP GML, GeoJSON)", parcels: "cadastral parcels", permits: "permits and decisions (RWDZ CSV)", ads: "advertising (resolution, carriers, inspections)", districts: "districts" },
    statuses: { committed: "stored", unchanged: "unchanged (same file)", failed: "failed", "dry-run": "validated (no writes)", running: "running",
      allRejected: "nothing stored: every record rejected" },
    cols: { id: "No.", kind: "Kind", source: "File", terc: "Municipality", by: "By", started: "Started", status: "Status", read: "Read",
      inserted: "Inserted", updated: "Updated", unchanged: "Unchanged", rejected: "Rejected", ms: "Time [ms]", message: "Message" },
    rcols: { source: "File", line: "Line", feature: "Feature", field: "Field", reason: "Reason", severity: "Severity" },
    severities: { error: "error (not loaded)", repaired: "repaired", warning: "warning" },
    batch: (id) => `Batch no. ${id}`,
  },
};

const KINDS = ["plan", "parcels", "permits", "ads", "districts"];

function strings(ctx) { return S[ctx.state.lang] || S.pl; }

// ingestSection is the planners' panel section that opens the ingest page
// (and opens it at once when the address asks for it).
export function ingestSection(ctx) {
  const s = strings(ctx);
  const { el } = ctx;
  const sec = el("section", { "aria-labelledby": "ingest-h" }, el("h2", { id: "ingest-h" }, s.section),
    el("button", { type: "button", class: "primary", id: "open-ingest", onclick: () => openIngest(ctx) }, s.open));
  if (viewParams().view === "ingest") queueMicrotask(() => openIngest(ctx));
  return sec;
}

// openIngest shows the ingest page in place of the map.
export function openIngest(ctx) {
  const s = strings(ctx);
  const { el, state } = ctx;
  const wanted = viewParams().batch;
  const body = openOverlay({ el, label: s.title, closeLabel: s.close, view: { view: "ingest" } });
  const tercs = state.session.tercs || [];
  const muni = el("select", { id: "ingest-municipality", name: "municipality" },
    el("option", { value: "" }, s.fromFile), tercs.map((x) => el("option", { value: x }, x)));
  const form = el("form", { class: "ingest-form", id: "ingest-form" },
    el("label", { for: "ingest-file" }, s.file), el("input", { id: "ingest-file", name: "file", type: "file", required: true }),
    el("div", { class: "row" },
      el("div", {}, el("label", { for: "ingest-kind" }, s.kind),
        el("select", { id: "ingest-kind", name: "kind" }, KINDS.map((k) => el("option", { value: k }, `${k} – ${s.kinds[k]}`)))),
      el("div", {}, el("label", { for: "ingest-municipality" }, s.municipality), muni)),
    el("label", { class: "choice", for: "ingest-dry" }, el("input", { id: "ingest-dry", name: "dry_run", type: "checkbox" }), s.dryRun),
    el("label", { class: "choice", for: "ingest-repair" }, el("input", { id: "ingest-repair", name: "repair", type: "checkbox" }), s.repair),
    el("button", { type: "submit", class: "primary" }, s.send));
  const progress = el("progress", { id: "ingest-progress", max: 100, value: 0, "aria-labelledby": "ingest-phase" });
  const phase = el("p", { id: "ingest-phase", role: "status" });
  const upload = el("div", { class: "upload", id: "ingest-upload", hidden: true }, progress, phase);
  const result = el("div", { id: "ingest-result" });
  const rejected = el("div", { id: "ingest-rejected" });
  const logBox = el("div", { id: "ingest-log" }, s.loading);
  const refresh = el("button", { type: "button", class: "secondary", onclick: () => loadLog() }, s.refresh);
  body.append(form, upload, result, rejected,
    el("div", { class: "actions" }, el("h3", { id: "ingest-log-h" }, s.log), refresh), logBox);

  const loadLog = async () => {
    try {
      const r = await ctx.getJSON("/api/ingest/batches?limit=30");
      logBox.replaceChildren(batchTable(r.batches, ctx, (id) => showBatch(id)));
    } catch (err) { logBox.textContent = err.message; }
  };
  const showBatch = async (id) => {
    rejected.textContent = s.loading;
    try {
      const r = await ctx.getJSON(`/api/ingest/batches/${encodeURIComponent(id)}`);
      rejected.replaceChildren(el("h3", { id: "ingest-rejected-h" }, `${s.rejected} – ${s.batch(r.batch.id)} (${r.batch.source})`),
        r.rejections.length ? rejectionTable(r.rejections, ctx) : el("p", {}, s.noRejected));
      setView({ view: "ingest", batch: r.batch.id });
    } catch (err) { rejected.textContent = err.message; }
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) { phase.textContent = s.noFile; upload.hidden = false; return; }
    const q = new URLSearchParams({ kind: form.elements.kind.value });
    if (muni.value) q.set("municipality", muni.value);
    if (form.elements.dry_run.checked) q.set("dry_run", "true");
    if (form.elements.repair.checked) q.set("repair", "true");
    const data = new FormData();
    data.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/ingest?${q}`);
    if (state.session.csrf_token) xhr.setRequestHeader("X-CSRF-Token", state.session.csrf_token);
    xhr.responseType = "json";
    // The phases the page went through, for people (the status line) and
    // for tests (data-phases).
    const phases = [];
    const setPhase = (name, text, pct) => {
      if (phases[phases.length - 1] !== name) phases.push(name);
      upload.dataset.phases = phases.join(",");
      upload.dataset.phase = name;
      phase.textContent = text;
      if (pct === null) progress.removeAttribute("value"); // indeterminate while the server works
      else progress.value = pct;
    };
    upload.hidden = false;
    result.replaceChildren();
    rejected.replaceChildren();
    form.querySelector("button[type=submit]").disabled = true;
    setPhase("uploading", s.uploading(0), 0);
    xhr.upload.addEventListener("progress", (ev) => {
      if (!ev.lengthComputable) return;
      const pct = Math.round((ev.loaded / ev.total) * 100);
      upload.dataset.maxProgress = String(Math.max(pct, Number(upload.dataset.maxProgress || 0)));
      setPhase("uploading", s.uploading(pct), pct);
    });
    xhr.upload.addEventListener("load", () => {
      upload.dataset.maxProgress = "100";
      setPhase("processing", s.processing, null);
    });
    xhr.addEventListener("loadend", () => {
      form.querySelector("button[type=submit]").disabled = false;
      const r = xhr.response;
      if (xhr.status < 200 || xhr.status >= 300 || !r) {
        setPhase("failed", `${s.failed}: ${(r && r.error) || xhr.statusText || xhr.status}`, 0);
        return;
      }
      setPhase("done", `${s.result}: ${statusText(s, r.status, r)}`, 100);
      result.replaceChildren(resultCard(r, ctx));
      if (r.batch_id) showBatch(r.batch_id);
      loadLog();
    });
    xhr.send(data);
  });
  loadLog();
  if (wanted) showBatch(wanted);
  form.elements.file.focus();
}

// statusText names a batch's outcome; a batch that committed without
// storing anything because every record was rejected says so.
function statusText(s, status, counts) {
  if (status === "committed" && counts.rejected > 0 && counts.inserted + counts.updated + counts.unchanged === 0) return s.statuses.allRejected;
  return s.statuses[status] || status;
}

// resultCard shows one upload's report: status and counts.
function resultCard(r, ctx) {
  const s = strings(ctx);
  const { el } = ctx;
  const c = s.cols;
  const cells = [[c.read, r.read], [c.inserted, r.inserted], [c.updated, r.updated], [c.unchanged, r.unchanged], [c.rejected, r.rejected]];
  return el("div", { class: "card", id: "ingest-batch", "data-batch": r.batch_id, "data-status": r.status },
    el("h3", {}, `${s.result}: ${s.batch(r.batch_id)} – ${statusText(s, r.status, r)}`),
    el("div", { class: "note" }, `${r.source} · ${r.kind} · ${r.format}${r.message ? ` · ${r.message}` : ""}`),
    el("table", { class: "data counts" },
      el("thead", {}, el("tr", {}, cells.map(([h]) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, el("tr", {}, cells.map(([h, v]) => el("td", { class: "num", "data-count": h }, String(v)))))));
}

// batchTable is the batch log.
function batchTable(batches, ctx, open) {
  const s = strings(ctx);
  const { el, state } = ctx;
  const c = s.cols;
  const heads = [c.id, c.kind, c.source, c.terc, c.by, c.started, c.status, c.read, c.inserted, c.updated, c.unchanged, c.rejected, c.ms, ""];
  return el("div", { class: "scroll-x", role: "region", "aria-labelledby": "ingest-log-h", tabindex: 0 },
    el("table", { class: "data", id: "batch-log" },
      el("thead", {}, el("tr", {}, heads.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, batches.map((b) => el("tr", { "data-batch": b.id },
        el("td", { class: "num" }, String(b.id)), el("td", {}, b.kind), el("td", {}, b.source), el("td", {}, b.terc || ""),
        el("td", {}, b.created_by), el("td", {}, new Date(b.started_at).toLocaleString(state.lang)), el("td", {}, statusText(s, b.status, b)),
        [b.read, b.inserted, b.updated, b.unchanged, b.rejected, b.duration_ms ?? ""].map((v) => el("td", { class: "num" }, String(v))),
        el("td", {}, b.rejected > 0 ? el("button", { type: "button", class: "secondary", "aria-label": `${s.showRejected}: ${s.batch(b.id)}`, onclick: () => open(b.id) }, s.showRejected) : ""))))));
}

// rejectionTable lists a batch's rejected records.
function rejectionTable(rows, ctx) {
  const s = strings(ctx);
  const { el } = ctx;
  const c = s.rcols;
  return el("div", { class: "scroll-x", role: "region", "aria-labelledby": "ingest-rejected-h", tabindex: 0 },
    el("table", { class: "data", id: "rejections" },
      el("thead", {}, el("tr", {}, [c.source, c.line, c.feature, c.field, c.reason, c.severity].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.slice(0, 2000).map((r) => el("tr", {},
        el("td", {}, r.source), el("td", { class: "num" }, r.line ? String(r.line) : ""), el("td", {}, r.feature_id || ""),
        el("td", {}, r.field || ""), el("td", {}, r.reason), el("td", {}, s.severities[r.severity] || r.severity))))));
}
