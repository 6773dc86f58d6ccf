#!/usr/bin/env bash
# Command 2 of the README: set up a fresh machine and run every test (release mode: the
# parity tests walk whole corpora and reference files, which debug builds make slow).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release
swift test -c release --disable-swift-testing "$@"
