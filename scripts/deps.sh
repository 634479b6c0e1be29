#!/usr/bin/env bash
# deps.sh: install, with apt-get, whatever mmfree's build and tests need and this machine lacks.
#
#   bash scripts/deps.sh          the build, the demo and the simulators
#   bash scripts/deps.sh train    also the trainer's (tools/train/): `make model` and `make test`
#
# Installs only missing packages, runs `apt-get update` at most once and only when something is
# missing. When not root it prints the exact apt-get line and stops. Every dependency is explained
# in docs/dependencies.md.
set -euo pipefail

PKGS=(
  build-essential      # gcc, g++, make: host library, hls_c models, Verilator harnesses
  pkg-config           # finds libusb and umockdev flags
  verilator            # cycle-accurate simulation of rtl/ (sim/)
  yosys                # synthesis and formal proof of handshake assertions
  nextpnr-ice40        # place and route for the iCE40 UP5K / HX8K
  fpga-icestorm        # icepack, icetime, iceprog
  openfpgaloader       # the other flasher, run against the emulated iCEBreaker (tests/test_flashers.sh)
  libusb-1.0-0-dev     # the USB transport (host/)
  umockdev             # emulated USB devices in tests
  libumockdev-dev
  zlib1g-dev           # crc32() for the link protocol on the host
  libcjson-dev         # JSON reports and config parsing
  jq                   # tests read the JSON reports
  python3-numpy        # the independent float64 model reference (tests/ref/)
  clang                # libFuzzer builds of the checkpoint and tokenizer parsers
  libclang-rt-14-dev   # libFuzzer's runtime for clang 14
  sigrok-cli           # power meters sigrok drives (sigrok: meters), its demo driver in tests
  gnuplot-nox          # --plot: power over time as SVG (no X11 needed)
)
# the trainer (tools/train/, docs/dependencies.md): only `make model` and `make test` ask for these
TRAIN_PKGS=(
  python3-torch        # PyTorch (CPU) for quantisation-aware training, run with /usr/bin/python3
  libopenblas0-openmp  # the BLAS torch's libblas.so.3 resolves to: ~10x the reference BLAS's speed
  bible-kjv            # the `bible` program that prints the training text
  bible-kjv-text       # the King James Bible it reads (public domain)
)
case "${1:-}" in
  "") ;;
  train) PKGS+=("${TRAIN_PKGS[@]}") ;;
  *) echo "deps.sh: unknown group '$1' (give nothing, or 'train')" >&2; exit 2 ;;
esac

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]}" >&2
  echo "deps.sh: run as root:  apt-get update && $line" >&2
  exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
$line >/dev/null
echo "deps.sh: done" >&2
