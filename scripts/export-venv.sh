# Sourced by the issue-18 check scripts: the virtual environment under the checkout
# (.build/venv-export, kept between runs) with the PyPI packages each check needs.
#   ensure_export_venv PACKAGE... — sets VENV_PY, or returns 1 (offline, no venv) after saying so.
#   resolve_jikji — sets JIKJI to an absolute path of the release binary ($JIKJI or
#   .build/release/jikji, built when missing) and links the corpora.
EXPORT_VENV="${JIKJI_EXPORT_VENV:-.build/venv-export}"
ensure_export_venv() {
    if [ ! -x "$EXPORT_VENV/bin/python" ]; then
        python3 -m venv "$EXPORT_VENV" || { echo "no python3 venv available" >&2; return 1; }
    fi
    local missing=()
    for spec in "$@"; do
        local module="${spec%%[=<>]*}"
        module="${module//-/_}"
        "$EXPORT_VENV/bin/python" -c "import $module" 2>/dev/null || missing+=("$spec")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        "$EXPORT_VENV/bin/pip" install --quiet --disable-pip-version-check "${missing[@]}" \
            || { echo "could not install ${missing[*]} from PyPI" >&2; return 1; }
    fi
    VENV_PY="$EXPORT_VENV/bin/python"
}

resolve_jikji() {
    JIKJI="${JIKJI:-.build/release/jikji}"
    if [ ! -x "$JIKJI" ]; then swift build -c release --product jikji; fi
    JIKJI="$(cd "$(dirname "$JIKJI")" && pwd)/$(basename "$JIKJI")"
    bash corpora/fetch.sh >/dev/null
}
