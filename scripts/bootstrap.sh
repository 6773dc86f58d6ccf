#!/usr/bin/env bash
# Installs what a fresh machine lacks (Debian packages), only when missing, and makes the
# corpora available. Safe to run again: it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# openmpi-bin, libopenmpi-dev: data-parallel jobs under mpirun (jikji opens libmpi only then) and their tests.
# time: GNU time, which measures a child's peak memory for the memory tests and benchmarks.
needed=(libicu-dev libsqlite3-dev libopenblas-dev python3-venv openmpi-bin libopenmpi-dev time)
missing=()
for pkg in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bash corpora/fetch.sh
