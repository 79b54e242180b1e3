// ład web map: one page, three modes (planners at /, inspectors at /field,
// residents at /konsultacje). Polish first, English switchable. Everything
// it shows comes from ład's own endpoints: /style.json and /tiles for the
// map, /api/... for the panels. No external service is needed.

const T = {
  pl: {
    skip: "Przejdź do panelu", modes: "Tryb", map: "Mapa", "mode.planner": "Planowanie", "mode.field": "Kontrola w terenie",
    "mode.residents": "Konsultacje", layers: "Warstwy", opacity: "Przezroczystość", search: "Szukaj działki (TERYT), osiedla…",
    find: "Szukaj", nothing: "Nic nie znaleziono.", loading: "Wczytywanie…", unavailable: "Usługa chwilowo niedostępna.",
    features: "Obiekty w tym miejscu", noFeatures: "Brak obiektów w tym miejscu.", near: "Nośniki w pobliżu",
    locate: "Moja lokalizacja", distance: "odległość", compliance: { compliant: "zgodny", violation: "naruszenie", transition: "okres przejściowy", removed: "usunięty", unknown: "do oceny" },
    rules: "Naruszone zasady", lastInspection: "Ostatnia kontrola", never: "nigdy", consultations: "Konsultacje społeczne",
    open: "trwają", closed: "zakończone", planned: "planowane", until: "do", leaveComment: "Złóż uwagę",
    name: "Imię i nazwisko", address: "Adres", email: "E-mail (nieobowiązkowo)", owner: "Jestem właścicielem nieruchomości na tym obszarze",
    comment: "Treść uwagi", where: "Miejsce uwagi", whereHint: "Kliknij mapę, aby wskazać miejsce (nieobowiązkowo).", send: "Wyślij uwagę",
    sent: "Dziękujemy. Numer potwierdzenia:", privacy: "Dane osobowe służą wyłącznie rozpatrzeniu uwagi i nie są publikowane (RODO).",
    answers: "Rozstrzygnięcia uwag", answer: { accepted: "uwzględniona", partly: "uwzględniona częściowo", rejected: "nieuwzględniona" },
    none: "Brak.", lang: "English", langShort: "EN", required: "Wypełnij pola: imię i nazwisko, adres i treść uwagi.",
    yes: "tak", no: "nie", from: "od", showOnMap: "Pokaż na mapie", signIn: "Zaloguj", signOut: "Wyloguj", login: "Login",
    password: "Hasło", analyses: "Analizy", run: "Uruchom", audit: "Dziennik zmian (audyt)", auditTable: "Tabela", auditActor: "Kto",
    auditCols: ["Kiedy", "Kto", "Tabela", "Operacja", "Wiersz", "Przed", "Po"], show: "Pokaż", more: "Więcej", roles: { planner: "planista", inspector: "inspektor", admin: "administrator" }, applies: "Co tu obowiązuje", parcel: "Działka",
    report: "wypis (do druku)", noPlan: "Brak obowiązującego planu miejscowego.", pog: "Plan ogólny", landscape: "Uchwała krajobrazowa", permitsPeriod: "Pozwolenia wydane w okresie",
    field: {
      online: "Połączono", offline: "Brak połączenia", offlineHint: "Brak połączenia: zapisy poczekają w telefonie.",
      outbox: "Do wysłania", outboxEmpty: "Wszystko wysłane.", sendNow: "Wyślij teraz", sending: "Wysyłanie…",
      sentOne: "Wysłano: {label}", allSent: "Wszystko wysłane.", waitingNetwork: "Czeka na połączenie.", pending: "czeka na wysłanie",
      rejected: "odrzucone", someRejected: "Część zapisów odrzucono: zobacz listę do wysłania.", recordedBy: "zapisał(a)", remove: "Usuń", signInAgain: "Sesja wygasła: zaloguj się ponownie (zapisy czekają w telefonie).",
      signInToRecord: "Zaloguj się jako inspektor, aby zobaczyć historię i rejestrować kontrole.", readOnly: "Planista widzi historię; kontrole rejestrują inspektorzy.",
      position: "Twoja pozycja", noPosition: "Brak pozycji GPS.", locateHint: "Ustal pozycję, aby zobaczyć nośniki w pobliżu.",
      listFrom: "Ostatnia zapisana lista z godz.", newCarrier: "Dodaj nowy nośnik", newCarrierShort: "nowy nośnik", back: "← Lista nośników",
      notFound: "Nie znaleziono nośnika.", kind: "Rodzaj", area: "Powierzchnia", illuminated: "Podświetlany", doubleSided: "Dwustronny",
      zone: "Obszar uchwały", status: "Stan", stage: "Etap postępowania", record: "Zarejestruj kontrolę", history: "Historia",
      noHistory: "Brak wpisów.", historyOffline: "Historia niedostępna bez połączenia.", photo: "Zdjęcie", perDay: "dziennie", total: "razem",
      result: "Wynik kontroli", violatedPick: "Naruszone zasady obszaru", notes: "Uwagi", photos: "Zdjęcia (aparat, do 5)",
      refreshGps: "Odśwież pozycję GPS", cancel: "Anuluj", save: "Zapisz kontrolę", saveCarrier: "Zapisz nośnik",
      savedSent: "Zapisano na serwerze.", savedQueued: "Zapisano w telefonie: zostanie wysłane po odzyskaniu połączenia.",
      needRules: "Wskaż naruszone zasady.", tooManyPhotos: "Najwyżej 5 zdjęć.", width: "Szerokość [m]", height: "Wysokość [m]",
      useMapCentre: "Użyj środka mapy", mapCentre: "Środek mapy",
      results: { compliant: "zgodny z uchwałą", violation: "naruszenie", removed: "nośnik usunięty", not_found: "nie odnaleziono nośnika" },
      kinds: { billboard: "billboard", board: "tablica", citylight: "citylight", pylon: "pylon", banner: "baner", mural: "mural",
        led_screen: "ekran LED", sign: "szyld", other: "inny" },
      events: { installed: "Montaż nośnika", recorded: "Wpis do ewidencji", inspection: "Kontrola", penalty: "Kara pieniężna (art. 37d)" },
      steps: { found: "Stwierdzenie naruszenia", called: "Wezwanie do dostosowania", proceedings: "Wszczęcie postępowania",
        decision: "Decyzja o karze", removed: "Usunięcie nośnika" },
    },
  },
  en: {
    skip: "Skip to panel", modes: "Mode", map: "Map", "mode.planner": "Planning", "mode.field": "Field inspection",
    "mode.residents": "Consultations", layers: "Layers", opacity: "Opacity", search: "Find a parcel (TERYT), district…",
    find: "Search", nothing: "Nothing found.", loading: "Loading…", unavailable: "Service unavailable for a moment.",
    features: "Features here", noFeatures: "Nothing here.", near: "Carriers nearby",
    locate: "My location", distance: "distance", compliance: { compliant: "compliant", violation: "violation", transition: "transition period", removed: "removed", unknown: "to be assessed" },
    rules: "Rules broken", lastInspection: "Last inspection", never: "never", consultations: "Public consultations",
    open: "open", closed: "closed", planned: "planned", until: "until", leaveComment: "Leave a comment",
    name: "Full name", address: "Address", email: "E-mail (optional)", owner: "I own property in this area",
    comment: "Your comment", where: "Place", whereHint: "Click the map to mark a place (optional).", send: "Send comment",
    sent: "Thank you. Receipt number:", privacy: "Personal data serve only to consider the comment and are never published (GDPR).",
    answers: "Answers to comments", answer: { accepted: "accepted", partly: "partly accepted", rejected: "rejected" },
    none: "None.", lang: "Polski", langShort: "PL", required: "Fill in: full name, address and your comment.",
    yes: "yes", no: "no", from: "from", showOnMap: "Show on map", signIn: "Sign in", signOut: "Sign out", login: "Login",
    password: "Password", analyses: "Analyses", run: "Run", audit: "Audit log", auditTable: "Table", auditActor: "Who",
    auditCols: ["When", "Who", "Table", "Operation", "Row", "Before", "After"], show: "Show", more: "More", roles: { planner: "planner", inspector: "inspector", admin: "administrator" }, applies: "What applies here", parcel: "Parcel",
    report: "printable extract", noPlan: "No local plan in force.", pog: "General plan", landscape: "Landscape resolution", permitsPeriod: "Permits issued between",
    field: {
      online: "Online", offline: "Offline", offlineHint: "No network: records will wait on the phone.",
      outbox: "To send", outboxEmpty: "Everything sent.", sendNow: "Send now", sending: "Sending…",
      sentOne: "Sent: {label}", allSent: "Everything sent.", waitingNetwork: "Waiting for the network.", pending: "waiting to be sent",
      rejected: "rejected", someRejected: "Some records were rejected: see the outbox.", recordedBy: "recorded by", remove: "Remove", signInAgain: "Session expired: sign in again (records wait on the phone).",
      signInToRecord: "Sign in as an inspector to see histories and record inspections.", readOnly: "Planners see histories; inspectors record inspections.",
      position: "Your position", noPosition: "No GPS position.", locateHint: "Find your position to see carriers nearby.",
      listFrom: "Last saved list from", newCarrier: "Add a new carrier", newCarrierShort: "new carrier", back: "← Carrier list",
      notFound: "Carrier not found.", kind: "Kind", area: "Area", illuminated: "Illuminated", doubleSided: "Double-sided",
      zone: "Resolution area", status: "Status", stage: "Enforcement stage", record: "Record an inspection", history: "History",
      noHistory: "Nothing yet.", historyOffline: "History unavailable offline.", photo: "Photo", perDay: "per day", total: "total",
      result: "Result", violatedPick: "Rules of the area broken", notes: "Notes", photos: "Photos (camera, up to 5)",
      refreshGps: "Refresh GPS position", cancel: "Cancel", save: "Save inspection", saveCarrier: "Save carrier",
      savedSent: "Saved on the server.", savedQueued: "Saved on the phone: it will be sent when the network returns.",
      needRules: "Pick the rules broken.", tooManyPhotos: "At most 5 photos.", width: "Width [m]", height: "Height [m]",
      useMapCentre: "Use the map centre", mapCentre: "Map centre",
      results: { compliant: "compliant", violation: "violation", removed: "carrier removed", not_found: "carrier not found" },
      kinds: { billboard: "billboard", board: "board", citylight: "citylight", pylon: "pylon", banner: "banner", mural: "mural",
        led_screen: "LED screen", sign: "sign", other: "other" },
      events: { installed: "Installed", recorded: "Entered in the register", inspection: "Inspection", penalty: "Penalty (art. 37d)" },
      steps: { found: "Violation found", called: "Called to comply", proceedings: "Proceedings started",
        decision: "Penalty decision", removed: "Carrier removed" },
    },
  },
};

