// Consultations in depth (issue 7), loaded by app.js in the residents' and
// the planners' modes:
//  - residents compare the draft under consultation with the plans in
//    force (a swipe between two synchronised maps, maplibre-gl-compare),
//    click a zone to read its rules in plain language, and read the
//    comments with the planners' answers once the consultation has closed
//    (anonymised: the endpoints never return authors);
//  - planners of the consultation's municipality review its comments with
//    the authors' details, answer each (accepted, partly, rejected, with
//    the reason) and open the printable report.
// Polish first, English switchable: the strings of this module are here.
import { ensureCSS, loadScript, openOverlay, closeOverlay, viewParams } from "/static/overlay.js";

const S = {
  pl: {
    compare: "Projekt a plan obowiązujący", compareTitle: "Porównanie: plan obowiązujący i projekt",
    left: "Po lewej: plany obowiązujące (miejscowe i ogólny)", right: "Po prawej: projekt planu poddany konsultacjom",
    leftShort: "Obowiązuje", rightShort: "Projekt", swipe: "Położenie suwaka porównania (%)", close: "Wróć do mapy",
    zoneHint: "Kliknij teren na mapie, aby przeczytać jego ustalenia prostym językiem.", zone: "Ustalenia terenu",
    inForce: "plan obowiązujący", draft: "projekt planu (konsultowany)", noZone: "W tym miejscu nie ma terenu planu.",
    comments: "Złożone uwagi", answers: "Uwagi i rozstrzygnięcia", back: "← Konsultacje",
    notYet: "Rozstrzygnięcia uwag zostaną opublikowane po zakończeniu konsultacji.", noComments: "Nie złożono uwag.",
    answer: { accepted: "uwzględniona", partly: "uwzględniona częściowo", rejected: "nieuwzględniona", none: "bez rozstrzygnięcia" },
    reason: "Uzasadnienie", submitted: "złożona", area: "teren", owner: "autor jest właścicielem nieruchomości na obszarze",
    review: "Konsultacje – rozpatrywanie uwag", reviewOne: "Rozpatrz uwagi", reportCouncil: "Raport dla rady (z autorami)",
    reportPublic: "Raport do publikacji (bez danych osobowych)", author: "Autor (dane poufne, tylko dla planistów)",
    decision: "Rozstrzygnięcie", save: "Zapisz rozstrzygnięcie", saved: "Zapisano.", needReason: "Podaj uzasadnienie.",
    summary: (n, a) => `Uwag: ${n}, rozstrzygniętych: ${a}.`, answeredBy: "rozstrzygnął(a)", email: "e-mail",
    loading: "Wczytywanie…", none: "Brak konsultacji Twojej gminy.",
    h: (v, f) => `Budynki mogą mieć najwyżej ${f(v)} m wysokości (około ${Math.max(1, Math.floor(v / 3))} kondygnacji).`,
    h0: "Plan nie przewiduje tu budynków.",
    cov: (v, f) => `Budynki mogą zająć najwyżej ${f(v)}% powierzchni działki.`,
    bio: (v, f) => `Co najmniej ${f(v)}% działki musi pozostać powierzchnią biologicznie czynną (trawnik, ogród, drzewa).`,
    int: (a, b, f) => `Łączna powierzchnia wszystkich kondygnacji nadziemnych może wynosić ${a != null ? `od ${f(a)} ` : ""}do ${f(b)} powierzchni działki: na działce 1000 m² ${a != null ? `od ${Math.round(a * 1000)} ` : ""}do ${Math.round(b * 1000)} m².`,
    pog: "Strefa planu ogólnego", plan: "Plan",
  },
  en: {
    compare: "Draft against the plan in force", compareTitle: "Comparison: plans in force and the draft",
    left: "Left: plans in force (local and general)", right: "Right: the draft plan under consultation",
    leftShort: "In force", rightShort: "Draft", swipe: "Position of the comparison slider (%)", close: "Back to the map",
    zoneHint: "Click an area on the map to read its rules in plain language.", zone: "Rules of the area",
    inForce: "plan in force", draft: "draft plan (under consultation)", noZone: "No plan area here.",
    comments: "Comments received", answers: "Comments and answers", back: "← Consultations",
    notYet: "The answers to the comments will be published when the consultation has closed.", noComments: "No comments.",
    answer: { accepted: "accepted", partly: "partly accepted", rejected: "rejected", none: "not answered yet" },
    reason: "Reason", submitted: "received", area: "area", owner: "the author owns property in the area",
    review: "Consultations – reviewing comments", reviewOne: "Review comments", reportCouncil: "Report for the council (with authors)",
    reportPublic: "Report to publish (no personal data)", author: "Author (confidential, planners only)",
    decision: "Answer", save: "Save the answer", saved: "Saved.", needReason: "Give the reason.",
    summary: (n, a) => `Comments: ${n}, answered: ${a}.`, answeredBy: "answered by", email: "e-mail",
    loading: "Loading…", none: "No consultations of your municipality.",
    h: (v, f) => `Buildings may be up to ${f(v)} m high (about ${Math.max(1, Math.floor(v / 3))} storeys).`,
    h0: "The plan allows no buildings here.",
    cov: (v, f) => `Buildings may cover at most ${f(v)}% of the plot.`,
    bio: (v, f) => `At least ${f(v)}% of the plot must stay biologically active (lawn, garden, trees).`,
    int: (a, b, f) => `The floor area of all storeys above ground may be ${a != null ? `from ${f(a)} ` : ""}up to ${f(b)} times the plot area: on a 1000 m² plot ${a != null ? `from ${Math.round(a * 1000)} ` : ""}up to ${Math.round(b * 1000)} m².`,
    pog: "General-plan zone", plan: "Plan",
  },
};

