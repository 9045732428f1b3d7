// Load and save tfjs LayersModels as model.json + weight files on disk in Node, without tfjs-node (whose
// file:// handler is not available here): reads the files with fs and hands them to tf.io.fromMemory, and
// saves through tf.io.withSaveHandler. The on-disk format is the standard tfjs one, so files written here
// load in the browser and in tfjs-node, and vice versa.
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import "../primitives/hard-swish"; // registers the custom HardSwish layer so saved models using it load

interface ModelJson {
  modelTopology?: { class_name?: string; config?: unknown } | null;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function readModelJson(modelJsonPath: string): ModelJson {
  if (!fs.existsSync(modelJsonPath)) {
    throw new Error(`model file not found: ${modelJsonPath} (expected a tfjs layers model.json)`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(modelJsonPath, "utf8")) as ModelJson;
  } catch (err) {
    throw new Error(`${modelJsonPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (!json.modelTopology || json.format === "graph-model") {
    throw new Error(
      `${modelJsonPath} is not a tfjs layers model (format ${JSON.stringify(json.format ?? null)}, ` +
        `modelTopology ${json.modelTopology ? "present" : "missing"}); expected the model.json written by model.save()`,
    );
  }
  return json;
}

/** An IOHandler that loads model.json and the weight shards it lists (paths relative to model.json). */
export function fileLoadHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const json = readModelJson(modelJsonPath);
      const dir = path.dirname(modelJsonPath);
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest ?? []) {
        weightSpecs.push(...group.weights);
        for (const shard of group.paths) {
          const shardPath = path.join(dir, shard);
          if (!fs.existsSync(shardPath)) {
            throw new Error(`weight file ${shardPath} listed in ${modelJsonPath} is missing`);
          }
          buffers.push(fs.readFileSync(shardPath));
        }
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        weightSpecs,
        weightData,
      };
    },
  };
}

/** tf.loadLayersModel for a model.json on disk. */
export async function loadLayersModelFromFile(modelJsonPath: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileLoadHandler(path.resolve(modelJsonPath)));
}

/** Saves a model as <dir>/model.json + <dir>/weights.bin (creating dir); returns the model.json path. */
export async function saveLayersModelToDir(model: tf.LayersModel, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const modelJsonPath = path.join(dir, "model.json");
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const bytes = data === undefined ? new Uint8Array(0) : Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
      fs.writeFileSync(path.join(dir, "weights.bin"), bytes);
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology as ModelJson["modelTopology"],
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] }],
      };
      fs.writeFileSync(modelJsonPath, JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: bytes.byteLength } };
    }),
  );
  return modelJsonPath;
}