const state = {
  lang: localStorage.getItem("lad.lang") || "pl",
  mode: location.pathname.startsWith("/field") ? "field" : location.pathname.startsWith("/konsultacje") ? "residents" : "planner",
  catalogue: [],
  map: null,
  session: { role: "anonymous" },
};

const t = (k) => T[state.lang][k] ?? k.split(".").reduce((o, p) => (o ? o[p] : undefined), T[state.lang]) ?? k;
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c.nodeType ? c : document.createTextNode(String(c)));
  return e;
};
const title = (x) => (x ? x[state.lang] || x.pl : "");

async function getJSON(url, opts = {}) {
  if (opts.method && opts.method !== "GET" && state.session.csrf_token) {
    opts.headers = { ...(opts.headers || {}), "X-CSRF-Token": state.session.csrf_token };
  }
  const r = await fetch(url, opts);
  if (!r.ok) {
    let msg = t("unavailable");
    try { msg = (await r.json()).error || msg; } catch { /* not JSON */ }
    throw new Error(msg);
  }
  return r.json();
}

function translatePage() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((n) => (n.textContent = t(n.dataset.i18n)));
  document.querySelectorAll("[data-i18n-aria]").forEach((n) => n.setAttribute("aria-label", t(n.dataset.i18nAria)));
  const b = document.getElementById("lang");
  b.textContent = t("langShort");
  b.setAttribute("aria-label", t("lang"));
  document.querySelectorAll(".top nav a").forEach((a) => {
    if (a.dataset.mode === state.mode) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
}

// Deep links: the map view lives in the hash (#map=zoom/lat/lon), layers and
// selection in the query string, so that a link opens the same picture.
function urlLayers() {
  const p = new URLSearchParams(location.search).get("layers");
  return p === null ? null : new Set(p.split(",").filter(Boolean));
}
function saveLayers() {
  setParam("layers", state.catalogue.filter((l) => layerVisible(l.id)).map((l) => l.id).join(","));
}
// setParam keeps one query parameter of the deep link (null removes it).
function setParam(name, value) {
  const q = new URLSearchParams(location.search);
  if (value === null) q.delete(name);
  else q.set(name, value);
  history.replaceState(null, "", `${location.pathname}?${q}${location.hash}`);
}
// The selected place (?at=lon,lat): its popup opens again from a link.
function urlPlace() {
  const m = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(new URLSearchParams(location.search).get("at") || "");
  return m ? new maplibregl.LngLat(Number(m[1]), Number(m[2])) : null;
}
async function reopenPlace() {
  const ll = urlPlace();
  if (!ll) return;
  if (!state.map.getBounds().contains(ll)) state.map.jumpTo({ center: ll, zoom: Math.max(state.map.getZoom(), 16) });
  if (!state.map.loaded() || !state.map.areTilesLoaded()) await new Promise((resolve) => state.map.once("idle", resolve));
  showFeatures({ point: state.map.project(ll), lngLat: ll });
}
function styleLayersOf(id) {
  return state.map.getStyle().layers.filter((l) => l.metadata && l.metadata["lad:layer"] === id);
}
function layerVisible(id) {
  const ls = styleLayersOf(id);
  return ls.length > 0 && state.map.getLayoutProperty(ls[0].id, "visibility") !== "none";
}
function setLayerVisible(id, on) {
  for (const l of styleLayersOf(id)) state.map.setLayoutProperty(l.id, "visibility", on ? "visible" : "none");
}
function setOpacity(id, v) {
  for (const l of styleLayersOf(id)) {
    const prop = { fill: "fill-opacity", line: "line-opacity", circle: "circle-opacity", raster: "raster-opacity" }[l.type];
    if (!prop) continue;
    const base = l.paint && typeof l.paint[prop] === "number" ? l.paint[prop] : 1;
    state.map.setPaintProperty(l.id, prop, base * v);
  }
}

function makeMap() {
  state.map = new maplibregl.Map({ container: "map", style: "/style.json", hash: "map", attributionControl: { compact: true } });
  window.ladMap = state.map; // for tests and the console
  state.map.addControl(new maplibregl.NavigationControl(), "top-right");
  state.map.addControl(new maplibregl.ScaleControl({ unit: "metric" }));
  return new Promise((resolve) => state.map.on("load", resolve));
}

// ---- Planners -----------------------------------------------------------

async function plannerMode(panel) {
  // The planners' modules: time sliders, analysis charts, export.
  const [timeline, analyses, exporter] = await Promise.all([import("/static/timeline.js"), import("/static/analyses.js"), import("/static/export.js")]);
  const ctx = { state, t, el, title, getJSON, show, setLayerVisible, layerVisible, styleLayersOf, saveLayers, setParam };
  const search = el("form", { class: "search", role: "search", onsubmit: (e) => { e.preventDefault(); find(e.target.q.value); } },
    el("label", { for: "q", class: "skip" }, t("search")),
    el("input", { id: "q", name: "q", type: "search", placeholder: t("search"), "aria-label": t("search") }),
    el("button", { class: "primary", type: "submit" }, t("find")));
  const tree = el("div", { id: "layers" });
  panel.replaceChildren(el("h2", {}, t("layers")), search, el("div", { id: "found", class: "status", "aria-live": "polite" }), tree);
  const wanted = urlLayers();
  const groups = new Map();
  for (const l of state.catalogue) {
    const g = title(l.group);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(l);
  }
  for (const [g, ls] of groups) {
    tree.append(el("h3", {}, g));
    for (const l of ls) {
      if (wanted) setLayerVisible(l.id, wanted.has(l.id));
      const id = `layer-${l.id}`;
      const box = el("input", { type: "checkbox", id, checked: layerVisible(l.id) });
      box.addEventListener("change", () => { setLayerVisible(l.id, box.checked); saveLayers(); });
      const slider = el("input", { type: "range", min: 0, max: 1, step: 0.1, value: 1, "aria-label": `${t("opacity")}: ${title(l.title)}` });
      slider.addEventListener("input", () => setOpacity(l.id, Number(slider.value)));
      const legend = el("ul", { class: "legend" }, (l.legend || []).map((i) =>
        el("li", {}, el("span", { class: "swatch", style: `background:${i.color}`, "aria-hidden": "true" }), title(i.label))));
      const row = el("div", { class: "layer" }, el("label", { for: id }, box, title(l.title)),
        el("div", { class: "opacity" }, el("span", { "aria-hidden": "true" }, t("opacity")), slider), legend);
      const time = timeline.timeControl(l, ctx);
      if (time) row.append(time);
      tree.append(row);
    }
  }
  state.map.on("click", (e) => showFeatures(e));
  panel.append(exporter.exportPanel(ctx));
  if (state.session.role === "planner" || state.session.role === "admin") panel.append(await analyses.analysesPanel(ctx));
  if (state.session.role === "admin") panel.append(auditPanel());
  // Consultations to review and the ingest page (consult.js, ingest-page.js).
  if (state.session.role === "planner" || state.session.role === "admin") {
    const [consult, ingest] = await Promise.all([import("/static/consult.js"), import("/static/ingest-page.js")]);
    const ctx = { state, t, el, getJSON, show };
    panel.append(consult.plannerSection(ctx), ingest.ingestSection(ctx));
  }
  await reopenPlace();
}

// show formats a value for people: numbers with at most two decimals in
// the interface language's style.
function show(v) {
  if (typeof v === "number" && !Number.isInteger(v)) return v.toLocaleString(state.lang, { maximumFractionDigits: 2 });
  return String(v);
}

function showFeatures(e) {
  const feats = state.map.queryRenderedFeatures(e.point).filter((f) => f.layer.metadata && f.layer.metadata["lad:layer"]);
  const seen = new Set();
  const body = el("div", { class: "popup" });
  for (const f of feats) {
    const id = f.layer.metadata["lad:layer"];
    const key = id + ":" + (f.id ?? JSON.stringify(f.properties));
    if (seen.has(key)) continue;
    seen.add(key);
    const l = state.catalogue.find((x) => x.id === id);
    if (!l) continue;
    const rows = (l.attributes || []).filter((a) => f.properties[a.name] !== undefined && f.properties[a.name] !== "")
      .map((a) => el("tr", {}, el("td", {}, title(a.title)), el("td", {}, show(f.properties[a.name]))));
    body.append(el("h4", {}, title(l.title)), el("table", {}, rows));
  }
  if (!body.childElementCount) body.append(t("noFeatures"));
  const applies = el("div", { class: "applies", "aria-live": "polite" }, t("loading"));
  body.prepend(applies);
  const popup = new maplibregl.Popup({ maxWidth: "380px" }).setLngLat(e.lngLat).setDOMContent(body).addTo(state.map);
  setParam("at", `${e.lngLat.lng.toFixed(6)},${e.lngLat.lat.toFixed(6)}`);
  popup.on("close", () => { if (state.popup === popup) setParam("at", null); });
  state.popup = popup;
  whatApplies(e.lngLat, applies);
}

// "What applies here": the parcel under the click, plans, zones, rules.
async function whatApplies(ll, box) {
  try {
    const r = await getJSON(`/api/place?lon=${ll.lng.toFixed(6)}&lat=${ll.lat.toFixed(6)}`);
    const a = r.applies;
    const parts = [el("h4", {}, t("applies"))];
    if (r.parcel) {
      parts.push(el("div", {}, `${t("parcel")}: ${r.parcel.teryt} (${r.parcel.area_m2} m²) `,
        el("a", { href: `/report/parcel/${encodeURIComponent(r.parcel.teryt)}`, target: "_blank", rel: "noopener" }, t("report"))));
    }
    for (const d of a.designations) {
      parts.push(el("div", {}, `${d.designation} – ${d.meaning || d.symbol}${d.share_pct != null ? ` (${d.share_pct}%)` : ""}; ${d.plan.title}`));
    }
    if (!a.designations.length) parts.push(el("div", {}, t("noPlan")));
    if (a.pog_zone) parts.push(el("div", {}, `${t("pog")}: ${a.pog_zone.designation} – ${a.pog_zone.meaning || a.pog_zone.symbol}${a.in_ouz ? " · OUZ" : ""}`));
    if (a.landscape_zone) parts.push(el("div", {}, `${t("landscape")}: ${a.landscape_zone.name}`));
    box.replaceChildren(...parts);
  } catch (err) { box.textContent = err.message; }
}

async function find(q) {
  const out = document.getElementById("found");
  out.textContent = t("loading");
  try {
    const r = await getJSON(`/api/search?q=${encodeURIComponent(q)}`);
    if (!r.results.length) { out.textContent = t("nothing"); return; }
    out.replaceChildren(...r.results.map((x) => el("div", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); state.map.fitBounds(x.bbox, { padding: 40, maxZoom: 17 }); } }, `${x.label} (${x.kind})`))));
    state.map.fitBounds(r.results[0].bbox, { padding: 40, maxZoom: 17 });
  } catch (err) { out.textContent = err.message; }
}

