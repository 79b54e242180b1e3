// The field app's outbox: inspections and carriers recorded on the phone
// wait here (IndexedDB, photos as Blobs) until the server has them. Every
// record carries the UUID the phone made for it, so sending one twice — a
// retry after a lost answer, two tabs draining at once — stores it once on
// the server. Items leave the outbox only when the server answered 200/201;
// an item the server refuses (400, 409, 413, 422) stays, marked rejected
// with the server's reason, until the inspector removes it.

const DB_NAME = "lad-field";
const STORE = "outbox";

function openDB() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await openDB();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const out = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(out && "result" in out ? out.result : undefined);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

// uuid4 makes a record's identity on the phone (crypto.randomUUID needs a
// secure context; getRandomValues works everywhere).
export function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// An outbox item: { id, kind: "inspection" | "carrier", url, fields: {name:
// value or [values]}, photos: [Blob], carrier_id, label, login (who
// recorded it), created (ms), attempts, state: "waiting" | "rejected",
// error }.
export async function add(item) {
  const full = { attempts: 0, state: "waiting", error: "", created: Date.now(), photos: [], ...item };
  await tx("readwrite", (s) => s.put(full));
  return full;
}

export async function all() {
  const items = (await tx("readonly", (s) => s.getAll())) || [];
  return items.sort((a, b) => a.created - b.created);
}

export async function remove(id) {
  await tx("readwrite", (s) => s.delete(id));
}

async function put(item) {
  await tx("readwrite", (s) => s.put(item));
}

function formOf(item) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(item.fields)) {
    for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined && x !== null && x !== "") fd.append(k, String(x));
  }
  item.photos.forEach((p, i) => {
    const ext = { "image/png": "png", "image/webp": "webp" }[p.type] || "jpg";
    fd.append("photo", p, `zdjecie-${i + 1}.${ext}`);
  });
  return fd;
}

// Outcome of one send: "sent" (the server has it: 200/201), "rejected"
// (the server refuses it for good), "auth" (sign in again), "later"
// (offline, server away, try again).
async function send(item, csrf) {
  let r;
  try {
    r = await fetch(item.url, { method: "POST", body: formOf(item), credentials: "same-origin", headers: csrf ? { "X-CSRF-Token": csrf } : {} });
  } catch (err) {
    return { outcome: "later", error: String(err.message || err) };
  }
  let body = null;
  try { body = await r.json(); } catch { /* not JSON */ }
  if (r.ok) return { outcome: "sent", body, status: r.status };
  const error = (body && body.error) || `HTTP ${r.status}`;
  if (r.status === 401 || r.status === 403) {
    // A forbidden record (wrong municipality) is refused for good; an
    // expired session or CSRF token is a matter of signing in again.
    return { outcome: /CSRF|sign in/i.test(error) || r.status === 401 ? "auth" : "rejected", error };
  }
  if ([400, 404, 409, 413, 415, 422].includes(r.status)) return { outcome: "rejected", error };
  return { outcome: "later", error };
}

let running = null;

// drain sends login's waiting items in the order they were recorded (a
// carrier before the inspections of it) and reports each outcome to
// onResult(item, result). Items recorded by someone else on this phone wait
// for them to sign in. One drain at a time; it stops at the first item that
// must wait.
export function drain(csrf, login, onResult = () => {}) {
  if (running) return running;
  running = (async () => {
    const tried = new Set();
    // Items recorded while a drain runs are sent by the same drain.
    for (;;) {
      const next = (await all()).filter((i) => i.state === "waiting" && i.login === login && !tried.has(i.id));
      if (!next.length) return null;
      for (const item of next) {
        tried.add(item.id);
        if (!navigator.onLine) return "later";
        const res = await send(item, csrf);
        if (res.outcome === "sent") {
          await remove(item.id);
        } else {
          item.attempts++;
          item.error = res.error;
          if (res.outcome === "rejected") item.state = "rejected";
          await put(item);
        }
        onResult(item, res);
        if (res.outcome === "later" || res.outcome === "auth") return res.outcome;
      }
    }
  })().finally(() => { running = null; });
  return running;
}
