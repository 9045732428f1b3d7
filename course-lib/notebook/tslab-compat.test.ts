// Notebooks import course-lib and the exercise files through tslab, which compiles them with its own
// TypeScript 5.0 settings, not our tsconfig: no `strict` (boolean-discriminated unions do not narrow), lib
// ES2020 without DOM (no `WebAssembly` types, no Array.prototype.at), rootDir = the notebook's folder. Our
// `tsc` cannot see those failures, so this test compiles every importable module with tslab's own converter,
// from notebooks/, exactly as a notebook cell would.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * Every .ts module a notebook could import: library code and exercises, not tests, test fixtures or the
 * vitest plumbing (files that import vitest, and vitest setup files named *.setup.ts, run only under
 * vitest, never in a kernel).
 */
function importableModules(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "fixtures" && entry.name !== "node_modules") walk(full);
      } else if (entry.name.endsWith(".ts") && !/\.(test|setup|d)\.ts$/.test(entry.name)) {
        if (!/from\s+["']vitest(\/[^"']*)?["']/.test(fs.readFileSync(full, "utf8"))) out.push(full);
      }
    }
  };
  for (const top of ["course-lib", "exercises"]) walk(path.join(ROOT, top));
  return out.sort();
}

/** Compiles one cell importing `modules` (as `./<path from the repo root>`, through the notebooks/ links) with
 * tslab's own converter, run from `cwd` (tslab's rootDir). */
function compileUnderTslab(cwd: string, modules: string[]): string[] {
  if (modules.length === 0) return [];
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { createConverter } = require(path.join(ROOT, "node_modules/tslab/dist/converter"));
    const converter = createConverter();
    try {
      const cell = modules
        .map((file, i) => `import * as m${i} from "./${path.relative(ROOT, file).replace(/\\/g, "/").replace(/\.ts$/, "")}";`)
        .join("\n");
      const result = converter.convert("", cell + "\n");
      return (result.diagnostics as { fileName?: string; start: { line: number }; messageText: string }[]).map(
        (d) => `${d.fileName ?? "(an imported file)"}:${d.start.line + 1}: ${d.messageText}`,
      );
    } finally {
      converter.close();
    }
  } finally {
    process.chdir(previous);
  }
}

describe("tslab compatibility", () => {
  it("notebooks/ links course-lib and exercises so `./course-lib/...` imports resolve in tslab", () => {
    for (const name of ["course-lib", "exercises"]) {
      const link = path.join(ROOT, "notebooks", name);
      expect(fs.lstatSync(link).isSymbolicLink(), `notebooks/${name} must be a symlink to ../${name}`).toBe(true);
      expect(fs.realpathSync(link)).toBe(path.join(ROOT, name));
    }
  });

  it("every course-lib and exercise module compiles under tslab's settings, imported from notebooks/", () => {
    const modules = importableModules();
    expect(modules.length).toBeGreaterThan(10);
    expect(compileUnderTslab(path.join(ROOT, "notebooks"), modules), "modules that would fail to import in a notebook").toEqual([]);
  }, 120_000);

  it("relative imports name a file, never a folder (tslab cannot resolve a folder's index)", () => {
    const bad: string[] = [];
    for (const file of importableModules()) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = path.resolve(path.dirname(file), m[1]);
        const isFile = [".ts", ".js", ".json", ""].some((ext) => fs.existsSync(target + ext) && fs.statSync(target + ext).isFile());
        if (!isFile) bad.push(`${path.relative(ROOT, file)}: ${m[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
