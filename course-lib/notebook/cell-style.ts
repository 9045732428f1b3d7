// How long the notebooks' code cells are, and the course's rule for them. Cells a learner reads at a
// glance (d2l.ai's are 3-10 lines) teach; long plumbing belongs in course-lib. `npm run notebooks:style`
// prints the figures; the nbformat test enforces the limits on every lesson notebook.
import * as fs from "fs";
import * as path from "path";
import { joinSource, parseNotebook, Notebook } from "./nbformat";

/** The course's limits for a code cell. */
export const CELL_STYLE = { maxLines: 15, maxLineLength: 100, shortLines: 10 } as const;

export interface CellStats {
  /** 0-based position of the cell in the notebook's cell list. */
  index: number;
  lines: number;
  longestLine: number;
}

export interface NotebookCellStats {
  codeCells: number;
  medianLines: number;
  longestCell: number;
  longestLine: number;
  cellsOver10: number;
  cellsOver15: number;
  linesOver100: number;
  cells: CellStats[];
}

/** Line counts of every non-empty code cell (trailing blank lines do not count). */
export function cellStats(notebook: Notebook): NotebookCellStats {
  const cells: CellStats[] = [];
  let linesOver100 = 0;
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const source = joinSource(cell.source).replace(/\s+$/, "");
    if (source === "") return;
    const lines = source.split("\n");
    linesOver100 += lines.filter((l) => l.length > 100).length;
    cells.push({ index, lines: lines.length, longestLine: Math.max(...lines.map((l) => l.length)) });
  });
  const sorted = cells.map((c) => c.lines).sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const medianLines = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    codeCells: cells.length,
    medianLines,
    longestCell: Math.max(0, ...cells.map((c) => c.lines)),
    longestLine: Math.max(0, ...cells.map((c) => c.longestLine)),
    cellsOver10: cells.filter((c) => c.lines > 10).length,
    cellsOver15: cells.filter((c) => c.lines > 15).length,
    linesOver100,
    cells,
  };
}

/**
 * Human-readable breaches of CELL_STYLE, e.g. "cell [12]: 22 lines (at most 15)": every code cell within
 * the hard limits, and most of them (more than half) short, at most CELL_STYLE.shortLines lines.
 */
export function cellStyleProblems(notebook: Notebook): string[] {
  const problems: string[] = [];
  const stats = cellStats(notebook);
  const long = stats.cells.filter((c) => c.lines > CELL_STYLE.shortLines).length;
  if (stats.codeCells > 0 && 2 * long >= stats.codeCells)
    problems.push(`${long} of ${stats.codeCells} code cells have more than ${CELL_STYLE.shortLines} lines (fewer than half may)`);
  for (const cell of stats.cells) {
    if (cell.lines > CELL_STYLE.maxLines) problems.push(`cell [${cell.index}]: ${cell.lines} lines (at most ${CELL_STYLE.maxLines})`);
    if (cell.longestLine > CELL_STYLE.maxLineLength)
      problems.push(`cell [${cell.index}]: a line of ${cell.longestLine} characters (at most ${CELL_STYLE.maxLineLength})`);
  }
  return problems;
}

/**
 * Markdown tables whose separator row has no alignment ("|---|"): classic Jupyter Notebook 6 right-aligns
 * those columns, so every table states its alignment ("|:---|" left, "---:|" right).
 */
export function markdownTableProblems(notebook: Notebook): string[] {
  const problems: string[] = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== "markdown") return;
    for (const line of joinSource(cell.source).split("\n")) {
      const row = line.trim();
      if (!/^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?$/.test(row)) continue;
      const columns = row.replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
      if (columns.some((c) => !c.startsWith(":") && !c.endsWith(":")))
        problems.push(`markdown cell [${index}]: table separator "${row}" has a column with no alignment (write :--- or ---:)`);
    }
  });
  return problems;
}

function main(argv: string[]): void {
  const files = argv.length > 0 ? argv : fs.readdirSync("notebooks").filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join("notebooks", f));
  console.log("notebook                          cells  median  >10  >15  longest  longest line  lines >100");
  for (const file of files) {
    const s = cellStats(parseNotebook(fs.readFileSync(file, "utf8"), file));
    console.log(
      `${path.basename(file).padEnd(34)}${String(s.codeCells).padStart(5)}${String(s.medianLines).padStart(8)}` +
        `${String(s.cellsOver10).padStart(5)}${String(s.cellsOver15).padStart(5)}${String(s.longestCell).padStart(9)}` +
        `${String(s.longestLine).padStart(14)}${String(s.linesOver100).padStart(12)}`,
    );
  }
}

if (require.main === module) main(process.argv.slice(2));
