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
	libssl-dev                                # libnvme.pc requires openssl: without it CMake skips libnvme
	zlib1g-dev libzstd-dev                    # .gz and .zst traces (optional at build)
	help2man bash-completion                  # man pages from --help, completion directory (install)
	gnuplot-nox                               # PNG plots beside the SVG ones (optional at run time)
	libcmocka-dev python3                     # unit tests, integration test helpers
	util-linux e2fsprogs blktrace             # losetup, mkfs.ext4, filefrag, blkparse (test oracles)
	bpftrace                                  # scripts/cheops_trace.bt (CHEOPS CSV capture)
	fio                                       # bench/vs_fio.sh
)
# Optional cross-checks against npm's gguf and node-llama-cpp. A machine that
# already has Node.js from elsewhere (NodeSource's nodejs bundles npm and
# conflicts with Debian's npm package) keeps it: asking apt for npm there fails.
command -v node >/dev/null || PKGS+=(nodejs)
command -v npm >/dev/null || PKGS+=(npm)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
