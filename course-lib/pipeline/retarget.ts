// Meeting a latency target from a measured run. The pipeline turns budgetMs into MACs with the probe's
// instructions per MAC, scales the net to that many MACs, then prunes part of them away; and instructions
// are not proportional to MACs: every operator costs a fixed part (loops, requantization, calls) besides its
// MACs, so a small net has more instructions per MAC than a large one. A report holds two measurements on the
// same board and kernels, the probe's and the firmware's, which fix a line
//     instructions ≈ overhead + marginal · MACs
// retargetBudget solves it for the target (with a safety margin), undoes the pruning and converts back to
// the budgetMs the pipeline expects (at the probe's rate).
import type { PipelineReport } from "./report";

export interface RetargetResult {
  /** The budgetMs to give the next run. */
  budgetMs: number;
  /** The line through the two measurements: instructions ≈ overhead + marginal · MACs. */
  overhead: number;
  marginal: number;
  /** The deployed model's MACs the target allows on that line (after the margin). */
  finalMacs: number;
  /** The MACs the scaled (unpruned) net may have so that pruning lands at finalMacs. */
  scaledMacs: number;
  /** Instructions per MAC of the probe: what the pipeline converts budgetMs with. */
  probePerMac: number;
  /** Fraction of the scaled net's MACs the later stages kept (pruning). */
  kept: number;
}

/** See the header. `margin` (default 0.9) aims below the target: the scaling grid is coarse. */
export function retargetBudget(previous: PipelineReport, targetMs: number, margin = 0.9): RetargetResult {
  if (!(typeof targetMs === "number" && Number.isFinite(targetMs) && targetMs > 0)) throw new RangeError(`retargetBudget: targetMs must be a latency in ms > 0, got ${String(targetMs)}`);
  if (!(typeof margin === "number" && margin > 0 && margin <= 1)) throw new RangeError(`retargetBudget: margin must be in (0, 1], got ${String(margin)}`);
  const probePerMac = previous.budget.perMac;
  if (!(typeof probePerMac === "number" && probePerMac > 0)) throw new RangeError(`retargetBudget: previous.budget.perMac must be a number > 0 (instructions per MAC), got ${String(probePerMac)}`);
  const row = (stage: string) => previous.stages.find((s) => s.stage === stage);
  const probe = row("calibrate");
  const firmware = row("firmware");
  const scale = row("scale");
  if (!firmware || firmware.instructions === null || !firmware.macs) throw new RangeError("retargetBudget: the previous run has no firmware stage (firmware: false)");
  if (!probe || probe.instructions === null || !probe.macs || !scale || !scale.macs) throw new RangeError("retargetBudget: the previous report has no calibrate or scale row with MACs");
  // Two points fix the line; one point (the same MACs twice) only a rate through the origin.
  const marginal = probe.macs === firmware.macs ? firmware.instructions / firmware.macs : (probe.instructions - firmware.instructions) / (probe.macs - firmware.macs);
  const overhead = firmware.instructions - marginal * firmware.macs;
  if (!(marginal > 0)) throw new RangeError(`retargetBudget: the probe (${probe.instructions} instructions for ${probe.macs} MACs) and the firmware (${firmware.instructions} for ${firmware.macs}) give no line with instructions growing with MACs`);
  const clockHz = previous.board.clockMHz * 1e6;
  const instructions = margin * (targetMs / 1000) * clockHz;
  if (instructions <= overhead) {
    throw new RangeError(
      `retargetBudget: ${targetMs} ms (${Math.round(instructions)} instructions at ${margin} of ${previous.board.clockMHz} MHz) is not more than the ${Math.round(overhead)} instructions an inference costs besides its MACs on this line; the target cannot be met by shrinking this net`,
    );
  }
  const finalMacs = (instructions - overhead) / marginal;
  const kept = firmware.macs / scale.macs;
  const scaledMacs = finalMacs / kept;
  return { budgetMs: (scaledMacs * probePerMac / clockHz) * 1000, overhead, marginal, finalMacs, scaledMacs, probePerMac, kept };
}
