#!/usr/bin/env bash
# Command 2 of the README: set up a fresh machine and run every test (release mode: the
# parity tests walk whole corpora and reference files, which debug builds make slow).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# One build: `swift test -c release` builds every product, the `jikji` binary the CLI suites and
# the later CI scripts run included (.build/release/jikji); a separate `swift build -c release`
# first would build every module a second time with other flags (about 4 minutes).
swift test -c release --disable-swift-testing "$@"
