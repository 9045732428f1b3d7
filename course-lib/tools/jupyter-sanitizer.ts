// Jupyter Notebook 6's own HTML sanitizer, run in Node, so tests can check what an untrusted notebook shows
// of our HTML outputs (Notebook strips <script>, SVG and, for outputs, every style attribute).
//
// Notebook 6 ships it as one AMD bundle (static/components/sanitizer/index.js, a build of JupyterLab's
// sanitize-html settings); we evaluate it in a VM context with a one-line `define`, and call it as
// notebook/static/base/js/security.js does for untrusted outputs: `sanitize(html, { allowedStyles: {} })`.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";
import { findJupyterPythons } from "./jupyter";

export interface JupyterSanitizer {
  /** Where the bundle came from. */
  file: string;
  /** The HTML an untrusted Notebook 6 output shows (no CSS allowed, as for outputs). */
  sanitizeOutput(html: string): string;
}

const BUNDLE = path.join("static", "components", "sanitizer", "index.js");

/** Finds Notebook 6's sanitizer bundle through a Python that has the classic notebook package. */
export function findSanitizerBundle(): string | undefined {
  for (const python of findJupyterPythons()) {
    const version = python.modules.notebook;
    if (!version || Number(version.split(".")[0]) >= 7) continue;
    const result = spawnSync(python.command, ["-c", "import notebook, os; print(os.path.dirname(notebook.__file__))"], {
      encoding: "utf8",
      timeout: 15000,
    });
    const file = result.status === 0 ? path.join(result.stdout.trim(), BUNDLE) : "";
    if (file && fs.existsSync(file)) return file;
  }
  return undefined;
}

/** Loads the sanitizer, or returns the reason it cannot (no classic Notebook 6 installed). */
export function loadJupyterSanitizer(file = findSanitizerBundle()): JupyterSanitizer | { missing: string } {
  if (!file) return { missing: "Jupyter Notebook 6 is not installed (apt-get install jupyter-notebook)" };
  let exported: { defaultSanitizer?: { sanitize(html: string, options: object): string } } | undefined;
  const context = { define: (factory: () => typeof exported) => (exported = factory()), console };
  vm.runInNewContext(fs.readFileSync(file, "utf8"), context, { filename: file });
  const sanitizer = exported?.defaultSanitizer;
  if (!sanitizer) throw new Error(`${file} did not define a defaultSanitizer (not Notebook 6's sanitizer bundle?)`);
  return { file, sanitizeOutput: (html) => sanitizer.sanitize(html, { allowedStyles: {} }) };
}

/** The visible text of sanitized HTML, tags dropped and entities decoded (what a reader sees, roughly). */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}
