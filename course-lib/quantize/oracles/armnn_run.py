#!/usr/bin/python3
# Runs a .tflite model in Arm NN (Debian's pyarmnn, TfLite parser + the CpuRef backend) on N inferences,
# as an independent int8 oracle for the course's exporter and interpreter (see armnn.ts).
#
#   /usr/bin/python3 armnn_run.py MODEL.tflite INPUTS.bin OUTPUTS.bin [MODEL2 INPUTS2 OUTPUTS2 ...]
#
# INPUTS.bin holds N inferences of raw int8 input bytes back to back (the model's single input, NHWC);
# N = file size / input size. OUTPUTS.bin receives, per inference, every output's raw int8 bytes in the
# subgraph's output order. Several models run in one process (importing pyarmnn is the slow part). stdout
# gets one JSON line per model, starting with {"model": i, ...}: the shapes and N, or "error" with Arm NN's
# message when it rejects that model (the others still run). Needs Debian's python3 (/usr/bin/python3):
# pyarmnn is not on pip for Arm NN 20.08.
import json
import sys

import numpy as np

try:
    import pyarmnn as ann
except ImportError as error:  # the caller turns this exit code into an install hint
    print(f"armnn_run: cannot import pyarmnn ({error}); install python3-pyarmnn libarmnn-cpuref-backend22", file=sys.stderr)
    sys.exit(3)


def run_model(model_path: str, inputs_path: str, outputs_path: str) -> dict:
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model_path)
    subgraph = 0
    input_names = parser.GetSubgraphInputTensorNames(subgraph)
    if len(input_names) != 1:
        raise ValueError(f"armnn_run: the model has {len(input_names)} inputs; expected 1")
    input_binding = parser.GetNetworkInputBindingInfo(subgraph, input_names[0])
    output_bindings = [parser.GetNetworkOutputBindingInfo(subgraph, n) for n in parser.GetSubgraphOutputTensorNames(subgraph)]

    runtime = ann.IRuntime(ann.CreationOptions())
    optimized, messages = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    network_id, load_message = runtime.LoadNetwork(optimized)

    input_info = input_binding[1]
    input_size = input_info.GetNumElements()
    data = np.fromfile(inputs_path, dtype=np.int8)
    if data.size == 0 or data.size % input_size != 0:
        raise ValueError(f"armnn_run: {inputs_path} has {data.size} bytes, not a positive multiple of the input size {input_size}")
    count = data.size // input_size

    outputs = []
    for i in range(count):
        input_tensors = ann.make_input_tensors([input_binding], [data[i * input_size:(i + 1) * input_size]])
        output_tensors = ann.make_output_tensors(output_bindings)
        runtime.EnqueueWorkload(network_id, input_tensors, output_tensors)
        for array in ann.workload_tensors_to_ndarray(output_tensors):
            outputs.append(np.asarray(array).astype(np.int8, copy=False).reshape(-1))
    np.concatenate(outputs).tofile(outputs_path)

    shape = lambda info: [info.GetShape()[d] for d in range(info.GetNumDimensions())]
    return {
        "inferences": count,
        "inputShape": shape(input_info),
        "inputDataType": str(input_info.GetDataType()),
        "outputShapes": [shape(b[1]) for b in output_bindings],
        "outputDataTypes": [str(b[1].GetDataType()) for b in output_bindings],
        "version": ann.ARMNN_VERSION,
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 0 or len(args) % 3 != 0:
        raise SystemExit("usage: armnn_run.py MODEL.tflite INPUTS.bin OUTPUTS.bin [MODEL2 INPUTS2 OUTPUTS2 ...]")
    for i in range(len(args) // 3):
        try:
            result = run_model(*args[3 * i:3 * i + 3])
        except Exception as error:  # Arm NN's parser/runtime errors and ours: reported per model
            result = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps({"model": i, **result}), flush=True)
