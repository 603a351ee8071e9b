#!/usr/bin/env bash
# Install terastal in editable mode with the extras named as arguments (default: all).
# Usage: bash scripts/install.sh [extra ...]     e.g. bash scripts/install.sh test variants
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${*:-all}"
extras="${extras// /,}"
python3 -m pip install --quiet --disable-pip-version-check -e ".[${extras}]"
