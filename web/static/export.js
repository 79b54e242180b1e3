// Export of what the map shows: the chosen visible layer's features inside
// the current view, in the period of its time slider and the category a
// chart picked, downloaded from the OGC API (/ogc/collections/{id}/download
// with bbox, a CQL2 filter and a function layer's arguments) as GeoJSON or
// CSV.
import { periodOf, tileParams } from "/static/timeline.js";
import { highlightOf } from "/static/charts.js";

const T = {
  pl: { title: "Eksport widoku", layer: "Warstwa", hint: "Obiekty w widoku mapy, z filtrami okresu i wykresu.",
    noLayer: "Włącz warstwę, aby ją pobrać.", started: "Pobieranie: {name}" },
  en: { title: "Export the view", layer: "Layer", hint: "Features in the map view, with the period and chart filters.",
    noLayer: "Turn a layer on to download it.", started: "Downloading: {name}" },
};

const quote = (v) => `'${String(v).replace(/'/g, "''")}'`;

// A layer computed by a function (change_events, development_pressure)
// takes the slider's period as the function's arguments, in tiles and
// downloads alike.
const isFunctionLayer = (l) => (l.params || []).some((p) => p.arg);

// cqlFilter is the CQL2 text of the layer's current filters ("" when none).
export function cqlFilter(l) {
  const parts = [];
  const p = isFunctionLayer(l) ? null : periodOf(l.id);
  const ta = l.time_attribute && (l.attributes || []).find((a) => a.name === l.time_attribute);
  if (p && ta) {
    if (ta.type === "timestamp") {
      if (p.from) parts.push(`${ta.name} >= TIMESTAMP('${p.from}T00:00:00Z')`);
      if (p.to) {
        const next = new Date(Date.parse(`${p.to}T00:00:00Z`) + 864e5).toISOString().slice(0, 10);
        parts.push(`${ta.name} < TIMESTAMP('${next}T00:00:00Z')`);
      }
    } else {
      if (p.from) parts.push(`${ta.name} >= DATE('${p.from}')`);
      if (p.to) parts.push(`${ta.name} <= DATE('${p.to}')`);
    }
  }
  const h = highlightOf(l.id);
  if (h) {
    const a = (l.attributes || []).find((x) => x.name === h.property);
    parts.push(`${h.property} = ${a && (a.type === "int" || a.type === "float") ? Number(h.value) : quote(h.value)}`);
  }
  return parts.join(" AND ");
}

// downloadURL is the OGC API download of layer l in the map's view.
export function downloadURL(map, l, format) {
  const b = map.getBounds();
  const r = (x) => x.toFixed(6);
  const q = new URLSearchParams({ f: format, bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(r).join(",") });
  if (isFunctionLayer(l)) for (const [k, v] of tileParams(l.id)) q.set(k, v);
  const f = cqlFilter(l);
  if (f) { q.set("filter", f); q.set("filter-lang", "cql2-text"); }
  return `/ogc/collections/${l.id}/download?${q}`;
}

// exportPanel returns the export section. ctx: state, el, title, layerVisible.
export function exportPanel(ctx) {
  const { state, el, title, layerVisible } = ctx;
  const tr = T[state.lang] || T.pl;
  const pick = el("select", { id: "export-layer" });
  const status = el("div", { class: "status", "aria-live": "polite" });
  const refresh = () => {
    const keep = pick.value;
    const on = state.catalogue.filter((l) => layerVisible(l.id));
    pick.replaceChildren(...on.map((l) => el("option", { value: l.id }, title(l.title))));
    if (on.some((l) => l.id === keep)) pick.value = keep;
  };
  const go = (format) => {
    refresh();
    const l = state.catalogue.find((x) => x.id === pick.value);
    if (!l) { status.textContent = tr.noLayer; return; }
    const a = el("a", { href: downloadURL(state.map, l, format), download: `${l.id}.${format === "csv" ? "csv" : "geojson"}`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    status.textContent = tr.started.replace("{name}", `${title(l.title)} (${format.toUpperCase()})`);
  };
  refresh();
  document.addEventListener("change", (e) => { if (e.target.closest && e.target.closest("#layers")) refresh(); });
  return el("section", { "aria-label": tr.title, class: "export" }, el("h2", {}, tr.title),
    el("label", { for: "export-layer" }, tr.layer), pick, el("p", { class: "note" }, tr.hint),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "primary", onclick: () => go("geojson") }, "GeoJSON"),
      el("button", { type: "button", class: "primary", onclick: () => go("csv") }, "CSV")),
    status);
}
