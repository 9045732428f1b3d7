// Lesson 11 exercise 11.2: meet a latency target with the pipeline, from what a first run measured.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/11-capstone-keyword-spotting.ipynb
// prints "exercise 11.2 not implemented yet: showing the reference" and uses the course's version
// (course-lib/pipeline/retarget.ts retargetBudget). Check your work with `npm run grade -- --only 11.2`.
import type { PipelineReport } from "../../course-lib/pipeline/report";

import { notImplemented } from "../../course-lib/grader/exercise";

/**
 * Exercise 11.2: the `budgetMs` to give the next pipeline run so that its firmware takes about `targetMs`
 * per inference on the same board, computed from a previous run's report.
 *
 * Why the previous budget is not simply the answer: the pipeline converts budgetMs to MACs with the
 * instructions per MAC of an untrained probe network (`previous.budget.perMac`), scales the net to that many
 * MACs, and then prunes part of them away. And instructions are not proportional to MACs: every operator
 * has a fixed cost besides its MACs, so a small net spends more instructions per MAC than a large one. The
 * report has two measurements on the board, the probe's and the firmware's; put a line through them:
 *   probe       = the row of previous.stages whose stage is "calibrate" (instructions, macs)
 *   firmware    = the row whose stage is "firmware" (instructions, macs)
 *   scale       = the row whose stage is "scale" (macs: the scaled net's MACs, before pruning)
 *   marginal    = (probe.instructions − firmware.instructions) / (probe.macs − firmware.macs)
 *                 (when the two have the same MACs: firmware.instructions / firmware.macs)
 *   overhead    = firmware.instructions − marginal · firmware.macs      (instructions ≈ overhead + marginal · MACs)
 *   kept        = firmware.macs / scale.macs                          (what pruning left of the MACs)
 *   clock       = previous.board.clockMHz · 10⁶ cycles per second
 * Aim at 90 % of the target (the scaling grid is coarse: the net it picks is at or below the budget):
 *   finalMacs   = (0.9 · (targetMs / 1000) · clock − overhead) / marginal
 *   scaledMacs  = finalMacs / kept
 *   budgetMs    = scaledMacs · previous.budget.perMac / clock · 1000
 *
 *   probe 1,200,000 instructions for 200,000 MACs (budget.perMac 6), firmware 800,000 for 100,000, scale
 *   125,000 MACs (kept 0.8), 72 MHz, target 10 ms → marginal 4, overhead 400,000, 648,000 instructions,
 *   finalMacs 62,000, scaledMacs 77,500, budgetMs 6.458333…
 *
 * Throw a RangeError naming the value when targetMs is not a finite number > 0, when previous.budget.perMac
 * is not a number > 0, when the report has no firmware (or calibrate, or scale) row, when marginal is not
 * > 0, or when the target cannot be met because 0.9 · targetMs of instructions is not more than the overhead.
 */
export function nextBudgetMs(previous: PipelineReport, targetMs: number): number {
  notImplemented("11.2");
}
