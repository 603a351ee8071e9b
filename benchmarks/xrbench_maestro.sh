#!/usr/bin/env bash
# Build XRBench's reference engine (XRBench-MAESTRO) from a checkout of its public repository,
# and run it on one usage scenario with the XRBench inputs bundled in this package.
#
# Nothing is fetched: the repository (XRBench/XRBench-MLSys2023 on GitHub, MIT licence) must
# already be checked out, and its code stays outside this repository.
#
#   benchmarks/xrbench_maestro.sh build /path/to/XRBench-MLSys2023
#       Installs nothing; needs g++ and the development files of Boost's program_options,
#       filesystem and system libraries (Debian/Ubuntu: `apt-get install
#       libboost-program-options-dev libboost-filesystem-dev libboost-system-dev`; scons is
#       not needed). Its SConstruct points at a Homebrew Boost; the build below passes the
#       compiler flags itself instead, so the checkout is left untouched. The checkout needs
#       the MAESTRO headers XRBench-MAESTRO.cpp includes and lib/src/BASE_base-objects.cpp
#       (see docs/benchmarks.md, "XRBench-MAESTRO side by side"). Prints the binary's path;
#       export it as XRBENCH_MAESTRO for `python benchmarks/run_all.py --only whole`.
#
#   benchmarks/xrbench_maestro.sh run [SCENARIO [HW [DATAFLOW [OUTDIR]]]]
#       Runs $XRBENCH_MAESTRO on the bundled inputs (default VR_gaming, dual/Dual_4K,
#       dual/WS_OS), writing timeline.csv and summary.csv in OUTDIR (default a temporary
#       directory), and prints the summary.
#
#   benchmarks/xrbench_maestro.sh check [OUTDIR]
#       Runs VR_gaming / Dual_4K / WS_OS and compares its summary with the reference summary
#       in tests/data/xrbench_maestro; exit 1 on a difference.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data="$root/src/terastal/data/xrbench"

build() {
    local repo="${1:?usage: $0 build /path/to/XRBench-MLSys2023}"
    [[ -f "$repo/XRBench-MAESTRO.cpp" ]] || { echo "error: $repo has no XRBench-MAESTRO.cpp" >&2; exit 2; }
    local out="${2:-$repo/maestro}"
    local inc=()
    for d in . lib/include lib/include/base lib/include/tools lib/include/user-api \
             lib/include/dataflow-analysis lib/include/dataflow-specification-language \
             lib/include/design-space-exploration lib/include/cost-analysis \
             lib/include/abstract-hardware-model lib/include/heterogeneous-space-exploration \
             lib/src; do
        inc+=("-I$repo/$d")
    done
    # The same flags as its SConstruct (C++17, -O2), without the Homebrew paths.
    g++ -std=c++17 -O2 "${inc[@]}" -o "$out" \
        "$repo/XRBench-MAESTRO.cpp" "$repo/lib/src/BASE_base-objects.cpp" \
        -lboost_program_options -lboost_filesystem -lboost_system
    echo "$out"
}

run() {
    local bin="${XRBENCH_MAESTRO:?set XRBENCH_MAESTRO to the built binary}"
    local scenario="${1:-VR_gaming}" hw="${2:-dual/Dual_4K}" df="${3:-dual/WS_OS}"
    local out="${4:-$(mktemp -d)}"
    mkdir -p "$out"
    "$bin" --model_file="$data/usage_scenarios/$scenario.m" \
        --dataflow_file="$data/dataflows/$df.m" --hw_file="$data/hw_configs/$hw.m" \
        --XRBench_timeline_output_file_name="$out/timeline.csv" \
        --XRBench_summary_output_file_name="$out/summary.csv" >/dev/null
    cat "$out/summary.csv"
}

check() {
    local out="${1:-$(mktemp -d)}"
    local ref="$root/tests/data/xrbench_maestro/summary__VR_gaming__Dual_4K__WS_OS.csv"
    run VR_gaming dual/Dual_4K dual/WS_OS "$out" >/dev/null
    if diff -u "$ref" "$out/summary.csv"; then
        echo "summary matches $ref"
    else
        exit 1
    fi
}

cmd="${1:-}"
shift || true
case "$cmd" in
    build) build "$@" ;;
    run) run "$@" ;;
    check) check "$@" ;;
    *) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
