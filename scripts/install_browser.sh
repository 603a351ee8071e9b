#!/usr/bin/env bash
# Install headless Chromium (Debian package `chromium`) for the report's browser test.
# Usage: bash scripts/install_browser.sh        (needs root or sudo for apt-get)
# Idempotent and quiet: does nothing when /usr/bin/chromium exists; apt output is shown only
# when the installation fails.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends chromium; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install_browser.sh: installing chromium failed" >&2
    exit 1
fi
echo "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
