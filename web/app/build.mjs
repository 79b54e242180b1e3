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
  // Chart.js's UMD build (it defines window.Chart): the analysis panel's charts.
  ["chart.js/dist/chart.umd.min.js", "chart.umd.min.js"],
];
for (const [from, to] of files) {
  copyFileSync(join(here, "node_modules", from), join(out, to));
}
const version = (pkg) => JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"))).version;
const libs = [["maplibre-gl", "BSD-3-Clause"], ["chart.js", "MIT"]].map(([pkg, licence]) => `${pkg} ${version(pkg)} (npm registry, ${licence})`);
writeFileSync(join(out, "VERSIONS.txt"), libs.join("\n") + "\n");
console.log(`vendor: ${libs.join("; ")}`);
