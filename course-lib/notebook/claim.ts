// Claims: the sentences a lesson's argument rests on, checked by the cell that produces the numbers.
// A notebook calls claim("02.dense-vs-conv", "…", holds) right after computing the figures; it prints
//   ✓ claim 02.dense-vs-conv: the batch-1 dense layer is less efficient per MAC than the 3×3 conv
// or, when this run's numbers do not support the sentence,
//   ✗ claim 02.dense-vs-conv does not hold on this run: …
// A learner's notebook keeps running either way (a timing on a busy laptop may differ); the notebook test
// (course-lib/notebook/notebooks.test.ts) reads the executed outputs and fails on any ✗, and on any
// claim in a notebook's source that printed no verdict, so prose cannot drift from what the cells show.

/** Claim ids: lesson number, a dot, a kebab-case name ("02.dense-vs-conv"). */
export const CLAIM_ID_PATTERN = /^\d\d\.[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const CLAIM_HOLDS_MARK = "✓ claim";
export const CLAIM_FAILS_MARK = "✗ claim";

/** A verdict line as printed: mark, id, and the rest. */
export const CLAIM_LINE_PATTERN = /^(✓|✗) claim (\d\d\.[a-z0-9-]+)(?::| does not hold on this run:) (.*)$/;

/**
 * Checks a claim against this run's numbers and prints the verdict. `evidence` (optional) is shown after
 * the statement: the figures the verdict rests on, e.g. "dense η 0.41 vs conv η 1.00".
 * Returns nothing, so a cell that ends with a claim prints no stray `true` (tslab shows a cell's last value).
 */
export function claim(id: string, statement: string, holds: boolean, evidence?: string): void {
  if (typeof id !== "string" || !CLAIM_ID_PATTERN.test(id)) {
    throw new TypeError(`claim: id ${JSON.stringify(id)} is not of the form "02.dense-vs-conv" (lesson, dot, kebab-case name)`);
  }
  if (typeof statement !== "string" || statement.trim() === "") {
    throw new TypeError(`claim ${id}: the statement must be a non-empty string, got ${JSON.stringify(statement)}`);
  }
  if (typeof holds !== "boolean") {
    throw new TypeError(`claim ${id}: holds must be a boolean (the comparison itself), got ${typeof holds} ${String(holds)}`);
  }
  const detail = evidence ? ` (${evidence})` : "";
  if (holds) console.log(`${CLAIM_HOLDS_MARK} ${id}: ${statement}${detail}`);
  else console.log(`${CLAIM_FAILS_MARK} ${id} does not hold on this run: ${statement}${detail}`);
}

export interface ClaimVerdict {
  id: string;
  holds: boolean;
  text: string;
}

/** Parses verdict lines out of a cell's printed text. */
export function claimVerdicts(printed: string): ClaimVerdict[] {
  const verdicts: ClaimVerdict[] = [];
  for (const line of printed.split("\n")) {
    const match = CLAIM_LINE_PATTERN.exec(line.trim());
    if (match) verdicts.push({ id: match[2], holds: match[1] === "✓", text: match[3] });
  }
  return verdicts;
}

/** The claim ids a notebook's code mentions: every claim("id", …) call in its source. */
export function claimIdsInSource(source: string): string[] {
  const ids: string[] = [];
  for (const match of source.matchAll(/\bclaim\(\s*["'`](\d\d\.[a-z0-9-]+)["'`]/g)) ids.push(match[1]);
  return ids;
}
