#!/usr/bin/env bash
# Runs every `sh` example of README.md, in the order written, in a fresh folder: the check that
# the README's examples keep working as a sequence (ReadmeExampleTests runs it on slices of the
# corpora; run it by hand for the real ones, which takes a while).
#
#   scripts/check-readme.sh [--corpora DIR] [--jikji PATH] [--keep]
#
# --corpora   a folder with nsmc/ and chatbot/ (default: the checkout's corpora/, see corpora/fetch.sh)
# --jikji     the jikji binary (default: .build/release/jikji)
# --keep      keep the work folder (printed at the end)
#
# Blocks fenced as ```sh are run; ```text blocks (synopses) are not, nor a block right after a
# `<!-- readme-check: skip … -->` line. The examples' `../shared/reference` is the reference
# folder ($JIKJI_REFERENCE_DIR, default ../shared/reference beside the checkout).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpora="$root/corpora"
jikji="$root/.build/release/jikji"
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --corpora) corpora="$2"; shift 2 ;;
        --jikji) jikji="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "check-readme: unknown argument $1" >&2; exit 2 ;;
    esac
done
reference="${JIKJI_REFERENCE_DIR:-$root/../shared/reference}"
for needed in "$corpora/nsmc" "$corpora/chatbot" "$reference" "$jikji"; do
    [ -e "$needed" ] || { echo "check-readme: $needed is missing" >&2; exit 2; }
done
corpora="$(cd "$corpora" && pwd)"
reference="$(cd "$reference" && pwd)"
jikji="$(cd "$(dirname "$jikji")" && pwd)/$(basename "$jikji")"

work="$(mktemp -d "${TMPDIR:-/tmp}/jikji-readme.XXXXXX")"
if [ "$keep" = 0 ]; then trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work/checkout/corpora" "$work/shared" "$work/bin"
ln -s "$corpora/nsmc" "$work/checkout/corpora/nsmc"
ln -s "$corpora/chatbot" "$work/checkout/corpora/chatbot"
ln -s "$reference" "$work/shared/reference"
cp -R "$root/jobs" "$work/checkout/jobs"
ln -s "$jikji" "$work/bin/jikji"

# The sh blocks in order, each introduced by a comment naming its README line.
awk '
    /^<!-- readme-check: skip/ { skip = 1; next }
    /^```sh[[:space:]]*$/ { if (!skip) { inside = 1; printf "\n# README.md line %d\n", NR }; skip = 0; next }
    /^```/ { inside = 0; skip = 0; next }
    inside { print; next }
    NF { skip = 0 }
' "$root/README.md" > "$work/examples.sh"

echo "check-readme: running $(grep -c '^# README.md line' "$work/examples.sh") blocks of README.md in $work/checkout" >&2
cd "$work/checkout"
# Every command must succeed (a pipeline's status is its last command's, so `| head` is fine).
PATH="$work/bin:$PATH" bash -e -x "$work/examples.sh"
echo "check-readme: every example ran" >&2
if [ "$keep" = 1 ]; then echo "$work"; fi
