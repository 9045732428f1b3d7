// The course's notebook visualisation API in one import: `import { plot, lineChart, trainingProgress } from "../course-lib/viz/index"` (tslab needs the explicit /index).
export { plot, lineChart, scatter, bar, heatmap, imageGrid, includePlotlyLibrary, PLOTLY_MIME } from "./plot";
export { lineFigure, scatterFigure, barFigure, heatmapFigure, imageGridHtml } from "./plot";
export type { Figure, GridImage, ChartLabels, LineSeries, LineChartOptions, ScatterOptions, BarOptions, HeatmapOptions, ImageGridOptions } from "./plot";
export { trainingProgress } from "./progress";
export type { EpochRecord, TrainingProgress, TrainingProgressOptions } from "./progress";
export { createCaptureTarget, createConsoleTarget, setDefaultDisplayTarget, inTslabKernel } from "./display";
export type { DisplayTarget, MimeBundle } from "./display";