const IN_FORCE = ["in_force", "partly_repealed"];
const DRAFT = ["draft", "in_preparation"];

function strings(ctx) { return S[ctx.state.lang] || S.pl; }

// ---- Residents -------------------------------------------------------------

// residentCard adds the consultation's own buttons to its card in the
// residents' list: the comparison and the comments (with the answers once
// it has closed).
export function residentCard(card, c, ctx) {
  const s = strings(ctx);
  const { el } = ctx;
  card.append(el("div", { class: "actions" },
    el("button", { type: "button", class: "secondary", onclick: () => openCompare(c, ctx) }, s.compare),
    el("button", { type: "button", class: "secondary", onclick: () => showComments(c, ctx) }, c.state === "closed" ? s.answers : s.comments)));
}

// residentsDeepLink opens the view the address names (?view=compare or
// ?view=answers with &consultation=ID).
export function residentsDeepLink(list, ctx) {
  const v = viewParams();
  const c = list.find((x) => String(x.id) === v.consultation);
  if (!c) return;
  if (v.view === "compare") openCompare(c, ctx);
  else if (v.view === "answers") showComments(c, ctx);
}

// The style layers of a map that show catalogue layer id.
const styleLayers = (map, id) => map.getStyle().layers.filter((l) => l.metadata && l.metadata["lad:layer"] === id);

// keepOnly shows the catalogue layers named in keep, each restricted by its
// filter (added to the style's own), and hides the others.
function keepOnly(map, keep) {
  for (const l of map.getStyle().layers) {
    const id = l.metadata && l.metadata["lad:layer"];
    if (!id) continue;
    if (!(id in keep)) {
      map.setLayoutProperty(l.id, "visibility", "none");
      continue;
    }
    map.setLayoutProperty(l.id, "visibility", "visible");
    const f = keep[id];
    if (f) map.setFilter(l.id, l.filter ? ["all", l.filter, f] : f);
  }
}

const statusIn = (prop, values) => ["in", ["get", prop], ["literal", values]];

