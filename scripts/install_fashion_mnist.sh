#!/usr/bin/env bash
# Install Fashion-MNIST from Debian's package `dataset-fashion-mnist` when its files are missing.
# Usage: bash scripts/install_fashion_mnist.sh        (needs root or sudo for apt-get)
# The idx files land in /usr/share/datasets/fashion-mnist; terastal looks there by default
# (override with the TERASTAL_FASHION_MNIST environment variable).
set -euo pipefail
dir="${TERASTAL_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
if ls "$dir"/t10k-images-idx3-ubyte* >/dev/null 2>&1; then
    echo "Fashion-MNIST already present in $dir"
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y dataset-fashion-mnist
echo "installed files:"
dpkg -L dataset-fashion-mnist | grep -i idx || true
