#!/usr/bin/env bash
# End-to-end check of the browser build: builds web/dist (or reuses it), serves it on
# localhost, and drives headless Chromium (WebGL through SwiftShader) with web/e2e.py:
# the app starts and draws without a panic or console error, share links restore their
# knobs, a damaged link is refused gracefully, and the browser's report of the default
# scenario equals the native build's; without WebGL2 the page says so.
#
#   web/e2e.sh                                   build as web/build.sh does
#   FAASLAB_WASM_OPT=0 web/e2e.sh                without wasm-opt (CI: it only saves size)
#   FAASLAB_E2E_REUSE=1 web/e2e.sh               use web/dist as it is, when there is one
#   FAASLAB_NATIVE=path/to/faaslab web/e2e.sh    compare with this build's report
#
# Installs what it needs (Debian packages chromium and imagemagick; the wasm target
# and wasm-bindgen-cli through web/build.sh). The screenshot and logs are left
# in $FAASLAB_E2E_OUT (default /tmp/faaslab-e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
OUT="${FAASLAB_E2E_OUT:-/tmp/faaslab-e2e}"
mkdir -p "$OUT"

missing=()
command -v chromium > /dev/null || missing+=(chromium)
command -v convert > /dev/null || missing+=(imagemagick)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

if [ "${FAASLAB_E2E_REUSE:-0}" = 1 ] && [ -f web/dist/faaslab_bg.wasm ]; then
    echo "== reusing web/dist"
else
    web/build.sh
fi

echo "== the native report of the default scenario"
# $FAASLAB_NATIVE: a faaslab binary already built (CI's); otherwise a core build.
native="${FAASLAB_NATIVE:-}"
if [ -z "$native" ]; then
    core_target="${FAASLAB_CORE_TARGET:-/var/tmp/faaslab-core}"
    CARGO_TARGET_DIR="$core_target" cargo build --no-default-features --quiet
    native="$core_target/debug/faaslab"
fi
"$native" run --format json > "$OUT/report-native.json"

# A free port, so several checks (or a developer's serve.sh) do not collide.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORT=$PORT web/serve.sh > "$OUT/serve.log" 2>&1 &
server=$!
trap 'kill $server 2> /dev/null || true' EXIT
for _ in $(seq 50); do
    curl -fs "http://127.0.0.1:$PORT/" > /dev/null && break
    sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/" > /dev/null || {
    echo "web/e2e.sh: the server did not answer on port $PORT; see $OUT/serve.log" >&2
    exit 1
}

echo "== headless Chromium on http://127.0.0.1:$PORT/"
# A hard limit: a hung browser must not hang CI.
timeout 900 python3 web/e2e.py --url "http://127.0.0.1:$PORT/" --out "$OUT" \
    --native-report "$OUT/report-native.json"
echo "== without WebGL2 the page says so instead of failing silently"
profile=$(mktemp -d)
timeout 120 chromium --headless=new --no-sandbox --disable-3d-apis --user-data-dir="$profile" \
    --virtual-time-budget=10000 --dump-dom "http://127.0.0.1:$PORT/" > "$OUT/no-webgl2.html" 2> /dev/null || true
rm -rf "$profile"
if grep -q 'data-faaslab="failed"' "$OUT/no-webgl2.html" && grep -q "has no WebGL2" "$OUT/no-webgl2.html"; then
    echo "ok: without WebGL2 the page shows its message"
else
    echo "FAILED: without WebGL2 the page did not say so; see $OUT/no-webgl2.html" >&2
    exit 1
fi
echo "web/e2e.sh: passed in $((SECONDS - started)) s"
