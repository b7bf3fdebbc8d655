#!/bin/bash
# One command for a fresh Debian machine: install dependencies, build, and run
# the main job on an embedded default — no device needed:
#   1. materialize llama-2-7b Q4_K_M's real file layout (profiles/models/) as a
#      fully written GGUF scratch file (${SR_SCRATCH:-./scratch-llama-2-7b.gguf},
#      4.08 GB of random weights laid out byte for byte like the published file);
#   2. replay what llama.cpp reads from it while decoding 4 tokens with nothing
#      cached (the synthetic schedule, in execution order, whole tensors), with
#      O_DIRECT through io_uring at queue depth 32.
# Extra arguments go to `ssdreplay replay` (e.g. --engine libaio --qd 8).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
model=llama-2-7b-q4_k_m
scratch=${SR_SCRATCH:-./scratch-llama-2-7b.gguf}
want=$(build/ssdreplay synth --profile $model --info --output-format json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["model"]["file_bytes"])')
if [ ! -f "$scratch" ] || [ "$(stat -c %s "$scratch")" != "$want" ]; then
	echo "writing $scratch ($want bytes, the $model layout) ..." >&2
	build/ssdreplay synth --profile $model --write-gguf "$scratch"
fi
build/ssdreplay synth --profile $model --tokens 4 |
	build/ssdreplay replay --trace - "$scratch" --qd 32 --gguf $model --tag-stats "$@"
