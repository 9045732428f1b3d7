// course-lib/deploy: lesson 08's QuantizedGraph as firmware on Cortex-M boards, measured rather than estimated.
// One import for notebooks and tools: `import { deployGraph, planMemory } from "./course-lib/deploy/index"`.
//
// Data flow, each step reading the one QuantizedGraph (and the interpreter's prepared plans for its integers):
// - planner.ts: tensor lifetimes, TFLM's greedy planner (the baseline) and the course's planner (aliasing,
//   in-place element-wise ops, several placement orders; never above the baseline), with the bounds;
// - codegen.ts: model.h / model.c / inputs.c: const weights and parameters in flash, one static arena;
// - c/: the C library: fixed_point.h, nn_kernels.h (the kernel interface), kernels/reference (portable C99)
//   and kernels/optimized (Cortex-M DSP extension), firmware/ (startup, UART, semihosting, the app);
// - build.ts + machines.ts: arm-none-eabi-gcc for a catalogue board or a QEMU machine, sizes from the ELF;
//   host.ts builds the same sources with the host gcc, so a C bug can be told from a firmware one;
// - qemu.ts: the firmware on qemu-system-arm, instructions counted per operator by a TCG plugin
//   (c/tools/insn_count_plugin.c);
// - deploy.ts: deployGraph() runs all of it and compares every byte with runQuantized; cli.ts is
//   `npm run deploy`; renode.ts writes Renode scripts (not runnable here); show.ts and plan-chart.ts draw.

export { checkPlan, planCourse, planLinear, planMemory, planTflmGreedy, tensorLifetimes } from "./planner";
export type { ExecutionOrder, MemoryPlan, MemoryPlanReport, PlannableGraph, TensorLifetime } from "./planner";
export { planChart, planChartFigure } from "./plan-chart";
export { cArray, generateModelSources } from "./codegen";
export type { CArrayOptions, GeneratedModel } from "./codegen";
export { deployTarget, MACHINES } from "./machines";
export type { DeployTarget } from "./machines";
export { buildFirmware } from "./build";
export { runOnQemu } from "./qemu";
export { deployGraph, seededInputs } from "./deploy";
export type { DeployOptions, DeployReport, DeployStage, KernelSet, OperatorWork } from "./deploy";
export { FirmwareDoesNotFit, FirmwareHardFault, FirmwareTimeout, ToolchainMissing } from "./errors";
export { renodeScripts, writeRenodeScripts } from "./renode";
