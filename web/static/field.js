// ład field app (/field): inspectors on a phone. Carriers near me (GPS →
// list by distance + map), a carrier's status and history, recording an
// inspection (result, violated rules of the zone, notes, photos from the
// camera resized on the phone, GPS position with its accuracy) and a
// carrier found in the field. Works offline: the service worker (sw.js)
// keeps the shell, the last tiles, lists and histories; records wait in the
// outbox (outbox.js, IndexedDB) and leave when the network returns, safe to
// send twice thanks to their UUIDs.
import * as outbox from "./outbox.js";

const MAX_PHOTOS = 5;
const PHOTO_EDGE = 1600; // px: photos are resized on the phone to this edge
const NEAR_RADIUS = 500; // m
const KINDS = ["billboard", "board", "citylight", "pylon", "banner", "mural", "led_screen", "sign", "other"];

export async function fieldMode(panel, app) {
  const { state, t, el, getJSON, setLayerVisible } = app;
  document.body.classList.add("mode-field");
  const f = {
    pos: null, // {lon, lat, accuracy, at}
    near: null, // {carriers, lon, lat, at, stale}
    carrier: null, // the open carrier
    view: "list",
    items: [], // outbox
    message: "",
  };
  const canWrite = state.session.role === "inspector" || state.session.role === "admin";
  const canRead = canWrite || state.session.role === "planner";
  window.ladOutbox = outbox; // for tests and the console

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/field" }).catch(() => { /* works online without it */ });
  }

  // ---- Status bar: network, outbox ----------------------------------------
  const netState = el("span", { id: "net-state", class: "net" });
  const count = el("button", { id: "outbox-count", type: "button", class: "secondary outbox-count", "aria-controls": "outbox" });
  const syncMsg = el("span", { id: "sync-msg", class: "note" });
  const outboxList = el("ul", { id: "outbox", class: "outbox", hidden: true });
  const bar = el("div", { class: "fieldbar", role: "status", "aria-live": "polite" }, netState, count, syncMsg);
  const body = el("div", { id: "field-body" });
  panel.replaceChildren(bar, outboxList, body);
  count.addEventListener("click", () => {
    outboxList.hidden = !outboxList.hidden;
    count.setAttribute("aria-expanded", String(!outboxList.hidden));
  });
  count.setAttribute("aria-expanded", "false");

  const renderNet = () => {
    netState.textContent = navigator.onLine ? t("field.online") : t("field.offline");
    netState.className = `net ${navigator.onLine ? "on" : "off"}`;
  };
  async function renderOutbox() {
    f.items = await outbox.all();
    const waiting = f.items.filter((i) => i.state === "waiting").length;
    const rejected = f.items.length - waiting;
    count.textContent = `${t("field.outbox")}: ${waiting}${rejected ? ` (+${rejected} ${t("field.rejected")})` : ""}`;
    count.dataset.waiting = String(waiting);
    outboxList.replaceChildren(...(f.items.length ? f.items.map((i) => el("li", { "data-outbox-id": i.id, class: i.state },
      el("strong", {}, i.label), " · ", new Date(i.created).toLocaleString(state.lang), " · ",
      i.state === "waiting" ? t("field.pending") : `${t("field.rejected")}: ${i.error}`,
      i.login !== state.session.login ? ` · ${t("field.recordedBy")} ${i.login}` : null,
      i.state === "waiting" && i.error ? el("div", { class: "note" }, i.error) : null,
      i.state === "rejected" ? el("button", { type: "button", class: "secondary", onclick: async () => { await outbox.remove(i.id); renderOutbox(); } }, t("field.remove")) : null))
      : [el("li", {}, t("field.outboxEmpty"))]),
    el("li", {}, el("button", { type: "button", class: "secondary", onclick: () => sync(true) }, t("field.sendNow"))));
  }

  // ---- Sending ---------------------------------------------------------------
  let retry = null;
  let backoff = 2000;
  async function sync(now = false) {
    clearTimeout(retry);
    if (!canWrite) return;
    if (!navigator.onLine) { syncMsg.textContent = f.items.length ? t("field.waitingNetwork") : ""; return; }
    if (now) syncMsg.textContent = t("field.sending");
    const stopped = await outbox.drain(state.session.csrf_token, state.session.login, async (item, res) => {
      await renderOutbox();
      if (res.outcome === "sent") {
        syncMsg.textContent = t("field.sentOne").replace("{label}", item.label);
        // The open carrier shows what just arrived (a new carrier its number).
        if (f.carrier && item.carrier_id === f.carrier.id && f.view === "carrier") openCarrier(f.carrier.id, { move: false, focus: false });
      } else if (res.outcome === "rejected") syncMsg.textContent = `${t("field.rejected")}: ${res.error}`;
      else if (res.outcome === "auth") syncMsg.textContent = t("field.signInAgain");
    });
    await renderOutbox();
    if (stopped === "later") {
      retry = setTimeout(sync, backoff);
      backoff = Math.min(backoff * 2, 60000);
    } else {
      backoff = 2000;
      if (stopped === null && f.items.some((i) => i.state === "rejected")) syncMsg.textContent = t("field.someRejected");
      else if (stopped === null && now) syncMsg.textContent = t("field.allSent");
    }
  }
  window.addEventListener("online", () => { renderNet(); backoff = 2000; sync(true); });
  window.addEventListener("offline", () => { renderNet(); syncMsg.textContent = t("field.offlineHint"); });
  setInterval(() => { if (f.items.some((i) => i.state === "waiting")) sync(); }, 30000);

  const metres = (a, b) => {
    const r = Math.PI / 180;
    const x = (b.lon - a.lon) * r * Math.cos(((a.lat + b.lat) / 2) * r);
    const y = (b.lat - a.lat) * r;
    return Math.sqrt(x * x + y * y) * 6371008;
  };

  // ---- Position ----------------------------------------------------------------
  const me = el("div", { class: "me-marker", "aria-hidden": "true" });
  const meMarker = new maplibregl.Marker({ element: me });
  const chosen = new maplibregl.Marker({ color: "#6a1b9a" }); // the open carrier
  let firstFix = true;
  const setPos = (p) => {
    f.pos = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy, at: Date.now() };
    meMarker.setLngLat([f.pos.lon, f.pos.lat]).addTo(state.map);
    const line = document.getElementById("gps-line");
    if (line) line.textContent = posText();
    if (firstFix && f.view === "list") state.map.jumpTo({ center: [f.pos.lon, f.pos.lat], zoom: Math.max(state.map.getZoom(), 16) });
    firstFix = false;
    // The list follows the inspector: a first list, or a new one 75 m on.
    if (!f.near || (f.view === "list" && metres(f.near, f.pos) > 75)) loadNear(f.pos.lon, f.pos.lat);
  };
  const posText = () => f.pos
    ? `${t("field.position")}: ${f.pos.lat.toFixed(5)}, ${f.pos.lon.toFixed(5)} (± ${Math.round(f.pos.accuracy)} m)`
    : t("field.noPosition");
  const locateOnce = () => new Promise((resolve) => {
    if (!navigator.geolocation) { resolve(null); return; }
    navigator.geolocation.getCurrentPosition((p) => { setPos(p); resolve(f.pos); }, () => resolve(null),
      { enableHighAccuracy: true, timeout: 8000, maximumAge: 10000 });
  });
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(setPos, () => {}, { enableHighAccuracy: true, maximumAge: 10000 });
  }

  // ---- Carriers near -------------------------------------------------------
  let nearLoading = null;
  async function loadNear(lon, lat) {
    if (nearLoading) return nearLoading;
    nearLoading = fetchNear(lon, lat).finally(() => { nearLoading = null; });
    return nearLoading;
  }
  async function fetchNear(lon, lat) {
    try {
      const r = await getJSON(`/api/carriers/near?lon=${lon.toFixed(6)}&lat=${lat.toFixed(6)}&r=${NEAR_RADIUS}`);
      f.near = { carriers: r.carriers, lon, lat, at: Date.now(), stale: !navigator.onLine };
      try { localStorage.setItem("lad.field.near", JSON.stringify(f.near)); } catch { /* full */ }
    } catch {
      // Offline: the last list, distances from here.
      const last = JSON.parse(localStorage.getItem("lad.field.near") || "null");
      if (last) {
        for (const c of last.carriers) c.distance_m = metres({ lon, lat }, c);
        last.carriers.sort((a, b) => a.distance_m - b.distance_m);
        f.near = { ...last, stale: true };
      }
    }
    if (f.view === "list") renderList();
  }
  const kindName = (k) => t(`field.kinds.${k}`);
  const complianceBadge = (c) => el("span", { class: `badge ${c}` }, t(`compliance.${c}`));

  function renderList() {
    f.view = "list";
    f.message = "";
    setURL(null);
    chosen.remove();
    const locate = el("button", { class: "primary", type: "button" }, t("locate"));
    locate.addEventListener("click", async () => {
      const p = await locateOnce();
      const at = p || (() => { const c = state.map.getCenter(); return { lon: c.lng, lat: c.lat }; })();
      if (p) state.map.flyTo({ center: [p.lon, p.lat], zoom: 17 });
      loadNear(at.lon, at.lat);
    });
    const head = el("div", { class: "actions" }, locate,
      canWrite ? el("button", { class: "secondary", type: "button", onclick: () => carrierForm() }, t("field.newCarrier")) : null);
    const list = el("div", { id: "near" });
    if (!f.near) list.append(el("p", { class: "note" }, t("field.locateHint")));
    else if (!f.near.carriers.length) list.append(el("p", {}, t("none")));
    else {
      if (f.near.stale) list.append(el("p", { class: "note" }, `${t("field.listFrom")} ${new Date(f.near.at).toLocaleTimeString(state.lang)}`));
      for (const c of f.near.carriers) {
        const pending = f.items.filter((i) => i.carrier_id === c.id && i.state === "waiting").length;
        list.append(el("article", { class: `card ${c.compliance}`, "data-carrier": c.id },
          el("button", { type: "button", class: "card-open", onclick: () => openCarrier(c.id, { from: c }) },
            `${c.inventory_no} · ${kindName(c.kind)}`),
          el("div", {}, `${t("distance")}: ${Math.round(c.distance_m)} m · ${c.area_m2 != null ? app.show(c.area_m2) : "?"} m² · `, complianceBadge(c.compliance)),
          c.violated_rules.length ? el("div", {}, `${t("rules")}: `, c.violated_rules.map((v) => `${v.code} – ${v.text}`).join("; ")) : null,
          el("div", { class: "note" }, `${t("lastInspection")}: ${c.last_inspected_at ? c.last_inspected_at.slice(0, 10) : t("never")}`,
            pending ? ` · ${pending} ${t("field.pending")}` : "")));
      }
    }
    body.replaceChildren(...[el("h2", {}, t("near")), head,
      canWrite ? null : el("p", { class: "note" }, canRead ? t("field.readOnly") : t("field.signInToRecord")),
      el("p", { class: "note", id: "gps-line" }, posText()), list].filter(Boolean));
  }

  // ---- A carrier ---------------------------------------------------------------
  function setURL(id) {
    const q = new URLSearchParams(location.search);
    if (id) q.set("carrier", id); else q.delete("carrier");
    const qs = q.toString();
    history.replaceState(null, "", `${location.pathname}${qs ? "?" + qs : ""}${location.hash}`);
  }

  async function openCarrier(id, { move = true, from = null, focus = true } = {}) {
    f.view = "carrier";
    setURL(id);
    const back = el("button", { type: "button", class: "secondary back", onclick: () => {
      renderList();
      body.querySelector("h2").tabIndex = -1;
      body.querySelector("h2").focus();
      const at = f.pos || f.near;
      if (at && navigator.onLine) loadNear(at.lon, at.lat); // what was recorded shows in the list
    } }, t("field.back"));
    const main = el("div", { id: "carrier" }, el("p", { class: "note" }, t("loading")));
    body.replaceChildren(back, main);
    let c = from || (f.near && f.near.carriers.find((x) => x.id === id)) || null;
    let events = null;
    if (canRead) {
      try {
        const r = await getJSON(`/api/carriers/${id}/history`);
        c = { ...c, ...r.carrier };
        events = r.events;
      } catch (err) { if (!c) { main.replaceChildren(el("p", {}, err.message)); return; } }
    }
    if (!c) { main.replaceChildren(el("p", {}, t("field.notFound"))); return; }
    if (f.view !== "carrier") return;
    f.carrier = c;
    if (c.lon) {
      chosen.setLngLat([c.lon, c.lat]).addTo(state.map);
      if (move) state.map.flyTo({ center: [c.lon, c.lat], zoom: Math.max(state.map.getZoom(), 17) });
    }
    const row = (k, v) => (v === null || v === undefined || v === "" ? null : el("div", {}, el("dt", {}, k), el("dd", {}, v)));
    const dl = el("dl", { class: "facts" },
      row(t("field.kind"), kindName(c.kind)),
      row(t("field.area"), c.area_m2 != null ? `${app.show(c.area_m2)} m²` : null),
      row(t("field.illuminated"), c.illuminated ? t("yes") : t("no")),
      row(t("field.zone"), c.zone || c.zone_code),
      row(t("field.status"), complianceBadge(c.compliance)),
      row(t("field.stage"), c.enforcement_stage ? t(`field.steps.${c.enforcement_stage}`) : null),
      row(t("lastInspection"), c.last_inspected_at ? c.last_inspected_at.slice(0, 10) : t("never")),
      row(t("address"), c.address));
    const parts = [el("h2", {}, `${c.inventory_no} · ${kindName(c.kind)}`), dl];
    // What became of the record just made (sent, or waiting on the phone).
    if (f.message) parts.splice(1, 0, el("p", { class: "receipt", role: "status" }, f.message));
    if (c.violated_rules && c.violated_rules.length) {
      parts.push(el("h3", {}, t("rules")), el("ul", {}, c.violated_rules.map((v) => el("li", {}, `${v.code} – ${v.text}`))));
    }
    if (c.photos && c.photos.length) parts.push(el("div", { class: "photos" }, c.photos.map((p) => el("img", { src: p.url, alt: `${t("field.photo")} ${p.n}`, loading: "lazy" }))));
    if (canWrite) parts.push(el("p", {}, el("button", { class: "primary", type: "button", onclick: () => inspectionForm(c) }, t("field.record"))));
    parts.push(el("h3", {}, t("field.history")));
    const waiting = f.items.filter((i) => i.carrier_id === c.id && i.state === "waiting");
    const hist = el("ol", { id: "history", class: "history", reversed: true });
    for (const i of waiting) {
      const what = i.kind === "carrier" ? t("field.events.recorded") : `${t("field.events.inspection")}: ${t(`field.results.${i.fields.result}`)}`;
      hist.append(el("li", { class: "pending" }, el("strong", {}, what), ` · ${new Date(i.created).toLocaleString(state.lang)} · ${t("field.pending")}`));
    }
    if (events) {
      for (const e of [...events].reverse()) hist.append(eventItem(e));
      if (!events.length && !waiting.length) hist.append(el("li", {}, t("field.noHistory")));
    } else if (!canRead) hist.append(el("li", {}, t("field.signInToRecord")));
    else hist.append(el("li", {}, t("field.historyOffline")));
    parts.push(hist);
    main.replaceChildren(...parts);
    if (focus) { // keyboard and screen-reader users land on the carrier
      parts[0].tabIndex = -1;
      parts[0].focus({ preventScroll: false });
    }
  }

  function eventItem(e) {
    const when = e.date || new Date(e.at).toLocaleString(state.lang);
    const money = (x) => (x == null ? "?" : Number(x).toLocaleString(state.lang, { style: "currency", currency: "PLN" }));
    switch (e.kind) {
      case "inspection":
        return el("li", { "data-inspection": e.id }, el("strong", {}, `${t("field.events.inspection")}: ${t(`field.results.${e.result}`)}`), ` · ${when} · ${e.inspector}`,
          e.violated_rules.length ? el("div", {}, `${t("rules")}: ${e.violated_rules.join(", ")}`) : null,
          e.notes ? el("div", { class: "note" }, e.notes) : null,
          e.photos.length ? el("div", { class: "photos" }, e.photos.map((p) => el("img", { src: p.url, alt: `${t("field.photo")} ${p.n} – ${when}`, loading: "lazy" }))) : null);
      case "enforcement":
        return el("li", {}, el("strong", {}, t(`field.steps.${e.step}`)), ` · ${when} · ${e.case_no}`);
      case "penalty":
        return el("li", {}, el("strong", {}, t("field.events.penalty")), ` · ${when} · ${e.case_no} · ${money(e.daily_pln)} ${t("field.perDay")}`,
          e.amount_pln != null ? ` · ${t("field.total")} ${money(e.amount_pln)}` : "");
      default:
        return el("li", {}, el("strong", {}, t(`field.events.${e.kind}`)), ` · ${when}${e.by ? ` · ${e.by}` : ""}`);
    }
  }

  // The landscape zone at a point and its rules, read from the map's own
  // tiles (kept offline): what a carrier found in the field may break
  // before the server has seen it.
  function zoneAt(lon, lat) {
    const hit = state.map.queryRenderedFeatures(state.map.project([lon, lat]))
      .find((x) => x.layer.metadata && x.layer.metadata["lad:layer"] === "landscape_zones");
    if (!hit) return null;
    const rules = String(hit.properties.rules || "").split("; ").filter(Boolean).map((r) => {
      const i = r.indexOf(": ");
      return i < 0 ? { code: r, text: "" } : { code: r.slice(0, i), text: r.slice(i + 2) };
    });
    return { code: hit.properties.code, rules };
  }

  // ---- Photos ----------------------------------------------------------------
  // Resize on the phone: a camera's 4–12 MB become some hundred kB. Small
  // images of an accepted type travel as they are.
  async function resize(file) {
    const ok = ["image/jpeg", "image/png", "image/webp"].includes(file.type);
    try {
      const bmp = await createImageBitmap(file, { imageOrientation: "from-image" });
      const scale = Math.min(1, PHOTO_EDGE / Math.max(bmp.width, bmp.height));
      if (ok && scale === 1 && file.size < 1500000) return file;
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
      return blob || file;
    } catch {
      return file;
    }
  }

  function photoInput(id, status) {
    const input = el("input", { id, name: "photo", type: "file", accept: "image/*", capture: "environment", multiple: true });
    const previews = el("div", { class: "photos", "aria-live": "polite" });
    const photos = [];
    input.addEventListener("change", async () => {
      for (const file of input.files) {
        if (photos.length >= MAX_PHOTOS) { status.textContent = t("field.tooManyPhotos"); break; }
        const blob = await resize(file);
        photos.push(blob);
        previews.append(el("img", { src: URL.createObjectURL(blob), alt: `${t("field.photo")} ${photos.length}` }));
      }
      input.value = "";
    });
    return { input, previews, photos };
  }

  // ---- Recording -----------------------------------------------------------
  async function queue(item, status, after) {
    await outbox.add({ ...item, login: state.session.login });
    await renderOutbox();
    if (navigator.onLine) {
      status.textContent = t("field.sending");
      await sync(true);
      let left = (await outbox.all()).find((i) => i.id === item.id);
      if (left && left.state === "waiting" && !left.attempts && navigator.onLine) {
        await sync(true); // a drain that had already finished its list
        left = (await outbox.all()).find((i) => i.id === item.id);
      }
      if (!left) status.textContent = t("field.savedSent");
      else if (left.state === "rejected") { status.textContent = `${t("field.rejected")}: ${left.error}`; return; }
      else status.textContent = t("field.savedQueued");
    } else {
      status.textContent = t("field.savedQueued");
    }
    f.message = status.textContent;
    after();
  }

  function inspectionForm(c) {
    f.view = "form";
    f.message = "";
    if (navigator.geolocation) locateOnce();
    const status = el("p", { class: "status", role: "status" });
    const results = ["compliant", "violation", "removed", "not_found"];
    const resultSet = el("fieldset", {}, el("legend", {}, t("field.result")),
      results.map((r) => el("label", { class: "choice" },
        el("input", { type: "radio", name: "result", value: r, required: true, checked: r === (c.compliance === "violation" ? "violation" : "compliant") }),
        ` ${t(`field.results.${r}`)}`)));
    const zoneRules = c.zone_rules && c.zone_rules.length ? c.zone_rules : ((c.lon && zoneAt(c.lon, c.lat)) || { rules: [] }).rules;
    const rules = zoneRules.map((r) => el("label", { class: "choice" },
      el("input", { type: "checkbox", name: "violated_rules", value: r.code, checked: (c.violated_rules || []).some((v) => v.code === r.code) }),
      ` ${r.code} – ${r.text}`));
    const rulesSet = el("fieldset", { id: "rules-set" }, el("legend", {}, t("field.violatedPick")), rules.length ? rules : el("p", { class: "note" }, t("none")));
    const showRules = () => { rulesSet.hidden = form.elements.result.value !== "violation"; };
    const ph = photoInput("i-photo", status);
    const form = el("form", { novalidate: true, class: "field-form" },
      el("h2", {}, `${t("field.record")}: ${c.inventory_no}`),
      resultSet, rulesSet,
      el("label", { for: "i-notes" }, t("field.notes")), el("textarea", { id: "i-notes", name: "notes", rows: 3, maxlength: 5000 }),
      el("label", { for: "i-photo" }, t("field.photos")), ph.input, ph.previews,
      el("p", { class: "note", id: "gps-line" }, posText()),
      el("p", { class: "actions" },
        el("button", { type: "button", class: "secondary", onclick: () => locateOnce() }, t("field.refreshGps")),
        el("button", { type: "button", class: "secondary", onclick: () => openCarrier(c.id, { move: false }) }, t("field.cancel"))),
      el("p", {}, el("button", { class: "primary", type: "submit" }, t("field.save"))), status);
    form.addEventListener("change", showRules);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const result = form.elements.result.value;
      const codes = [...form.querySelectorAll("input[name=violated_rules]:checked")].map((x) => x.value);
      if (result === "violation" && rules.length && !codes.length) { status.textContent = t("field.needRules"); return; }
      const id = outbox.uuid4();
      const fields = { id, carrier_id: c.id, inspected_at: new Date().toISOString(), result,
        violated_rules: result === "violation" ? codes : [], notes: form.elements.notes.value.trim() };
      if (f.pos) Object.assign(fields, { lon: f.pos.lon.toFixed(7), lat: f.pos.lat.toFixed(7), accuracy_m: f.pos.accuracy.toFixed(1) });
      form.querySelector("button[type=submit]").disabled = true;
      await queue({ id, kind: "inspection", url: "/api/inspections", fields, photos: ph.photos, carrier_id: c.id,
        label: `${c.inventory_no}: ${t(`field.results.${result}`)}` }, status, () => openCarrier(c.id, { move: false }));
      form.querySelector("button[type=submit]").disabled = false;
    });
    body.replaceChildren(form);
    showRules();
    form.querySelector("input").focus();
  }

  function carrierForm() {
    f.view = "form";
    f.message = "";
    if (navigator.geolocation) locateOnce();
    const status = el("p", { class: "status", role: "status" });
    let where = null; // map centre chosen instead of GPS
    const whereLine = el("p", { class: "note", id: "gps-line" }, posText());
    const ph = photoInput("n-photo", status);
    const num = (id, name, label) => [el("label", { for: id }, label), el("input", { id, name, type: "number", min: "0.01", max: "100", step: "0.01", inputmode: "decimal" })];
    const form = el("form", { novalidate: true, class: "field-form" },
      el("h2", {}, t("field.newCarrier")),
      el("label", { for: "n-kind" }, t("field.kind")),
      el("select", { id: "n-kind", name: "kind", required: true }, KINDS.map((k) => el("option", { value: k }, kindName(k)))),
      ...num("n-width", "width_m", t("field.width")), ...num("n-height", "height_m", t("field.height")),
      el("label", { for: "n-lit", class: "choice" }, el("input", { id: "n-lit", name: "illuminated", type: "checkbox" }), ` ${t("field.illuminated")}`),
      el("label", { for: "n-two", class: "choice" }, el("input", { id: "n-two", name: "double_sided", type: "checkbox" }), ` ${t("field.doubleSided")}`),
      el("label", { for: "n-address" }, t("address")), el("input", { id: "n-address", name: "address", type: "text", maxlength: 300 }),
      el("label", { for: "n-notes" }, t("field.notes")), el("textarea", { id: "n-notes", name: "notes", rows: 2, maxlength: 5000 }),
      el("label", { for: "n-photo" }, t("field.photos")), ph.input, ph.previews,
      whereLine,
      el("p", { class: "actions" },
        el("button", { type: "button", class: "secondary", onclick: () => { where = null; locateOnce().then(() => { whereLine.textContent = posText(); }); } }, t("field.refreshGps")),
        el("button", { type: "button", class: "secondary", onclick: () => {
          const m = state.map.getCenter();
          where = { lon: m.lng, lat: m.lat };
          whereLine.textContent = `${t("field.mapCentre")}: ${m.lat.toFixed(5)}, ${m.lng.toFixed(5)}`;
        } }, t("field.useMapCentre")),
        el("button", { type: "button", class: "secondary", onclick: () => renderList() }, t("field.cancel"))),
      el("p", {}, el("button", { class: "primary", type: "submit" }, t("field.saveCarrier"))), status);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const at = where || f.pos;
      if (!at) { status.textContent = t("field.noPosition"); return; }
      const id = outbox.uuid4();
      const v = form.elements;
      const fields = { id, kind: v.kind.value, width_m: v.width_m.value, height_m: v.height_m.value,
        illuminated: v.illuminated.checked, double_sided: v.double_sided.checked, address: v.address.value.trim(), notes: v.notes.value.trim(),
        lon: at.lon.toFixed(7), lat: at.lat.toFixed(7), accuracy_m: where ? "" : f.pos.accuracy.toFixed(1), found_at: new Date().toISOString() };
      const label = `${t("field.newCarrier")}: ${kindName(fields.kind)}`;
      // Until the server numbers it, the carrier is known on the phone.
      const zone = zoneAt(at.lon, at.lat);
      const local = { id, inventory_no: t("field.newCarrierShort"), kind: fields.kind, area_m2: null, compliance: "unknown",
        violated_rules: [], zone: zone && zone.code, zone_rules: zone ? zone.rules : [], lon: at.lon, lat: at.lat, distance_m: 0,
        last_inspected_at: null, address: fields.address };
      await queue({ id, kind: "carrier", url: "/api/carriers", fields, photos: ph.photos, carrier_id: id, label }, status, () => {
        if (f.near) f.near.carriers.unshift(local);
        loadNear(at.lon, at.lat).then(() => openCarrier(id, { from: local }));
      });
    });
    body.replaceChildren(form);
    form.querySelector("select").focus();
  }

  // ---- Map -------------------------------------------------------------------
  // What an inspector needs: where they are, the resolution's areas and the
  // carriers; the attribution folded away on a small screen.
  const FIELD_LAYERS = ["municipalities", "districts", "parcels", "landscape_zones", "carriers"];
  for (const l of state.catalogue) setLayerVisible(l.id, FIELD_LAYERS.includes(l.id));
  const attrib = document.querySelector(".maplibregl-ctrl-attrib");
  if (attrib && window.matchMedia("(max-width: 700px)").matches) {
    attrib.classList.remove("maplibregl-compact-show");
    attrib.removeAttribute("open");
  }
  state.map.on("click", (e) => {
    const hit = state.map.queryRenderedFeatures(e.point).find((x) => x.layer.metadata && x.layer.metadata["lad:layer"] === "carriers");
    const c = hit && f.near && f.near.carriers.find((x) => x.inventory_no === hit.properties.inventory_no);
    if (c) openCarrier(c.id, { move: false, from: c });
  });
  state.map.on("moveend", () => {
    if (f.view === "list" && state.map.getZoom() >= 15 && !f.pos) { const c = state.map.getCenter(); loadNear(c.lng, c.lat); }
  });

  // ---- Start -------------------------------------------------------------------
  // A deep link opens its carrier (/field?carrier=…); else the list.
  const wanted = new URLSearchParams(location.search).get("carrier");
  const deep = wanted && /^[0-9a-f-]{36}$/.test(wanted);
  renderNet();
  await renderOutbox();
  if (deep) openCarrier(wanted, { focus: false });
  else renderList();
  locateOnce();
  sync();
}
