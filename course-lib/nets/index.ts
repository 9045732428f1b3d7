// The network families in one import for notebooks: `import { phinet, phinetCost } from "./course-lib/nets/index"`
// (tslab needs the explicit /index).
export { phinet, buildPhiNet } from "./phinet";
export { phinetPlan, phinetStageRows, PHINET_DEFAULTS, expansionFactor } from "./phinet-plan";
export type { PhiNetOptions, PhiNetPlan, PhiNetStage, PhiNetStageRow } from "./phinet-plan";
export { phinetCost } from "./phinet-cost";
export { xinet, buildXiNet } from "./xinet";
export { xinetPlan, XINET_DEFAULTS } from "./xinet-plan";
export type { XiNetOptions, XiNetPlan, XiConvPlan } from "./xinet-plan";
export { xinetCost } from "./xinet-cost";
export { dsCnn } from "./ds-cnn";
export type { DsCnnOptions } from "./ds-cnn";
export type { NetCost } from "./ledger";
export { micromindCounts } from "./reference";
export type { MicromindCounts, NetFamily } from "./reference";
export { withSeededRandom, withSeededRandomAsync } from "./seeded";
