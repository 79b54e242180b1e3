// Copies the browser libraries installed from the npm registry into
// web/static/vendor, which the Go binary embeds: no CDN at run time.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static", "vendor");
mkdirSync(out, { recursive: true });
const files = [
  ["maplibre-gl/dist/maplibre-gl.js", "maplibre-gl.js"],
  ["maplibre-gl/dist/maplibre-gl.css", "maplibre-gl.css"],
  ["@maplibre/maplibre-gl-compare/dist/maplibre-gl-compare.js", "maplibre-gl-compare.js"],
  ["@maplibre/maplibre-gl-compare/dist/maplibre-gl-compare.css", "maplibre-gl-compare.css"],
  // Chart.js's UMD build (it defines window.Chart): the analysis panel's charts.
  ["chart.js/dist/chart.umd.min.js", "chart.umd.min.js"],
];
for (const [from, to] of files) {
  copyFileSync(join(here, "node_modules", from), join(out, to));
}
const version = (name) => JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"))).version;
const lines = [
  `maplibre-gl ${version("maplibre-gl")} (npm registry, BSD-3-Clause)`,
  `@maplibre/maplibre-gl-compare ${version("@maplibre/maplibre-gl-compare")} (npm registry, ISC; bundles @mapbox/mapbox-gl-sync-move, ISC)`,
  `chart.js ${version("chart.js")} (npm registry, MIT)`,
];
writeFileSync(join(out, "VERSIONS.txt"), lines.join("\n") + "\n");
console.log(`vendor: ${lines.join("; ")}`);
