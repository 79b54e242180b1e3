// Time slider of dated layers (planners' map): a year or a month chosen on
// a range input becomes the layer's typed tile parameters (permits
// from/to, plans adopted from/to, inspections from/to, change_events
// date_from/date_to, development_pressure from_year/to_year…), declared by
// each layer in the catalogue, so the server draws only that period.
// "Cumulative" shows everything up to the end of the period (how plan
// coverage grew). The choice lives in the deep link
// (?time=permits:2021,plans:..2019,inspections:2024-03).

const T = {
  pl: {
    period: "Okres", all: "wszystkie lata", upTo: "do końca: {p}", cumulative: "narastająco", step: "Krok",
    years: "rok", months: "miesiąc", play: "Odtwórz kolejne okresy", pause: "Zatrzymaj",
  },
  en: {
    period: "Period", all: "all years", upTo: "up to the end of {p}", cumulative: "cumulative", step: "Step",
    years: "year", months: "month", play: "Play period by period", pause: "Pause",
  },
};

// One entry per dated layer: id → { layer, kind, from, to, lo, hi, step,
// at, cumulative, base }. at is the period shown: null (every year) or
// { y, m } (m null for a whole year).
const timed = new Map();

const pad = (n) => String(n).padStart(2, "0");
const lastDay = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();

// bounds of a period as dates: the first and the last day.
function bounds(at) {
  if (at.m === null) return [`${at.y}-01-01`, `${at.y}-12-31`];
  return [`${at.y}-${pad(at.m)}-01`, `${at.y}-${pad(at.m)}-${pad(lastDay(at.y, at.m))}`];
}

// datedParams says how a layer takes a period: a pair of date parameters
// or a pair of year parameters; null when it takes none.
export function datedParams(l) {
  const ps = l.params || [];
  const dates = ps.filter((p) => p.type === "date");
  const from = dates.find((p) => p.op === ">=" || /(^|_)from$/.test(p.name));
  const to = dates.find((p) => p.op === "<=" || /(^|_)to$/.test(p.name));
  if (from && to) return { kind: "date", from: from.name, to: to.name };
  const fy = ps.find((p) => p.type === "int" && p.name === "from_year");
  const ty = ps.find((p) => p.type === "int" && p.name === "to_year");
  if (fy && ty) return { kind: "year", from: fy.name, to: ty.name };
  return null;
}

// periodOf returns the period a layer shows as dates ({from, to}, either
// may be null), or null when it shows every year.
export function periodOf(id) {
  const s = timed.get(id);
  if (!s || s.at === null) return null;
  const [from, to] = bounds(s.at);
  return { from: s.cumulative ? null : from, to };
}

// tileParams returns the tile parameters the slider of layer id sets
// (empty when it shows every year).
export function tileParams(id) {
  const s = timed.get(id);
  return new URLSearchParams(s ? s.params : "");
}

function urlTimes() {
  const out = new Map();
  for (const part of (new URLSearchParams(location.search).get("time") || "").split(",")) {
    const m = /^([a-z_0-9]+):(\.\.)?(\d{4})(?:-(\d{2}))?$/.exec(part);
    if (m && (!m[4] || (Number(m[4]) >= 1 && Number(m[4]) <= 12))) {
      out.set(m[1], { at: { y: Number(m[3]), m: m[4] ? Number(m[4]) : null }, cumulative: Boolean(m[2]) });
    }
  }
  return out;
}

function saveTimes() {
  const parts = [];
  for (const [id, s] of timed) {
    if (s.at !== null) parts.push(`${id}:${s.cumulative ? ".." : ""}${s.at.y}${s.at.m ? "-" + pad(s.at.m) : ""}`);
  }
  const q = new URLSearchParams(location.search);
  if (parts.length) q.set("time", parts.join(","));
  else q.delete("time");
  history.replaceState(null, "", `${location.pathname}?${q}${location.hash}`);
}

// yearRange reads the first and last year of a layer's time attribute
// (OGC API items sorted both ways), or null.
async function yearRange(l) {
  if (!l.time_attribute) return null;
  const one = async (sort) => {
    const r = await fetch(`/ogc/collections/${l.id}/items?limit=1&sortby=${sort}${l.time_attribute}&properties=${l.time_attribute}`);
    if (!r.ok) return null;
    const f = (await r.json()).features[0];
    const v = f && f.properties[l.time_attribute];
    return v ? Number(String(v).slice(0, 4)) : null;
  };
  try {
    const [lo, hi] = await Promise.all([one(""), one("-")]);
    return lo && hi ? [lo, hi] : null;
  } catch { return null; }
}

