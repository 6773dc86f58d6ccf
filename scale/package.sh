#!/usr/bin/env bash
# Builds a self-contained jikji for machines without Swift (Spark executors, cluster nodes):
#   swift build -c release --static-swift-stdlib   (the Swift runtime and Foundation linked in)
# then bundles the shared libraries the binary still needs that a plain Linux may lack, found
# with ldd: ICU (Debian's libicu*.so.72, a versioned soname other distributions do not ship) and
# SQLite. The C runtime (libc, libm, libstdc++, libgcc_s, the loader) stays the system's: a
# bundled glibc would not match the node's loader. OpenBLAS is not bundled: jikji opens it only
# when a command multiplies matrices (training, predict), never for counting or encoding; nodes
# that train need their own libopenblas.
#
#   bash scale/package.sh [OUT_DIR]      → OUT_DIR/jikji-linux-<arch>.tar.gz (default: .build/dist)
#
# The archive holds jikji/bin/jikji (a wrapper that points the loader at jikji/lib), jikji/bin/
# jikji.real and jikji/lib/. Ship it with spark-submit --archives jikji-linux-x86_64.tar.gz#jikji
# and run jikji/jikji/bin/jikji on executors (see scale/spark/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build/dist}
arch=$(uname -m)
scratch=.build/static
swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product jikji >&2
binary=$scratch/release/jikji

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/jikji/bin" "$stage/jikji/lib"
cp "$binary" "$stage/jikji/bin/jikji.real"
strip "$stage/jikji/bin/jikji.real" 2>/dev/null || true

# Every resolved library that is not part of the C runtime, which every node has.
system='^(linux-vdso|ld-linux|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|libstdc\+\+\.so|libgcc_s\.so|libutil\.so)'
ldd "$binary" | while read -r name arrow path rest; do
    [ "$arrow" = "=>" ] || continue
    if [ "$path" = "not" ]; then echo "package: $name is not found on this machine" >&2; exit 1; fi
    if [[ $name =~ $system ]]; then continue; fi
    case "$path" in
        */swift/*) echo "package: $name still comes from the Swift toolchain ($path): the static build did not link it" >&2; exit 1 ;;
    esac
    cp -L "$path" "$stage/jikji/lib/$name"
    echo "package: bundled $name (from $path)" >&2
done

cat > "$stage/jikji/bin/jikji" <<'WRAPPER'
#!/bin/sh
# jikji with the libraries bundled beside it (ICU, SQLite) ahead of the system's.
here=$(cd "$(dirname "$0")" && pwd)
LD_LIBRARY_PATH="$here/../lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/jikji.real" "$@"
WRAPPER
chmod +x "$stage/jikji/bin/jikji" "$stage/jikji/bin/jikji.real"

# The check: every library resolves inside the bundle or to the C runtime, and it runs.
missing=$(LD_LIBRARY_PATH="$stage/jikji/lib" ldd "$stage/jikji/bin/jikji.real" | grep -E "not found|/swift/" || true)
if [ -n "$missing" ]; then echo "package: unresolved after bundling: $missing" >&2; exit 1; fi
"$stage/jikji/bin/jikji" --version >/dev/null

mkdir -p "$out"
archive="$out/jikji-linux-$arch.tar.gz"
tar -C "$stage" -czf "$archive" jikji
echo "$archive"
LD_LIBRARY_PATH="$stage/jikji/lib" ldd "$stage/jikji/bin/jikji.real" | sed 's/^/  ldd: /' >&2