// ---- Inspectors -----------------------------------------------------------

// The field app lives in field.js, loaded only in this mode.
async function fieldMode(panel) {
  const { fieldMode: run } = await import("/static/field.js");
  await run(panel, { state, t, el, getJSON, setLayerVisible, show });
}

// ---- Residents ------------------------------------------------------------

async function residentsMode(panel) {
  panel.replaceChildren(el("h2", {}, t("consultations")), el("p", { class: "status" }, t("loading")));
  let r;
  try { r = await getJSON("/api/consultations"); } catch (err) { panel.lastChild.textContent = err.message; return; }
  const list = el("div", {});
  // The comparison of the draft, comments and answers: consult.js.
  const consult = await import("/static/consult.js");
  const ctx = { state, t, el, getJSON, show };
  for (const c of r.consultations) {
    const card = el("div", { class: "card" }, el("strong", {}, c.title),
      el("div", { class: "note" }, `${t(c.state)} · ${c.opens_on} – ${c.closes_on}`), el("p", {}, c.description));
    if (c.state === "open") card.append(el("button", { class: "primary", type: "button", onclick: () => commentForm(panel, c) }, t("leaveComment")));
    card.append(el("button", { class: "secondary", type: "button", onclick: () => state.map.fitBounds(c.bbox, { padding: 30 }) }, t("showOnMap")));
    consult.residentCard(card, c, ctx);
    list.append(card);
  }
  panel.replaceChildren(el("h2", {}, t("consultations")), list);
  for (const id of ["plans", "designations", "consultations", "comments"]) setLayerVisible(id, true);
  if (r.consultations[0]) state.map.fitBounds(r.consultations[0].bbox, { padding: 30 });
  consult.residentsDeepLink(r.consultations, ctx);
}

