#!/bin/bash
# Install the Debian packages ssdreplay builds, tests and benchmarks with.
set -euo pipefail
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
PKGS=(
	build-essential cmake pkg-config          # toolchain
	liburing-dev libaio-dev libjansson-dev    # engines, JSON reports
	libinih-dev                               # profiles (INI)
	libhwloc-dev libnvme-dev libjson-c-dev    # devices: NUMA locality, NVMe identify (optional at build)
	gnuplot-nox                               # PNG plots beside the SVG ones (optional at run time)
	nodejs npm                                # optional cross-checks against npm's gguf and node-llama-cpp
	libcmocka-dev python3                     # unit tests, integration test helpers
	util-linux e2fsprogs blktrace             # losetup, mkfs.ext4, filefrag, blkparse (test oracles)
	fio                                       # bench/vs_fio.sh
)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
