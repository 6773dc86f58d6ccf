#!/usr/bin/env bash
# Command 1 of the README: set up a fresh machine and run the main job end to end.
# For now the main job cleans the NSMC training corpus with the korean-web preset.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release
mkdir -p data
.build/release/jikji clean --pipeline korean-web --column document \
    --input corpora/nsmc/ratings_train.txt --output data/ratings_train.clean.tsv
