// A page in place of the map, for what needs the width: the comparison of
// the draft with the plan in force (two maps), the planners' review of
// comments, the ingest page. One at a time; the close button (or Escape)
// brings the map back and the focus where it was. The page is kept in the
// deep link as ?view=NAME (with its own parameters), so that a link opens
// the same view; saveLayers in app.js keeps other query parameters.

const css = new Set();

// ensureCSS links a stylesheet of ład's own origin once.
export function ensureCSS(href) {
  if (css.has(href)) return;
  css.add(href);
  const l = document.createElement("link");
  l.rel = "stylesheet";
  l.href = href;
  document.head.append(l);
}

// loadScript runs a classic script of ład's own origin once.
const scripts = new Map();
export function loadScript(src) {
  if (!scripts.has(src)) {
    scripts.set(src, new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error(`${src} did not load`));
      document.head.append(s);
    }));
  }
  return scripts.get(src);
}

// setView records the open view (or none) in the address.
export function setView(params) {
  const q = new URLSearchParams(location.search);
  for (const k of ["view", "consultation", "batch"]) q.delete(k);
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const qs = q.toString();
  history.replaceState(null, "", `${location.pathname}${qs ? "?" + qs : ""}${location.hash}`);
}

// viewParams are the view's parameters of the address.
export function viewParams() {
  const q = new URLSearchParams(location.search);
  return { view: q.get("view"), consultation: q.get("consultation"), batch: q.get("batch") };
}

let current = null;

// openOverlay hides the map and shows a page in its place: label names the
// page for assistive technology, closeLabel its close button. Returns the
// page's body element.
export function openOverlay({ el, label, closeLabel, view, onClose }) {
  closeOverlay();
  ensureCSS("/static/consult.css");
  const map = document.getElementById("map");
  const back = document.activeElement;
  const close = el("button", { type: "button", class: "secondary overlay-close" }, closeLabel);
  const body = el("div", { class: "overlay-body" });
  const page = el("section", { id: "overlay", class: "overlay", "aria-label": label, tabindex: -1 },
    el("div", { class: "overlay-bar" }, el("h2", { id: "overlay-title" }, label), close), body);
  map.hidden = true;
  map.after(page);
  const onKey = (e) => { if (e.key === "Escape" && !e.defaultPrevented) closeOverlay(); };
  document.addEventListener("keydown", onKey);
  current = { page, back, onKey, onClose };
  close.addEventListener("click", () => closeOverlay());
  setView(view);
  page.focus();
  return body;
}

// closeOverlay brings the map back.
export function closeOverlay() {
  if (!current) return;
  const { page, back, onKey, onClose } = current;
  current = null;
  document.removeEventListener("keydown", onKey);
  if (onClose) onClose();
  page.remove();
  const map = document.getElementById("map");
  map.hidden = false;
  if (window.ladMap) window.ladMap.resize();
  setView(null);
  if (back && back.isConnected) back.focus();
}