// openCompare shows the plans in force (left) against the draft under
// consultation (right) with a swipe; a click on an area tells its rules.
async function openCompare(c, ctx) {
  const s = strings(ctx);
  const { el, state } = ctx;
  ensureCSS("/static/vendor/maplibre-gl-compare.css");
  const body = openOverlay({ el, label: `${s.compareTitle}: ${c.title}`, closeLabel: s.close, view: { view: "compare", consultation: c.id },
    onClose: () => { for (const m of maps) m.remove(); window.ladCompare = null; } });
  const maps = [];
  const zone = el("div", { id: "zone-rules", class: "zone-rules", "aria-live": "polite" }, s.zoneHint);
  const slider = el("input", { id: "compare-slider", type: "range", min: 0, max: 100, step: 5, value: 50 });
  body.append(
    el("div", { class: "compare-legend" },
      el("span", { class: "side left" }, s.left), el("span", { class: "side right" }, s.right),
      el("label", { for: "compare-slider", class: "slider" }, s.swipe, slider)),
    el("div", { class: "compare", id: "compare" },
      el("div", { id: "compare-before", class: "compare-map" }),
      el("div", { id: "compare-after", class: "compare-map" }),
      el("span", { class: "compare-tag left", "aria-hidden": "true" }, s.leftShort),
      el("span", { class: "compare-tag right", "aria-hidden": "true" }, s.rightShort)),
    zone);
  await loadScript("/static/vendor/maplibre-gl-compare.js");
  // The draft's own title tells its areas from other drafts'.
  let planTitle = c.plan_title;
  if (planTitle === undefined) {
    try { planTitle = (await ctx.getJSON(`/api/consultations/${c.id}/comments`)).consultation.plan_title; } catch { planTitle = ""; }
  }
  const bounds = c.bbox;
  const make = (container) => new maplibregl.Map({ container, style: "/style.json", bounds, fitBoundsOptions: { padding: 30 }, attributionControl: { compact: true } });
  const before = make("compare-before");
  const after = make("compare-after");
  maps.push(before, after);
  const planOf = planTitle ? ["==", ["get", "plan_title"], planTitle] : true;
  await Promise.all([before, after].map((m) => new Promise((r) => m.on("load", r))));
  keepOnly(before, {
    municipalities: null, districts: null,
    plans: statusIn("status", IN_FORCE), designations: statusIn("plan_status", IN_FORCE), pog_zones: statusIn("plan_status", IN_FORCE),
  });
  keepOnly(after, {
    municipalities: null, districts: null, consultations: null,
    plans: ["all", statusIn("status", DRAFT), planTitle ? ["==", ["get", "title"], planTitle] : true],
    designations: ["all", statusIn("plan_status", DRAFT), planOf],
  });
  // The general plan's zones under the local plans, lighter.
  for (const l of styleLayers(before, "pog_zones")) if (l.type === "fill") before.setPaintProperty(l.id, "fill-opacity", 0.25);
  after.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  const compare = new maplibregl.Compare(before, after, "#compare", {});
  const place = () => compare.setSlider((document.getElementById("compare").clientWidth * Number(slider.value)) / 100);
  slider.addEventListener("input", place);
  compare.on("slideend", (e) => { slider.value = String(Math.round((e.currentPosition / document.getElementById("compare").clientWidth) * 100)); });
  window.ladCompare = { before, after, compare };
  const onClick = (e) => {
    const left = e.point.x < compare.currentPosition;
    const m = left ? before : after;
    const feats = m.queryRenderedFeatures(e.point).filter((f) => f.layer.metadata && ["designations", "pog_zones"].includes(f.layer.metadata["lad:layer"]));
    zone.replaceChildren(...zoneRules(feats, left, ctx));
  };
  before.on("click", onClick);
  after.on("click", onClick);
  state.compareReady = true;
}

// zoneRules tells the rules of the clicked areas in plain language: the
// local plan's area first, then the general plan's zone.
function zoneRules(feats, left, ctx) {
  const s = strings(ctx);
  const { el, show } = ctx;
  const seen = new Set();
  const out = [el("h3", {}, `${s.zone} – ${left ? s.inForce : s.draft}`)];
  const ordered = [...feats.filter((f) => f.layer.metadata["lad:layer"] === "designations"), ...feats.filter((f) => f.layer.metadata["lad:layer"] === "pog_zones")];
  for (const f of ordered) {
    const p = f.properties;
    const kind = f.layer.metadata["lad:layer"];
    const key = kind + (p.designation || "") + (p.plan_title || "");
    if (seen.has(key)) continue;
    seen.add(key);
    const lines = [];
    if (typeof p.max_height_m === "number") lines.push(p.max_height_m > 0 ? s.h(p.max_height_m, show) : s.h0);
    if (typeof p.max_coverage_pct === "number" && p.max_coverage_pct > 0) lines.push(s.cov(p.max_coverage_pct, show));
    if (typeof p.min_bio_pct === "number" && p.min_bio_pct > 0) lines.push(s.bio(p.min_bio_pct, show));
    if (typeof p.intensity_max === "number" && p.intensity_max > 0) lines.push(s.int(typeof p.intensity_min === "number" && p.intensity_min > 0 ? p.intensity_min : null, p.intensity_max, show));
    out.push(el("div", { class: "card zone-card" },
      el("strong", {}, `${kind === "pog_zones" ? s.pog + " " : ""}${p.designation || p.symbol}: ${p.symbol_name || p.name || p.symbol}`),
      p.plan_title ? el("div", { class: "note" }, `${s.plan}: ${p.plan_title}`) : null,
      el("ul", {}, lines.map((x) => el("li", {}, x)))));
  }
  if (out.length === 1) out.push(el("p", {}, s.noZone));
  return out;
}

