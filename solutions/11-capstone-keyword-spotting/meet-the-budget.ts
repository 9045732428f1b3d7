// Lesson 11 exercise 11.2: model solution (see exercises/11-capstone-keyword-spotting/meet-the-budget.ts for
// the task). It is the course's course-lib/pipeline/retarget.ts retargetBudget, which checks the report and
// the target itself; only the budget is returned.
import type { PipelineReport } from "../../course-lib/pipeline/report";
import { retargetBudget } from "../../course-lib/pipeline/retarget";

export function nextBudgetMs(previous: PipelineReport, targetMs: number): number {
  return retargetBudget(previous, targetMs).budgetMs;
}
