#!/usr/bin/env bash
# Runs every `python` and `js` block of host/README.md, exactly as written
# there, against a fresh `rest_host --tls`, with the official SDKs at the
# versions the README names: b24pysdk in a virtual environment and
# @bitrix24/b24jssdk in an npm prefix, both under the cargo target
# directory. The certificate is trusted through each runtime's usual
# setting (REQUESTS_CA_BUNDLE and SSL_CERT_FILE, NODE_EXTRA_CA_CERTS). A
# runtime that is missing is reported with a `SKIPPED:` line; a block that
# fails, or an install that fails, fails the run.
set -euo pipefail
cd "$(dirname "$0")/../../.."

B24PYSDK_VERSION=1.3.2
B24JSSDK_VERSION=2.2.0
INSTALL_SECONDS=300
SNIPPET_SECONDS=60
README=host/README.md

target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
work="$target_dir/sdk-check"
mkdir -p "$work"

# The host binary as cargo built it, wherever its configuration put it.
rest_host=$(cargo build --quiet -p imbot-like-host --bin rest_host --message-format=json-render-diagnostics |
    sed -n 's/.*"executable":"\([^"]*rest_host\)".*/\1/p' | tail -n 1)
if [ -z "$rest_host" ]; then
    echo "cargo reported no rest_host executable" >&2
    exit 1
fi

# Writes the README's blocks of one language to DIR/snippet-N.EXT and
# prints their paths.
extract() {
    local lang=$1 dir=$2 ext=$3
    awk -v lang="$lang" -v dir="$dir" -v ext="$ext" '
        /^```/ {
            if (out != "") { close(out); print out; out = ""; next }
            if ($0 == "```" lang) { n++; out = sprintf("%s/snippet-%d.%s", dir, n, ext); printf "" > out; next }
        }
        out != "" { print > out }' "$README"
}

host_pid=
stop_host() {
    if [ -n "$host_pid" ]; then
        kill "$host_pid" 2>/dev/null || true
        wait "$host_pid" 2>/dev/null || true
        host_pid=
    fi
}
trap stop_host EXIT

# Starts a fresh host with a new certificate; sets REST_HOST and CERT.
start_host() {
    CERT="$work/rest_host.pem"
    rm -f "$CERT" "$work/host.out"
    "$rest_host" --tls --port 0 --tls-cert-out "$CERT" --log warn >"$work/host.out" 2>"$work/host.err" &
    host_pid=$!
    for _ in $(seq 100); do
        REST_HOST=$(sed -n 's|^listening on https://||p' "$work/host.out")
        [ -n "$REST_HOST" ] && return 0
        sleep 0.1
    done
    echo "rest_host did not start:" >&2
    cat "$work/host.err" >&2
    exit 1
}

passed=0
failed=0
# Runs one snippet with the command given, on a fresh host.
run_snippet() {
    local snippet=$1
    shift
    start_host
    if REST_HOST="$REST_HOST" REQUESTS_CA_BUNDLE="$CERT" SSL_CERT_FILE="$CERT" NODE_EXTRA_CA_CERTS="$CERT" \
        timeout "$SNIPPET_SECONDS" "$@" "$snippet"; then
        echo "ok: $snippet"
        passed=$((passed + 1))
    else
        echo "FAILED: $snippet (the $README block it was taken from)" >&2
        failed=$((failed + 1))
    fi
    stop_host
}

python_snippets() {
    if ! command -v python3 >/dev/null; then
        echo "SKIPPED: b24pysdk snippets (no python3)"
        return
    fi
    local venv="$work/venv"
    # A virtual environment left without pip (python3 without ensurepip)
    # is made anew, and skipped if it still has none.
    if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
        rm -rf "$venv"
        if ! python3 -m venv "$venv" || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
            echo "SKIPPED: b24pysdk snippets (python3 cannot make a virtual environment with pip)"
            return
        fi
    fi
    timeout "$INSTALL_SECONDS" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "b24pysdk==$B24PYSDK_VERSION"
    mkdir -p "$work/python"
    for snippet in $(extract python "$work/python" py); do
        run_snippet "$snippet" "$venv/bin/python"
    done
}

js_snippets() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "SKIPPED: b24jssdk snippets (no node or npm)"
        return
    fi
    local prefix="$work/js"
    mkdir -p "$prefix"
    timeout "$INSTALL_SECONDS" npm install --prefix "$prefix" --no-audit --no-fund --silent \
        "@bitrix24/b24jssdk@$B24JSSDK_VERSION"
    # Written inside the prefix, so that `import` finds its node_modules.
    for snippet in $(extract js "$prefix" mjs); do
        run_snippet "$snippet" node
    done
}

python_snippets
js_snippets
echo "sdk snippets: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
