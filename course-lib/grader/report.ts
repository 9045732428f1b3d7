// Presenting grades: the terminal table, build/grades.json, build/grades.csv and build/grades.log.
// The terminal shows each failed test's hint, error and the changed lines of its diff (cut to a screenful);
// grades.log has every message and diff in full, then the raw vitest output.
// Only ever writes under <repo>/build/, so grading can never overwrite a learner's files.
import * as fs from "fs";
import * as path from "path";
import { firstLine } from "./protocol";
import { REPO_ROOT, type GradeReport } from "./run";

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function padLeft(text: string, width: number): string {
  return text.length >= width ? text : " ".repeat(width - text.length) + text;
}

function formatPoints(points: number): string {
  return Number.isInteger(points) ? String(points) : points.toFixed(1);
}

/** Lines of a diff shown in the terminal; the rest is in grades.log. */
export const DIFF_EXCERPT_LINES = 14;
/** Characters per diff line shown in the terminal. */
export const DIFF_EXCERPT_WIDTH = 120;

function clip(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

/**
 * The part of vitest's diff worth a terminal line: without the "- Expected / + Received" header; whole
 * when short, else the changed lines with two lines of context around each ("…" where lines are left
 * out), at most maxLines lines of at most width characters. `omitted` counts the lines left out.
 */
export function diffExcerpt(diff: string, maxLines = DIFF_EXCERPT_LINES, width = DIFF_EXCERPT_WIDTH): { lines: string[]; omitted: number } {
  const body = diff.split("\n").filter((line, i) => !(i < 3 && /^(- Expected|\+ Received|\s*)$/.test(line)));
  while (body.length > 0 && body[body.length - 1].trim() === "") body.pop();
  if (body.length <= maxLines) return { lines: body.map((l) => clip(l, width)), omitted: 0 };
  const changed = (line: string) => line.startsWith("-") || line.startsWith("+");
  const keep = new Set<number>();
  body.forEach((line, i) => {
    if (changed(line)) for (let j = Math.max(0, i - 2); j <= Math.min(body.length - 1, i + 2); j++) keep.add(j);
  });
  const lines: string[] = [];
  let shown = 0;
  let previous = -1;
  for (const i of [...keep].sort((a, b) => a - b)) {
    if (lines.length >= maxLines - 1) break;
    if (i > previous + 1) lines.push("…");
    lines.push(clip(body[i], width));
    shown += 1;
    previous = i;
  }
  return { lines, omitted: body.length - shown };
}

export interface FormatOptions {
  /** Where the full messages are (grades.log), named under the failed tests. */
  logFile?: string;
}

/** The edited test files that were graded as they are: the grades do not count. */
export function editedTestsUsed(report: GradeReport): { file: string; detail: string }[] {
  return (report.testIntegrity?.edited ?? []).filter((entry) => entry.used);
}

/**
 * The warnings a gradebook or spreadsheet must carry, one line each: edited tests graded as they are
 * (first: they void the grade), edited tests that were replaced, a stopped run, then the report's warnings.
 */
export function integrityWarnings(report: GradeReport): string[] {
  const used = editedTestsUsed(report).map((e) => `EDITED TESTS USED: ${e.file} ${e.detail}`);
  const replaced = (report.testIntegrity?.edited ?? []).filter((e) => !e.used).map((e) => `test file not used: ${e.file} ${e.detail}`);
  return [...used, ...replaced, ...report.warnings];
}

/** The human-readable report: per-exercise table, failed tests with feedback and diffs, totals. */
export function formatReport(report: GradeReport, options: FormatOptions = {}): string {
  const lines: string[] = [];
  const target = report.target.name === report.target.dir ? report.target.name : `${report.target.name} (${report.target.dir})`;
  lines.push(`Grading ${target}/ · tests from ${report.testDirs.join(", ")}${report.only ? ` · only ${report.only}` : ""}`);
  if (report.testIntegrity) lines.push(`Graded with ${report.testIntegrity.source}`);
  const used = editedTestsUsed(report);
  if (used.length > 0) {
    lines.push("");
    lines.push("!!! WARNING: these grades come from EDITED graded tests and do not count !!!");
    for (const entry of used) lines.push(`!!!   ${entry.file}: ${entry.detail}`);
    lines.push("!!! Restore the released test files (git checkout -- <file>) to get a grade that counts.");
  }
  const replaced = (report.testIntegrity?.edited ?? []).filter((entry) => !entry.used);
  if (replaced.length > 0) {
    lines.push("");
    lines.push("Your copies of these test files differ from the pristine ones and were NOT used:");
    for (const entry of replaced) lines.push(`  ! ${entry.file}: ${entry.detail}`);
  }
  lines.push("");
  if (report.exercises.length === 0) {
    lines.push("No graded tests to run.");
  } else {
    const header = ["Exercise", "Lesson", "Points", "Tests", ""];
    const rows = report.exercises.map((row) => [
      row.id,
      row.lesson,
      `${formatPoints(row.pointsEarned)} / ${formatPoints(row.pointsPossible)}`,
      `${row.testsPassed} / ${row.testsTotal}`,
      row.testsPassed === row.testsTotal ? "ok" : row.testsPassed === 0 ? "FAIL" : "partial",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const render = (cells: string[]) =>
      "  " + cells.map((cell, i) => (i === 2 || i === 3 ? padLeft(cell, widths[i]) : pad(cell, widths[i]))).join("   ").trimEnd();
    lines.push(render(header));
    lines.push("  " + widths.map((w) => "-".repeat(w)).join("   "));
    for (const row of rows) lines.push(render(row));
  }

  const failed = report.tests.filter((test) => !test.passed);
  if (failed.length > 0) {
    lines.push("");
    lines.push(`Failed tests (${failed.length}):`);
    for (const test of failed) {
      lines.push(`  ✗ [${test.id}] ${test.title}  (${formatPoints(test.points)} pt${test.points === 1 ? "" : "s"}, ${test.file})`);
      lines.push(`      hint:  ${test.feedback}`);
      lines.push(`      error: ${firstLine(test.error)}`);
      if (test.diff) {
        const excerpt = diffExcerpt(test.diff);
        lines.push(`      diff (- expected, + yours):`);
        for (const line of excerpt.lines) lines.push(`        ${line}`);
        if (excerpt.omitted > 0) lines.push(`        … ${excerpt.omitted} more line${excerpt.omitted === 1 ? "" : "s"}${options.logFile ? ` in ${options.logFile}` : ""}`);
      }
    }
    if (options.logFile) {
      lines.push("");
      lines.push(`Full error messages and diffs: ${options.logFile}`);
    }
  }
  if (report.warnings.length > 0) {
    lines.push("");
    lines.push("Warnings:");
    for (const warning of report.warnings) lines.push(`  ! ${warning}`);
  }
  const t = report.totals;
  lines.push("");
  if (used.length > 0) lines.push("!!! EDITED TESTS were graded: the total below does not count (see the warning at the top) !!!");
  lines.push(
    `Total: ${formatPoints(t.pointsEarned)} / ${formatPoints(t.pointsPossible)} points (${t.percent.toFixed(1)} %) · ` +
      `${t.testsPassed} / ${t.testsTotal} tests passed · graded in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  return lines.join("\n");
}

/** The JSON written to grades.json: the report without the raw vitest log. */
export function reportJson(report: GradeReport): string {
  const { log: _log, ...rest } = report;
  return JSON.stringify(rest, null, 2) + "\n";
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** grades.log: every failed test's full error and diff, then the output of the vitest runs. */
export function reportLog(report: GradeReport): string {
  const failed = report.tests.filter((test) => !test.passed);
  const sections = failed.map((test) =>
    [`✗ [${test.id}] ${test.title}  (${formatPoints(test.points)} pt${test.points === 1 ? "" : "s"}, ${test.file})`, `hint: ${test.feedback}`, `error: ${test.error ?? ""}`, ...(test.diff ? [test.diff] : [])].join("\n"),
  );
  const head = failed.length > 0 ? `Failed tests (${failed.length}), in full:\n\n${sections.join("\n\n")}\n\n` : "All graded tests passed.\n\n";
  return `${head}===== output of the vitest runs =====\n${report.log}`;
}

/** One row per exercise plus a TOTAL row (which carries the warnings); opens directly in a spreadsheet. */
export function reportCsv(report: GradeReport): string {
  const rows: (string | number)[][] = [["exercise", "lesson", "points_earned", "points_possible", "percent", "tests_passed", "tests_total", "failed_tests", "warnings"]];
  for (const row of report.exercises) {
    const failedTitles = report.tests.filter((t) => t.id === row.id && !t.passed).map((t) => t.title);
    const percent = row.pointsPossible > 0 ? Math.round((1000 * row.pointsEarned) / row.pointsPossible) / 10 : 0;
    rows.push([row.id, row.lesson, row.pointsEarned, row.pointsPossible, percent, row.testsPassed, row.testsTotal, failedTitles.join("; "), ""]);
  }
  const t = report.totals;
  rows.push(["TOTAL", "", t.pointsEarned, t.pointsPossible, t.percent, t.testsPassed, t.testsTotal, "", integrityWarnings(report).join(" | ")]);
  return rows.map((row) => row.map(csvCell).join(",")).join("\n") + "\n";
}

export function csvLine(cells: (string | number)[]): string {
  return cells.map(csvCell).join(",");
}

/** The directory grade files go to; anything outside <repo>/build is refused. */
export function checkOutputDir(outDir: string): string {
  const absolute = path.resolve(outDir);
  const buildDir = path.join(REPO_ROOT, "build");
  const relative = path.relative(buildDir, absolute);
  if (relative.startsWith("..") || path.isAbsolute(relative)) {
    throw new Error(`the grader only writes under ${buildDir}; refusing to write to ${absolute}`);
  }
  return absolute;
}

/** Writes grades.json, grades.csv and grades.log (full failures, then vitest output) into outDir (default <repo>/build). */
export function writeReport(report: GradeReport, outDir = path.join(REPO_ROOT, "build")): { json: string; csv: string; log: string } {
  const dir = checkOutputDir(outDir);
  fs.mkdirSync(dir, { recursive: true });
  const files = { json: path.join(dir, "grades.json"), csv: path.join(dir, "grades.csv"), log: path.join(dir, "grades.log") };
  fs.writeFileSync(files.json, reportJson(report));
  fs.writeFileSync(files.csv, reportCsv(report));
  fs.writeFileSync(files.log, reportLog(report));
  return files;
}