function commentForm(panel, c) {
  let where = null;
  const marker = new maplibregl.Marker({ color: "#8e24aa" });
  const onClick = (e) => { where = e.lngLat; marker.setLngLat(e.lngLat).addTo(state.map); };
  state.map.on("click", onClick);
  const status = el("div", { "aria-live": "polite" });
  const form = el("form", { novalidate: true },
    el("label", { for: "c-name" }, t("name")), el("input", { id: "c-name", name: "full_name", type: "text", required: true, autocomplete: "name" }),
    el("label", { for: "c-address" }, t("address")), el("input", { id: "c-address", name: "address", type: "text", required: true, autocomplete: "street-address" }),
    el("label", { for: "c-email" }, t("email")), el("input", { id: "c-email", name: "email", type: "email", autocomplete: "email" }),
    el("label", { for: "c-owner" }, el("input", { id: "c-owner", name: "owner_in_area", type: "checkbox" }), " ", t("owner")),
    el("label", { for: "c-body" }, t("comment")), el("textarea", { id: "c-body", name: "body", rows: 5, required: true }),
    el("p", { class: "note" }, `${t("where")}: ${t("whereHint")}`),
    el("p", { class: "note" }, t("privacy")),
    el("button", { class: "primary", type: "submit" }, t("send")), status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    if (!f.get("full_name") || !f.get("address") || !f.get("body")) { status.textContent = t("required"); return; }
    const payload = { full_name: f.get("full_name"), address: f.get("address"), email: f.get("email") || "", body: f.get("body"),
      owner_in_area: f.get("owner_in_area") === "on" };
    if (where) payload.geometry = { type: "Point", coordinates: [where.lng, where.lat] };
    try {
      const r = await getJSON(`/api/consultations/${c.id}/comments`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });
      state.map.off("click", onClick);
      form.replaceWith(el("div", { class: "receipt", role: "status" }, `${t("sent")} `, el("strong", { id: "receipt" }, r.receipt_no)));
    } catch (err) { status.textContent = err.message; }
  });
  panel.replaceChildren(el("h2", {}, c.title), form);
  form.querySelector("input").focus();
}

