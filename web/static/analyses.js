// The analysis panel of the planners' map: the analyses and their
// parameters come from GET /api/analysis (the form is built from that
// metadata, not written here per analysis); a run shows a bar chart linked
// to the map (charts.js) and every table of the result.
import { barChart } from "/static/charts.js";

const T = {
  pl: { analysis: "Analiza", params: "Parametry", defaultIs: "domyślnie", results: "Wyniki" },
  en: { analysis: "Analysis", params: "Parameters", defaultIs: "default", results: "Results" },
};

// analysesPanel returns the panel's section. ctx: the app's state, t, el,
// getJSON, show, and the layer helpers charts.js needs.
export async function analysesPanel(ctx) {
  const { state, t, el, getJSON, show } = ctx;
  const tr = T[state.lang] || T.pl;
  const txt = (x) => (x ? x[state.lang] || x.pl : "");
  const out = el("div", { id: "analysis-out" });
  const section = el("section", { "aria-label": t("analyses") }, el("h2", {}, t("analyses")));
  let list;
  try { list = (await getJSON("/api/analysis")).analyses; } catch (err) { section.append(el("p", { class: "status" }, err.message)); return section; }
  const pick = el("select", { id: "analysis-name" }, list.map((a) => el("option", { value: a.name }, txt(a.title))));
  const fields = el("fieldset", { class: "analysis-params" });
  const form = el("form", { class: "analysis-form" },
    el("label", { for: "analysis-name" }, tr.analysis), pick, fields,
    el("p", {}, el("button", { class: "primary", type: "submit" }, t("run"))));
  const control = (p) => {
    const id = `ap-${p.name}`;
    const hint = p.hint ? txt(p.hint) : p.default ? `${tr.defaultIs} ${p.default}` : "";
    const attrs = { id, name: p.name, "aria-describedby": hint ? `${id}-hint` : null };
    let input;
    if (p.type === "terc") {
      const tercs = state.session.tercs && state.session.tercs.length ? state.session.tercs : ["0264011"];
      input = el("select", attrs, tercs.map((x) => el("option", { value: x }, x)));
    } else if (p.type === "date") {
      input = el("input", { ...attrs, type: "date" });
    } else if (p.type === "int") {
      input = el("input", { ...attrs, type: "number", step: 1, min: p.min, max: p.max, placeholder: p.default || "" });
    } else {
      input = el("input", { ...attrs, type: "text", placeholder: p.default || "" });
    }
    return el("div", { class: "param" }, el("label", { for: id }, txt(p.title)), input,
      hint ? el("span", { class: "note", id: `${id}-hint` }, hint) : null);
  };
  const build = () => {
    const a = list.find((x) => x.name === pick.value);
    fields.replaceChildren(el("legend", {}, tr.params), ...a.params.map(control));
  };
  pick.addEventListener("change", build);
  build();
  // A deep link (?analysis=NAME&analysis_args=…&bar=LABEL) runs the
  // analysis again with its parameters and shows the same bar.
  const link = new URLSearchParams(location.search);
  let wantBar = link.get("bar");
  const run = async () => {
    const a = list.find((x) => x.name === pick.value);
    const q = new URLSearchParams();
    for (const p of a.params) {
      const v = form.elements[p.name].value.trim();
      if (v) q.set(p.name, v);
    }
    ctx.setParam("analysis", a.name);
    ctx.setParam("analysis_args", q.toString() || null);
    ctx.setParam("bar", null);
    out.textContent = t("loading");
    try {
      const r = await getJSON(`/api/analysis/${a.name}?${q}`);
      const tables = [r, ...(r.more || [])];
      const parts = [];
      let chart = null;
      const spec = a.chart;
      const ct = spec && tables.find((tb) => tb.name === spec.table);
      if (ct && ct.rows.length) {
        chart = await barChart(ctx, spec, ct);
        parts.push(chart.element);
      }
      for (const tb of tables) {
        const linked = chart && tb === ct;
        const li = linked ? tb.columns.indexOf(spec.label) : -1;
        parts.push(el("div", { class: "card scroll", tabindex: 0, role: "region", "aria-label": tb.title }, el("strong", {}, tb.title),
          el("table", { class: "analysis" },
            el("tr", {}, tb.columns.map((c) => el("th", { scope: "col" }, c)), linked ? el("th", { scope: "col" }, el("span", { class: "skip" }, t("showOnMap"))) : null),
            tb.rows.slice(0, 50).map((row) => el("tr", {}, row.map((v) => el("td", {}, v === null ? "" : show(v))),
              linked ? el("td", {}, li >= 0 ? chart.rowButton(row) : "") : null)))));
      }
      out.replaceChildren(el("h3", {}, tr.results), ...parts);
      if (chart && wantBar) await chart.select(wantBar);
      wantBar = null;
    } catch (err) { out.textContent = err.message; }
  };
  form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  section.append(form, out);
  const linked = list.find((x) => x.name === link.get("analysis"));
  if (linked) {
    pick.value = linked.name;
    build();
    for (const [k, v] of new URLSearchParams(link.get("analysis_args") || "")) {
      if (form.elements[k]) form.elements[k].value = v;
    }
    setTimeout(run, 0); // once the panel is on the page
  }
  return section;
}