// showComments lists a consultation's comments in the panel, with the
// planners' answers once it has closed.
async function showComments(c, ctx) {
  const s = strings(ctx);
  const { el, getJSON } = ctx;
  const panel = document.getElementById("panel");
  panel.replaceChildren(el("h2", {}, c.title), el("p", { class: "status" }, s.loading));
  let r;
  try { r = await getJSON(`/api/consultations/${c.id}/comments`); } catch (err) { panel.lastChild.textContent = err.message; return; }
  const back = el("button", { type: "button", class: "secondary back", onclick: () => location.assign("/konsultacje") }, s.back);
  const list = el("ol", { class: "comments", id: "public-comments" }, r.comments.map((x) => {
    const a = x.answer || "none";
    return el("li", { class: "card comment" },
      el("strong", {}, x.receipt_no), el("span", { class: "note" }, ` · ${s.submitted} ${x.submitted_on}${x.designation ? ` · ${s.area} ${x.designation}` : ""}`),
      el("p", {}, x.body),
      r.consultation.answers_published ? el("div", { class: "answer" },
        el("span", { class: `badge answer-${a}` }, s.answer[a]),
        x.answer_reason ? el("p", {}, el("span", { class: "note" }, `${s.reason}: `), x.answer_reason) : null) : null);
  }));
  panel.replaceChildren(back, el("h2", {}, `${r.consultation.answers_published ? s.answers : s.comments}: ${c.title}`),
    r.consultation.answers_published ? null : el("p", { class: "note" }, s.notYet),
    r.comments.length ? list : el("p", {}, s.noComments));
  history.replaceState(null, "", `/konsultacje?view=answers&consultation=${c.id}${location.hash}`);
  panel.focus();
}

// ---- Planners --------------------------------------------------------------

// plannerSection is the planners' panel section: the consultations of their
// municipalities, each with its review and report.
export function plannerSection(ctx) {
  const s = strings(ctx);
  const { el, getJSON, state } = ctx;
  const box = el("div", { id: "review-list" }, s.loading);
  const sec = el("section", { "aria-labelledby": "review-h" }, el("h2", { id: "review-h" }, s.review), box);
  (async () => {
    try {
      const r = await getJSON("/api/consultations");
      const mine = r.consultations.filter((c) => state.session.role === "admin" || !c.terc || (state.session.tercs || []).includes(c.terc));
      if (!mine.length) { box.textContent = s.none; return; }
      box.replaceChildren(...mine.map((c) => el("div", { class: "card" }, el("strong", {}, c.title),
        el("div", { class: "note" }, `${c.opens_on} – ${c.closes_on} · ${c.comments}`),
        el("div", { class: "actions" },
          el("button", { type: "button", class: "primary", onclick: () => openReview(c.id, ctx) }, s.reviewOne),
          el("a", { href: `/report/consultation/${c.id}`, target: "_blank", rel: "noopener" }, s.reportCouncil)))));
      const v = viewParams();
      if (v.view === "review" && v.consultation) openReview(v.consultation, ctx);
    } catch (err) { box.textContent = err.message; }
  })();
  return sec;
}