// timeControl returns the slider of a dated layer (null for other
// layers). ctx gives the app's state, el and title.
export function timeControl(l, ctx) {
  const how = datedParams(l);
  if (!how) return null;
  const { state, el, title } = ctx;
  const tr = T[state.lang] || T.pl;
  const src = state.map.getSource(l.id);
  if (!src) return null;
  const now = new Date().getFullYear();
  const s = { layer: l, ...how, lo: now - 10, hi: now, step: "year", at: null, cumulative: false, base: (src.tiles || [""])[0].split("?")[0] };
  timed.set(l.id, s);
  const id = `time-${l.id}`;
  // The slider's positions: 0 every year, then the periods in order.
  const input = el("input", { type: "range", id, min: 0, max: 1, step: 1, value: 0 });
  const out = el("output", { for: id, id: `${id}-value` });
  const cum = el("input", { type: "checkbox", id: `${id}-cum` });
  const step = el("select", { id: `${id}-step` }, el("option", { value: "year" }, tr.years), el("option", { value: "month" }, tr.months));
  const play = el("button", { type: "button", class: "secondary play", "aria-pressed": "false" }, "▶");
  let timer = null;
  const count = () => (s.hi - s.lo + 1) * (s.step === "month" ? 12 : 1);
  const position = () => {
    if (s.at === null) return 0;
    return s.step === "month" ? (s.at.y - s.lo) * 12 + (s.at.m || 1) : s.at.y - s.lo + 1;
  };
  const periodAt = (k) => {
    if (k <= 0) return null;
    if (s.step === "year") return { y: s.lo + k - 1, m: null };
    return { y: s.lo + Math.floor((k - 1) / 12), m: ((k - 1) % 12) + 1 };
  };
  const name = (at) => (at.m === null ? String(at.y)
    : new Date(Date.UTC(at.y, at.m - 1, 1)).toLocaleDateString(state.lang, { month: "long", year: "numeric", timeZone: "UTC" }));
  const text = () => (s.at === null ? tr.all : s.cumulative ? tr.upTo.replace("{p}", name(s.at)) : name(s.at));
  const layout = () => {
    input.max = String(count());
    input.value = String(position());
    input.dataset.lo = String(s.lo);
    input.dataset.hi = String(s.hi);
  };
  const apply = (save = true) => {
    const q = new URLSearchParams();
    if (s.at !== null) {
      if (s.kind === "year") {
        q.set(s.from, String(s.cumulative ? s.lo : s.at.y));
        q.set(s.to, String(s.at.y));
      } else {
        const [from, to] = bounds(s.at);
        if (!s.cumulative) q.set(s.from, from);
        q.set(s.to, to);
      }
    }
    const qs = q.toString();
    s.params = qs;
    state.map.getSource(l.id).setTiles([s.base + (qs ? "?" + qs : "")]);
    out.textContent = text();
    input.setAttribute("aria-valuetext", text());
    if (save) saveTimes();
  };
  const fromInput = () => {
    s.at = periodAt(Number(input.value));
    apply();
  };
  input.addEventListener("input", fromInput);
  cum.addEventListener("change", () => { s.cumulative = cum.checked; apply(); });
  step.addEventListener("change", () => {
    s.step = step.value;
    if (s.at !== null) s.at = { y: s.at.y, m: s.step === "month" ? 1 : null };
    layout();
    apply();
  });
  const stop = () => {
    clearInterval(timer);
    timer = null;
    play.setAttribute("aria-pressed", "false");
    play.setAttribute("aria-label", `${tr.play}: ${title(l.title)}`);
    play.textContent = "▶";
  };
  const next = () => {
    const k = Number(input.value);
    if (k >= count()) { stop(); return; }
    input.value = String(k + 1);
    fromInput();
  };
  play.addEventListener("click", () => {
    if (timer) { stop(); return; }
    play.setAttribute("aria-pressed", "true");
    play.setAttribute("aria-label", `${tr.pause}: ${title(l.title)}`);
    play.textContent = "⏸";
    if (Number(input.value) >= count()) input.value = "0";
    next();
    timer = setInterval(next, 1500);
  });
  stop();
  const box = el("div", { class: "timeline", role: "group", "aria-label": `${tr.period}: ${title(l.title)}` },
    el("label", { for: id }, tr.period, el("span", { class: "skip" }, `: ${title(l.title)}`)),
    el("div", { class: "timeline-row" }, input, play),
    el("div", { class: "timeline-row" }, out,
      el("label", { for: `${id}-cum`, class: "choice" }, cum, tr.cumulative),
      s.kind === "date" ? el("label", { for: `${id}-step`, class: "choice" }, tr.step, step) : null));
  // The years the layer's data span, then the period of the deep link:
  // read when the slider is first needed (its layer shown, or a period in
  // the link), not for every dated layer on every page load.
  let loaded = false;
  const load = () => {
    if (loaded) return;
    loaded = true;
    const range = s.kind === "year" ? Promise.resolve(null) : yearRange(l);
    range.then((r) => {
      if (r) [s.lo, s.hi] = r;
      if (s.at !== null) { s.lo = Math.min(s.lo, s.at.y); s.hi = Math.max(s.hi, s.at.y); }
      layout();
      apply(false);
      box.dataset.ready = "true";
    });
  };
  // Shown while the layer is.
  box.hidden = !ctx.layerVisible(l.id);
  document.addEventListener("change", (e) => {
    if (e.target.id !== `layer-${l.id}`) return;
    box.hidden = !e.target.checked;
    if (e.target.checked) load();
  });
  const wanted = urlTimes().get(l.id);
  if (wanted) {
    s.at = s.kind === "year" ? { y: wanted.at.y, m: null } : wanted.at;
    s.cumulative = wanted.cumulative;
    s.step = s.at.m ? "month" : "year";
    cum.checked = s.cumulative;
    step.value = s.step;
  }
  if (!box.hidden || wanted) load();
  return box;
}
