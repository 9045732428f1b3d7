// Presenting grades: the terminal table, build/grades.json and build/grades.csv.
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

/** The human-readable report: per-exercise table, failed tests with feedback, totals. */
export function formatReport(report: GradeReport): string {
  const lines: string[] = [];
  const target = report.target.name === report.target.dir ? report.target.name : `${report.target.name} (${report.target.dir})`;
  lines.push(`Grading ${target}/ · tests from ${report.testDirs.join(", ")}${report.only ? ` · only ${report.only}` : ""}`);
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
    }
  }
  if (report.warnings.length > 0) {
    lines.push("");
    lines.push("Warnings:");
    for (const warning of report.warnings) lines.push(`  ! ${warning}`);
  }
  const t = report.totals;
  lines.push("");
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

/** One row per exercise plus a TOTAL row; opens directly in a spreadsheet. */
export function reportCsv(report: GradeReport): string {
  const rows: (string | number)[][] = [["exercise", "lesson", "points_earned", "points_possible", "percent", "tests_passed", "tests_total", "failed_tests"]];
  for (const row of report.exercises) {
    const failedTitles = report.tests.filter((t) => t.id === row.id && !t.passed).map((t) => t.title);
    const percent = row.pointsPossible > 0 ? Math.round((1000 * row.pointsEarned) / row.pointsPossible) / 10 : 0;
    rows.push([row.id, row.lesson, row.pointsEarned, row.pointsPossible, percent, row.testsPassed, row.testsTotal, failedTitles.join("; ")]);
  }
  const t = report.totals;
  rows.push(["TOTAL", "", t.pointsEarned, t.pointsPossible, t.percent, t.testsPassed, t.testsTotal, ""]);
  return rows.map((row) => row.map(csvCell).join(",")).join("\n") + "\n";
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

/** Writes grades.json, grades.csv and grades.log (vitest output) into outDir (default <repo>/build). */
export function writeReport(report: GradeReport, outDir = path.join(REPO_ROOT, "build")): { json: string; csv: string; log: string } {
  const dir = checkOutputDir(outDir);
  fs.mkdirSync(dir, { recursive: true });
  const files = { json: path.join(dir, "grades.json"), csv: path.join(dir, "grades.csv"), log: path.join(dir, "grades.log") };
  fs.writeFileSync(files.json, reportJson(report));
  fs.writeFileSync(files.csv, reportCsv(report));
  fs.writeFileSync(files.log, report.log);
  return files;
}
