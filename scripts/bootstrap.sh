#!/bin/bash
# One command for a fresh Debian machine: install dependencies, build, write a
# verifiable 1 GiB scratch file and replay the default workload on it.
# Needs no device: the scratch file lives in ${SR_SCRATCH:-./scratch.dat}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
scratch=${SR_SCRATCH:-./scratch.dat}
if ! build/ssdreplay replay "$scratch" --pattern seq --bs 1M --qd 1 --size 1M --verify >/dev/null 2>&1 ||
	[ "$(stat -c %s "$scratch")" -lt $((1 << 30)) ]; then
	build/ssdreplay prep "$scratch" --size 1G
fi
# The default job: stream the file the way weight-offloading runtimes read
# (DeepNVMe's ds_io defaults: 1 MiB requests, 32 in flight), O_DIRECT via
# io_uring, every read checked against where it should have landed.
exec build/ssdreplay replay "$scratch" --pattern seq --bs 1M --qd 32 --verify "$@"
