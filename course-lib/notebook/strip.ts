// Authoring tool: clear outputs and execution counts from notebooks before committing them.
//
//   npx tsx course-lib/notebook/strip.ts --check notebooks/*.ipynb   # report, change nothing (exit 1 if any)
//   npx tsx course-lib/notebook/strip.ts notebooks/00-getting-started.ipynb   # rewrite the named files
//
// Committed notebooks carry no outputs (reviewable diffs, no stale results; the book shows executed copies
// from build/). It only ever rewrites files named on its command line, and only when they have outputs.

import * as fs from "fs";
import { cellsWithOutputs, parseNotebook, serializeNotebook, stripNotebook } from "./nbformat";

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const files = argv.filter((a) => a !== "--check");
  if (files.length === 0 || files.some((f) => f.startsWith("--"))) {
    console.error("usage: npx tsx course-lib/notebook/strip.ts [--check] <notebook.ipynb>...");
    return 2;
  }
  let withOutputs = 0;
  for (const file of files) {
    const notebook = parseNotebook(fs.readFileSync(file, "utf8"), file);
    const cells = cellsWithOutputs(notebook);
    if (cells.length === 0) {
      console.log(`${file}: no outputs`);
      continue;
    }
    withOutputs++;
    if (check) console.log(`${file}: outputs in cells ${cells.join(", ")}`);
    else {
      fs.writeFileSync(file, serializeNotebook(stripNotebook(notebook)));
      console.log(`${file}: cleared outputs of cells ${cells.join(", ")}`);
    }
  }
  return check && withOutputs > 0 ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}
