// scaleToBoard over many boards and families at once, as lesson 04's section 2 does. A budget that even
// the smallest network cannot meet is a result worth showing (a row of the table), not a failure, so
// an ImpossibleBudgetError is recorded; any other error is a bug and is thrown.
import type { Board } from "../boards/catalogue";
import { ImpossibleBudgetError, scaleToBoard, type Family, type ScaleRequest, type ScaleResult } from "./scale";

/** One board and family of a sweep: the largest network found, or why none fits. */
export interface BoardFit {
  board: Board;
  family: Family;
  /** The network found; its `model` is already disposed (the measured numbers are kept). */
  result?: ScaleResult;
  /** Set instead of `result` when even the smallest network breaks a budget. */
  impossible?: ImpossibleBudgetError;
}

/**
 * scaleToBoard(requestFor(board, family)) for every board and every family, in that order (boards
 * outer). Each model is disposed once measured, so a sweep over the whole catalogue holds no weights.
 */
export function scaleEveryBoard(
  boards: readonly Board[],
  families: readonly Family[],
  requestFor: (board: Board, family: Family) => ScaleRequest,
): BoardFit[] {
  if (!Array.isArray(boards) || boards.length === 0) throw new RangeError(`scaleEveryBoard: expected a non-empty list of boards, got ${String(boards)}`);
  if (!Array.isArray(families) || families.length === 0) throw new RangeError(`scaleEveryBoard: expected a non-empty list of families, got ${String(families)}`);
  if (typeof requestFor !== "function") throw new TypeError(`scaleEveryBoard: requestFor must be a function (board, family) => ScaleRequest, got ${typeof requestFor}`);
  const fits: BoardFit[] = [];
  for (const board of boards) {
    for (const family of families) {
      try {
        const result = scaleToBoard(requestFor(board, family));
        result.model.dispose();
        fits.push({ board, family, result });
      } catch (error) {
        if (!(error instanceof ImpossibleBudgetError)) throw error; // a bug, not a budget
        fits.push({ board, family, impossible: error });
      }
    }
  }
  return fits;
}
