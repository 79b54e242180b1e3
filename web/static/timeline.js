// Time slider of dated layers (planners' map): a year chosen on a range
// input becomes the layer's typed tile parameters (permits from/to, plans
// adopted from/to, change_events date_from/date_to, development_pressure
// from_year/to_year…), declared by each layer in the catalogue, so the
// server draws only that period. "Up to" shows everything until the end of
// the year (how plan coverage grew). The choice lives in the deep link
// (?time=permits:2021,plans:..2019).

const T = {
  pl: {
    period: "Okres", all: "wszystkie lata", upTo: "do końca roku {y}", year: "rok {y}", cumulative: "narastająco",
    play: "Odtwórz kolejne lata", pause: "Zatrzymaj", of: "okres warstwy",
  },
  en: {
    period: "Period", all: "all years", upTo: "up to the end of {y}", year: "year {y}", cumulative: "cumulative",
    play: "Play year by year", pause: "Pause", of: "period of layer",
  },
};

// One entry per dated layer: id → { layer, kind, from, to, lo, hi, year, cumulative, base, apply }.
const timed = new Map();

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
  if (!s || s.year === null) return null;
  return { from: s.cumulative ? null : `${s.year}-01-01`, to: `${s.year}-12-31` };
}

function urlTimes() {
  const out = new Map();
  for (const part of (new URLSearchParams(location.search).get("time") || "").split(",")) {
    const m = /^([a-z_0-9]+):(\.\.)?(\d{4})$/.exec(part);
    if (m) out.set(m[1], { year: Number(m[3]), cumulative: Boolean(m[2]) });
  }
  return out;
}

function saveTimes() {
  const parts = [];
  for (const [id, s] of timed) if (s.year !== null) parts.push(`${id}:${s.cumulative ? ".." : ""}${s.year}`);
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
  const fmt = (s, y) => s.replace("{y}", y);
  const src = state.map.getSource(l.id);
  if (!src) return null;
  const now = new Date().getFullYear();
  const s = { layer: l, ...how, lo: now - 10, hi: now, year: null, cumulative: false, base: (src.tiles || [""])[0].split("?")[0] };
  timed.set(l.id, s);
  const id = `time-${l.id}`;
  const input = el("input", { type: "range", id, min: s.lo - 1, max: s.hi, step: 1, value: s.lo - 1 });
  const out = el("output", { for: id, id: `${id}-value` });
  const cum = el("input", { type: "checkbox", id: `${id}-cum` });
  const play = el("button", { type: "button", class: "secondary play", "aria-pressed": "false" }, "▶");
  let timer = null;
  const text = () => (s.year === null ? tr.all : fmt(s.cumulative ? tr.upTo : tr.year, s.year));
  const apply = (save = true) => {
    const q = new URLSearchParams();
    if (s.year !== null) {
      if (s.kind === "year") {
        q.set(s.from, String(s.cumulative ? s.lo : s.year));
        q.set(s.to, String(s.year));
      } else {
        if (!s.cumulative) q.set(s.from, `${s.year}-01-01`);
        q.set(s.to, `${s.year}-12-31`);
      }
    }
    const qs = q.toString();
    state.map.getSource(l.id).setTiles([s.base + (qs ? "?" + qs : "")]);
    out.textContent = text();
    input.setAttribute("aria-valuetext", text());
    if (save) saveTimes();
    document.dispatchEvent(new CustomEvent("lad:period", { detail: { layer: l.id } }));
  };
  s.apply = apply;
  const fromInput = () => {
    const v = Number(input.value);
    s.year = v < s.lo ? null : v;
    apply();
  };
  input.addEventListener("input", fromInput);
  cum.addEventListener("change", () => { s.cumulative = cum.checked; apply(); });
  const stop = () => {
    clearInterval(timer);
    timer = null;
    play.setAttribute("aria-pressed", "false");
    play.setAttribute("aria-label", `${tr.play}: ${title(l.title)}`);
    play.textContent = "▶";
  };
  play.addEventListener("click", () => {
    if (timer) { stop(); return; }
    play.setAttribute("aria-pressed", "true");
    play.setAttribute("aria-label", `${tr.pause}: ${title(l.title)}`);
    play.textContent = "⏸";
    if (s.year === null || s.year >= s.hi) input.value = String(s.lo);
    else input.value = String(s.year + 1);
    fromInput();
    timer = setInterval(() => {
      if (s.year >= s.hi) { stop(); return; }
      input.value = String(s.year + 1);
      fromInput();
    }, 1500);
  });
  stop();
  const box = el("div", { class: "timeline", role: "group", "aria-label": `${tr.period}: ${title(l.title)}` },
    el("label", { for: id }, tr.period, el("span", { class: "skip" }, `: ${title(l.title)}`)),
    el("div", { class: "timeline-row" }, input, play),
    el("div", { class: "timeline-row" }, out,
      el("label", { for: `${id}-cum`, class: "choice" }, cum, tr.cumulative)));
  // The years the layer's data span, then the period of the deep link.
  const wanted = urlTimes().get(l.id);
  if (wanted) { s.year = wanted.year; s.cumulative = wanted.cumulative; cum.checked = s.cumulative; }
  const range = s.kind === "year" ? Promise.resolve(null) : yearRange(l);
  range.then((r) => {
    if (r) [s.lo, s.hi] = r;
    if (s.year !== null) { s.lo = Math.min(s.lo, s.year); s.hi = Math.max(s.hi, s.year); }
    input.min = String(s.lo - 1);
    input.max = String(s.hi);
    input.value = String(s.year === null ? s.lo - 1 : s.year);
    apply(false);
    box.dataset.ready = "true";
  });
  return box;
}
