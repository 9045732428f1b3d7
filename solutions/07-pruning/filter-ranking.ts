// Lesson 07 exercise 07.3: model solution (see exercises/07-pruning/filter-ranking.ts for the task): the
// course's own ranking, course-lib/compress/prune/criteria.ts l1FilterRanking (lastAxisNorms with p = 1, as
// filterScores computes "l1", and channelsToKeep).
export { l1FilterRanking } from "../../course-lib/compress/prune/criteria";
