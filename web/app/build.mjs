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
];
for (const [from, to] of files) {
  copyFileSync(join(here, "node_modules", from), join(out, to));
}
const version = JSON.parse(readFileSync(join(here, "node_modules", "maplibre-gl", "package.json"))).version;
writeFileSync(join(out, "VERSIONS.txt"), `maplibre-gl ${version} (npm registry, BSD-3-Clause)\n`);
console.log(`vendor: maplibre-gl ${version}`);