// ---- Staff sign-in ------------------------------------------------------

async function loadSession() {
  try { state.session = await getJSON("/api/session"); } catch { state.session = { role: "anonymous" }; }
  const box = document.getElementById("account");
  if (state.session.role && state.session.role !== "anonymous") {
    box.replaceChildren(el("span", { class: "who" }, `${state.session.login} (${t("roles." + state.session.role)})`),
      el("button", { type: "button", class: "lang", onclick: signOut }, t("signOut")));
  } else {
    box.replaceChildren(el("button", { type: "button", class: "lang", onclick: () => signInForm() }, t("signIn")));
  }
}

async function signOut() {
  await getJSON("/api/logout", { method: "POST" });
  // What the field app kept of staff-only data leaves the phone.
  if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("signed-out");
  location.reload();
}

function signInForm() {
  const panel = document.getElementById("panel");
  const status = el("p", { class: "status", "aria-live": "polite" });
  const form = el("form", {},
    el("h2", {}, t("signIn")),
    el("label", { for: "l-login" }, t("login")), el("input", { id: "l-login", name: "login", type: "text", autocomplete: "username", required: true }),
    el("label", { for: "l-password" }, t("password")), el("input", { id: "l-password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    el("p", {}, el("button", { class: "primary", type: "submit" }, t("signIn"))), status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    try {
      await getJSON("/api/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ login: f.get("login"), password: f.get("password") }) });
      location.reload();
    } catch (err) { status.textContent = err.message; }
  });
  panel.replaceChildren(form);
  form.querySelector("input").focus();
}

// The audit log for administrators: who changed what and when, newest
// first, filtered by table and actor, page by page.
function auditPanel() {
  const out = el("div", { id: "audit-out" });
  const table = el("input", { id: "audit-table", type: "text", placeholder: "permit, plan, inspection…" });
  const actor = el("input", { id: "audit-actor", type: "text", placeholder: "user:anna" });
  const more = el("button", { type: "button", hidden: true }, t("more"));
  let next = null;
  const show1 = (v) => (v ? JSON.stringify(v).slice(0, 160) : "");
  const load = async (append) => {
    const q = new URLSearchParams({ limit: "50" });
    if (table.value.trim()) q.set("table", table.value.trim());
    if (actor.value.trim()) q.set("actor", actor.value.trim());
    const url = append && next ? next : `/api/audit?${q}`;
    if (!append) out.textContent = t("loading");
    try {
      const r = await getJSON(url);
      next = r.next;
      more.hidden = !next;
      const rows = r.entries.map((e) => el("tr", {}, [new Date(e.at).toLocaleString(state.lang), e.actor, e.table, e.op, show1(e.row_key), show1(e.before), show1(e.after)].map((v) => el("td", {}, String(v)))));
      if (append) out.querySelector("table").append(...rows);
      else out.replaceChildren(el("div", { class: "card scroll", tabindex: 0, role: "region", "aria-label": t("audit") },
        el("table", { class: "analysis" }, el("tr", {}, t("auditCols").map((c) => el("th", { scope: "col" }, c))), rows)));
    } catch (err) { out.textContent = err.message; }
  };
  const form = el("form", { class: "search" },
    el("label", { for: "audit-table" }, t("auditTable")), table, el("label", { for: "audit-actor" }, t("auditActor")), actor,
    el("button", { class: "primary", type: "submit" }, t("show")));
  form.addEventListener("submit", (e) => { e.preventDefault(); load(false); });
  more.addEventListener("click", () => load(true));
  return el("section", { "aria-label": t("audit") }, el("h2", {}, t("audit")), form, out, more);
}

// ---- Start ----------------------------------------------------------------

async function start() {
  translatePage();
  document.getElementById("lang").addEventListener("click", () => {
    state.lang = state.lang === "pl" ? "en" : "pl";
    localStorage.setItem("lad.lang", state.lang);
    location.reload();
  });
  await makeMap();
  try {
    state.catalogue = (await getJSON("/tiles")).layers;
  } catch (err) {
    document.getElementById("panel").textContent = err.message;
    return;
  }
  await loadSession();
  const panel = document.getElementById("panel");
  if (state.mode === "field") await fieldMode(panel);
  else if (state.mode === "residents") await residentsMode(panel);
  else await plannerMode(panel);
  document.body.dataset.ready = "true";
}

start();
