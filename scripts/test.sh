#!/usr/bin/env bash
# Run the test suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m pytest "$@"