// openReview shows a consultation's comments with their authors, each with
// a form to answer it.
async function openReview(id, ctx) {
  const s = strings(ctx);
  const { el, getJSON } = ctx;
  let r;
  try { r = await getJSON(`/api/consultations/${encodeURIComponent(id)}/review`); } catch (err) {
    document.getElementById("review-list").append(el("p", { role: "alert" }, err.message));
    return;
  }
  const body = openOverlay({ el, label: `${s.review}: ${r.consultation.title}`, closeLabel: s.close, view: { view: "review", consultation: id } });
  const summary = el("p", { id: "review-summary", "aria-live": "polite" });
  const count = () => { summary.textContent = s.summary(r.comments.length, r.comments.filter((x) => x.answer).length); };
  count();
  body.append(
    el("p", { class: "note" }, `${r.consultation.opens_on} – ${r.consultation.closes_on}${r.consultation.plan_title ? ` · ${r.consultation.plan_title}` : ""}`),
    el("div", { class: "actions" },
      el("a", { id: "report-council", href: `/report/consultation/${r.consultation.id}`, target: "_blank", rel: "noopener" }, s.reportCouncil),
      el("a", { id: "report-public", href: `/report/consultation/${r.consultation.id}?version=public`, target: "_blank", rel: "noopener" }, s.reportPublic)),
    summary,
    el("div", { class: "review-grid" }, r.comments.map((x) => reviewCard(x, r.consultation.id, ctx, count))));
}

// reviewCard is one comment with its author and its answer form.
function reviewCard(x, consultationID, ctx, changed) {
  const s = strings(ctx);
  const { el, getJSON, state } = ctx;
  const idp = `c${x.id}`;
  const status = el("p", { class: "status", role: "status" });
  const current = el("p", { class: "current" });
  const showCurrent = () => {
    current.replaceChildren(x.answer ? el("span", { class: `badge answer-${x.answer}` }, s.answer[x.answer]) : el("span", { class: "badge answer-none" }, s.answer.none),
      x.answered_by ? el("span", { class: "note" }, ` ${s.answeredBy} ${x.answered_by}, ${new Date(x.answered_at).toLocaleString(state.lang)}`) : null);
  };
  showCurrent();
  const radios = ["accepted", "partly", "rejected"].map((a) => el("label", { class: "choice", for: `${idp}-${a}` },
    el("input", { type: "radio", name: `${idp}-answer`, id: `${idp}-${a}`, value: a, checked: x.answer === a }), s.answer[a]));
  const reason = el("textarea", { id: `${idp}-reason`, rows: 3, maxlength: 5000 });
  reason.value = x.answer_reason || "";
  const form = el("form", { class: "answer-form" },
    el("fieldset", {}, el("legend", {}, s.decision), radios),
    el("label", { for: `${idp}-reason` }, s.reason), reason,
    el("button", { type: "submit", class: "primary" }, s.save), status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const picked = form.querySelector(`input[name="${idp}-answer"]:checked`);
    if (!picked) { status.textContent = `${s.decision}?`; return; }
    if (picked.value !== "accepted" && !reason.value.trim()) { status.textContent = s.needReason; reason.focus(); return; }
    try {
      const r = await getJSON(`/api/consultations/${consultationID}/comments/${x.id}/answer`, { method: "POST",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ answer: picked.value, reason: reason.value }) });
      Object.assign(x, { answer: r.answer, answer_reason: r.answer_reason, answered_by: r.answered_by, answered_at: r.answered_at });
      showCurrent();
      changed();
      status.textContent = s.saved;
    } catch (err) { status.textContent = err.message; }
  });
  return el("article", { class: "card review", "aria-labelledby": `${idp}-h`, "data-receipt": x.receipt_no },
    el("h3", { id: `${idp}-h` }, x.receipt_no),
    el("div", { class: "note" }, `${s.submitted} ${new Date(x.submitted_at).toLocaleDateString(state.lang)}${x.designation ? ` · ${s.area} ${x.designation}` : ""}`),
    el("div", { class: "author", role: "group", "aria-label": s.author },
      el("div", { class: "note" }, s.author), el("div", {}, x.full_name), el("div", {}, x.address),
      x.email ? el("div", {}, `${s.email}: ${x.email}`) : null, x.owner_in_area ? el("div", { class: "note" }, s.owner) : null),
    el("p", { class: "body" }, x.body), current, form);
}

export { closeOverlay };
