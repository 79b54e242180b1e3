// Bar charts of analysis tables (Chart.js from web/static/vendor, loaded
// when first needed) linked to the map: a click on a bar — or on the
// "map" button of its row in the table, the chart's accessible twin —
// shows on the analysis's map layer only the features of that category
// and fits the map to them.

const T = {
  pl: {
    chart: "Wykres", chartOf: "Wykres słupkowy: {t}. Dane w tabeli poniżej; przycisk w wierszu pokazuje obiekty na mapie.",
    shown: "Na mapie: {layer} – {prop} = {value} ({n} obiektów)", none: "Brak obiektów {layer} dla {prop} = {value}.",
    clear: "Pokaż wszystkie obiekty", onMap: "Na mapie", onMapOf: "Pokaż na mapie: {value}",
  },
  en: {
    chart: "Chart", chartOf: "Bar chart: {t}. The data are in the table below; the button of a row shows its features on the map.",
    shown: "On the map: {layer} – {prop} = {value} ({n} features)", none: "No {layer} features with {prop} = {value}.",
    clear: "Show all features", onMap: "Map", onMapOf: "Show on the map: {value}",
  },
};

const COLOURS = ["#1565c0", "#c62828", "#f9a825", "#2e7d32", "#6a1b9a", "#00838f"];

function loadChartJs() {
  if (window.Chart) return Promise.resolve(window.Chart);
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = "/static/vendor/chart.umd.min.js";
    s.onload = () => resolve(window.Chart);
    s.onerror = () => reject(new Error("Chart.js"));
    document.head.append(s);
  });
}

const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));

// The filters of style layers before a highlight, to restore them.
const original = new Map();
let highlighted = null;

// highlight shows only the features of layer id whose property equals
// value (MapLibre filter), makes the layer visible and fits the map to
// them (OGC API items of that value). Returns how many there are.
export async function highlight(ctx, id, property, value) {
  const { state } = ctx;
  clearHighlight(ctx);
  const box = document.getElementById(`layer-${id}`);
  if (box && !box.checked) {
    box.checked = true;
    box.dispatchEvent(new Event("change", { bubbles: true })); // the layer tree shows it and keeps the link
  } else ctx.setLayerVisible(id, true);
  const match = ["==", ["to-string", ["get", property]], String(value)];
  for (const sl of ctx.styleLayersOf(id)) {
    const f = state.map.getFilter(sl.id);
    original.set(sl.id, f ?? null);
    state.map.setFilter(sl.id, f ? ["all", f, match] : match);
  }
  highlighted = { id, property, value: String(value) };
  const q = new URLSearchParams({ limit: "2000" });
  q.set(property, String(value));
  const r = await ctx.getJSON(`/ogc/collections/${id}/items?${q}`);
  const bb = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      bb[0] = Math.min(bb[0], c[0]); bb[1] = Math.min(bb[1], c[1]); bb[2] = Math.max(bb[2], c[0]); bb[3] = Math.max(bb[3], c[1]);
    } else c.forEach(walk);
  };
  for (const f of r.features) if (f.geometry) walk(f.geometry.coordinates);
  if (bb[0] <= bb[2]) {
    const l = state.catalogue.find((x) => x.id === id);
    state.map.fitBounds([[bb[0], bb[1]], [bb[2], bb[3]]], { padding: 40, maxZoom: 16, duration: 0 });
    // Closer if the layer is not drawn at the zoom that shows them all.
    if (l && state.map.getZoom() < l.min_zoom) state.map.setZoom(l.min_zoom);
  }
  return r.features.length;
}

// highlightOf is the category the map shows of layer id, or null.
export function highlightOf(id) {
  return highlighted && highlighted.id === id ? highlighted : null;
}

export function clearHighlight(ctx) {
  for (const [sid, f] of original) if (ctx.state.map.getLayer(sid)) ctx.state.map.setFilter(sid, f);
  original.clear();
  highlighted = null;
}

// barChart draws table tb as the bar chart spec describes (see Info.Chart
// of package analysis) and returns its element, with the status line
// that tells what the map shows. onRowLink(i) makes the table's per-row
// map buttons do the same as a click on bar i.
export async function barChart(ctx, spec, tb) {
  const { state, el } = ctx;
  const tr = T[state.lang] || T.pl;
  const Chart = await loadChartJs();
  const li = tb.columns.indexOf(spec.label);
  let rows = tb.rows;
  if (spec.skip_total && rows.length > 1) rows = rows.slice(0, -1);
  rows = rows.slice(0, 40);
  const labels = rows.map((r) => String(r[li]));
  const layer = state.catalogue.find((x) => x.id === spec.layer);
  const layerTitle = layer ? (layer.title[state.lang] || layer.title.pl) : spec.layer;
  const status = el("div", { class: "status", "aria-live": "polite", id: "chart-status" });
  const clear = el("button", { type: "button", class: "secondary", hidden: true }, tr.clear);
  clear.addEventListener("click", () => { clearHighlight(ctx); status.textContent = ""; clear.hidden = true; ctx.setParam("bar", null); });
  const show = async (i) => {
    const vars = { layer: layerTitle, prop: spec.property, value: labels[i] };
    ctx.setParam("bar", labels[i]);
    try {
      const n = await highlight(ctx, spec.layer, spec.property, labels[i]);
      status.textContent = fill(n ? tr.shown : tr.none, { ...vars, n });
      clear.hidden = false;
    } catch (err) { status.textContent = err.message; }
  };
  const canvas = el("canvas", { role: "img", id: "analysis-chart", "aria-label": fill(tr.chartOf, { t: tb.title }) });
  const wrap = el("div", { class: "chart-box" }, canvas);
  const chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: spec.values.map((v, k) => ({
        label: spec.titles && spec.titles[k] ? spec.titles[k][state.lang] || spec.titles[k].pl : v, data: rows.map((r) => Number(r[tb.columns.indexOf(v)]) || 0), backgroundColor: COLOURS[k % COLOURS.length],
      })),
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: { x: { stacked: Boolean(spec.stacked) }, y: { stacked: Boolean(spec.stacked), beginAtZero: true } },
      plugins: { legend: { position: "bottom" } },
      onClick: (_, elements) => { if (elements.length) show(elements[0].index); },
      onHover: (e, elements) => { e.native.target.style.cursor = elements.length ? "pointer" : "default"; },
    },
  });
  window.ladChart = chart; // for tests and the console
  return { element: el("div", { class: "card", role: "region", "aria-label": tr.chart }, el("strong", {}, tb.title), wrap, status, clear),
    // select shows a bar's features by its label (a deep link's ?bar=).
    select: (label) => { const i = labels.indexOf(label); return i >= 0 ? show(i) : Promise.resolve(); },
    rowButton: (row) => {
      const i = labels.indexOf(String(row[li]));
      if (i < 0) return "";
      return el("button", { type: "button", class: "secondary map-link", "aria-label": fill(tr.onMapOf, { value: labels[i] }), onclick: () => show(i) }, tr.onMap);
    } };
}
