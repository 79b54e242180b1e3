// ład field app's service worker (scope /field): keeps the app shell, the
// last viewed map tiles, carrier lists, histories and photos so that an
// inspector can keep working without network. Writes are not handled here:
// the page queues them in IndexedDB (outbox.js) and sends them itself when
// the network returns, so POST requests pass through untouched.

// The server stamps the version of the app it serves here, so that a new
// release installs a new worker and a fresh copy of the shell.
const VERSION = "dev";
const SHELL = `lad-shell-${VERSION}`;
const DATA = "lad-data-1"; // API answers: session, carrier lists, histories
const TILES = "lad-tiles-1";
const PHOTOS = "lad-photos-1";
const KEEP = [SHELL, DATA, TILES, PHOTOS];
const SHELL_FILES = [
  "/field", "/static/app.js", "/static/field.js", "/static/outbox.js", "/static/app.css", "/static/planner.css",
  "/static/vendor/maplibre-gl.js", "/static/vendor/maplibre-gl.css", "/static/favicon.svg",
  "/static/manifest.webmanifest", "/style.json", "/tiles",
];
// The latest list of carriers near any place, answered offline for a place
// never asked about.
const LAST_NEAR = "/api/carriers/near?last";

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil((async () => {
    for (const k of await caches.keys()) if (!KEEP.includes(k)) await caches.delete(k);
    await self.clients.claim();
  })());
});

// Signing out empties what was kept of staff-only data.
self.addEventListener("message", (e) => {
  if (e.data === "signed-out") e.waitUntil(Promise.all([caches.delete(DATA), caches.delete(PHOTOS)]));
});

async function trim(cache, max) {
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - max; i++) await cache.delete(keys[i]);
}

// networkFirst answers from the network, keeping a copy under key (and
// alias), and falls back to a copy when the network fails or is slower than
// wait ms (the copy is refreshed when the answer comes).
async function networkFirst(req, name, { max = 0, wait = 4000, key = req, alias = null } = {}) {
  const cache = await caches.open(name);
  const net = fetch(req).then(async (r) => {
    if (r.ok) {
      await cache.put(key, r.clone());
      if (alias) await cache.put(alias, r.clone());
      if (max) await trim(cache, max);
    }
    return r;
  });
  net.catch(() => {}); // answered from the copy meanwhile
  const timeout = new Promise((resolve) => setTimeout(resolve, wait));
  try {
    const r = await Promise.race([net, timeout]);
    if (r) return r;
  } catch { /* offline: try the copy */ }
  // Any cache: the shell's precached copies (/tiles, /style.json) count.
  const copy = (await caches.match(key)) || (alias && (await caches.match(alias)));
  if (copy) return copy;
  return net;
}

async function cacheFirst(req, name, max) {
  const cache = await caches.open(name);
  const copy = await cache.match(req);
  if (copy) return copy;
  const r = await fetch(req);
  if (r.ok) {
    await cache.put(req, r.clone());
    trim(cache, max);
  }
  return r;
}

async function staleWhileRevalidate(req, name) {
  const cache = await caches.open(name);
  const copy = await cache.match(req);
  const net = fetch(req).then((r) => {
    if (r.ok) cache.put(req, r.clone());
    return r;
  }).catch(() => copy);
  return copy || net;
}

self.addEventListener("fetch", (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  const p = url.pathname;
  if (req.mode === "navigate") {
    // Every page of the app is the same shell, kept as /field.
    e.respondWith(networkFirst(req, SHELL, { key: "/field" }));
  } else if (p.startsWith("/tiles/") && p.endsWith(".mvt")) {
    e.respondWith(networkFirst(req, TILES, { max: 2000, wait: 3000 }));
  } else if (/^\/api\/(inspections|carriers)\/[^/]+\/photos\//.test(p)) {
    e.respondWith(cacheFirst(req, PHOTOS, 200));
  } else if (p === "/api/carriers/near") {
    e.respondWith(networkFirst(req, DATA, { max: 300, wait: 5000, alias: LAST_NEAR }));
  } else if (p.startsWith("/api/") || p === "/tiles" || p.startsWith("/tiles/")) {
    e.respondWith(networkFirst(req, DATA, { max: 300, wait: 5000 }));
  } else if (p.startsWith("/static/") || p === "/style.json") {
    e.respondWith(staleWhileRevalidate(req, SHELL));
  }
});
