// Finds the plotly.js browser bundle on disk (never a CDN: workshops are often offline) for notebooks to
// inline once per kernel session and for the book to ship as a static asset. plotly.js-dist only ships the
// 11 MB unminified build, so when no minified build is installed we minify it once with esbuild (already
// present as tsx's engine) and cache the result under node_modules/.cache.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The plotly.js bundle the course uses. */
export interface PlotlyLibrary {
  /** File the text came from (the cache file when we minified it ourselves). */
  path: string;
  /** plotly.js version, e.g. "3.1.0". */
  version: string;
  /** Whether the text is a minified build. */
  minified: boolean;
  /** The JavaScript source; defines window.Plotly when run in a browser. */
  source: string;
}

function packageDir(name: string): string | null {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

function readVersion(dir: string): string {
  return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
}

/** Finds a plotly.js file on disk without reading it (the book copies it; plot() reads it). */
export function locatePlotlyLibrary(): { path: string; version: string; minified: boolean } {
  // A ready-made minified build wins: plotly.js-dist-min if installed, or a min file inside plotly.js-dist.
  const distMin = packageDir("plotly.js-dist-min");
  if (distMin && fs.existsSync(path.join(distMin, "plotly.min.js"))) {
    return { path: path.join(distMin, "plotly.min.js"), version: readVersion(distMin), minified: true };
  }
  const dist = packageDir("plotly.js-dist");
  if (!dist) {
    throw new Error("plotly.js-dist is not installed: run `npm install` in the course folder (it is a dependency)");
  }
  const version = readVersion(dist);
  if (fs.existsSync(path.join(dist, "plotly.min.js"))) {
    return { path: path.join(dist, "plotly.min.js"), version, minified: true };
  }
  const full = path.join(dist, "plotly.js");
  if (!fs.existsSync(full)) throw new Error(`plotly.js-dist ${version} has no plotly.js in ${dist}`);
  // node_modules/.cache first; the temp folder if node_modules is read-only (e.g. a shared install).
  const candidates = [minifiedCachePath(dist, version), path.join(os.tmpdir(), `tinyml-course-plotly-${version}.min.js`)];
  for (const cached of candidates) {
    if (cached && fs.existsSync(cached)) return { path: cached, version, minified: true };
  }
  for (const cached of candidates) {
    if (!cached) continue;
    const result = minifyInto(full, cached);
    if (result === "done") return { path: cached, version, minified: true };
    if (result === "no-esbuild") break;
  }
  return { path: full, version, minified: false };
}

function minifiedCachePath(distDir: string, version: string): string | null {
  // <project>/node_modules/plotly.js-dist → <project>/node_modules/.cache/tinyml-course/
  const nodeModules = path.dirname(distDir);
  if (path.basename(nodeModules) !== "node_modules") return null;
  return path.join(nodeModules, ".cache", "tinyml-course", `plotly-${version}.min.js`);
}

function minifyInto(source: string, target: string): "done" | "no-esbuild" | "not-writable" {
  let esbuild: { transformSync(code: string, opts: object): { code: string } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    esbuild = require("esbuild");
  } catch {
    console.warn("course viz: esbuild not found, using the unminified plotly.js (11 MB per notebook)");
    return "no-esbuild";
  }
  const text = fs.readFileSync(source, "utf8");
  // Keep plotly's copyright header: the minifier drops comments.
  const header = text.slice(0, text.indexOf("*/") + 2);
  const { code } = esbuild.transformSync(text, { minify: true, legalComments: "none", charset: "utf8" });
  // Write then rename so a concurrent reader never sees half a file.
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(tmp, `${header}\n${code}`);
    fs.renameSync(tmp, target);
  } catch {
    fs.rmSync(tmp, { force: true });
    return "not-writable";
  }
  return "done";
}

let loaded: PlotlyLibrary | null = null;

/** Reads the plotly.js bundle (cached in memory after the first call). */
export function loadPlotlyLibrary(): PlotlyLibrary {
  if (!loaded) {
    const found = locatePlotlyLibrary();
    loaded = { ...found, source: fs.readFileSync(found.path, "utf8") };
  }
  return loaded;
}
