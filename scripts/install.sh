#!/usr/bin/env bash
# Install terastal in editable mode with the extras named as arguments (default: all).
# Usage: bash scripts/install.sh [extra ...]     e.g. bash scripts/install.sh test variants
# Then builds the optional compiled accelerator when Cython (the accel extra, part of all) and a
# C compiler are present; otherwise one line says so and terastal runs as pure Python, with the
# same results. TERASTAL_PURE=1 skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${*:-all}"
extras="${extras// /,}"
python3 -m pip install --quiet --disable-pip-version-check -e ".[${extras}]"
if [[ "${TERASTAL_PURE:-0}" == "0" ]]; then
    python3 -m terastal._accel build --if-available \
        || echo "accelerator: not built; terastal runs as pure Python"
fi
