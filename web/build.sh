#!/usr/bin/env bash
# Builds the app for the browser into web/dist (index.html, JS glue, .wasm): a static
# site any web server can serve (web/serve.sh serves it locally).
#
#   web/build.sh                        size-optimised (profile `web`)
#   FAASLAB_WASM_OPT=0 web/build.sh     skip wasm-opt
#   WASM_OPT=path/to/wasm-opt web/build.sh
#
# Installs what it needs: the wasm32 Rust target and wasm-bindgen-cli at the exact
# version in Cargo.lock (the CLI and the library must match). wasm-opt (binaryen) must
# be version 120 or newer: older ones (Debian 12's 108) break wasm-bindgen's reference
# table, and the page fails with "WebAssembly.Table.set(): Argument 1 is invalid".
# `npm install binaryen` has a recent one (node_modules/.bin/wasm-opt; slow, as it
# runs compiled to JavaScript: about 10 minutes here). Without a usable wasm-opt the
# .wasm is left as rustc made it (about 30 MB, 8 MB gzipped, instead of 19 and 6.5).
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${FAASLAB_WEB_PROFILE:-web}"
TARGET=wasm32-unknown-unknown
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/faaslab-wasm}"
OUT=web/dist

if ! rustup target list --installed | grep -qx "$TARGET"; then
    echo "== adding the Rust target $TARGET"
    rustup target add "$TARGET"
fi

WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$WBG_VERSION" ]; then
    echo "web/build.sh: no wasm-bindgen in Cargo.lock" >&2
    exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')" != "$WBG_VERSION" ]; then
    echo "== installing wasm-bindgen-cli $WBG_VERSION (the version in Cargo.lock)"
    cargo install wasm-bindgen-cli --version "$WBG_VERSION"
fi

echo "== cargo build --profile $PROFILE --target $TARGET"
started=$SECONDS
cargo build --target "$TARGET" --profile "$PROFILE"
echo "cargo build: $((SECONDS - started)) s"

rm -rf "$OUT"
mkdir -p "$OUT"
wasm-bindgen --target web --no-typescript --out-dir "$OUT" --out-name faaslab \
    "$CARGO_TARGET_DIR/$TARGET/$PROFILE/faaslab.wasm"

WASM="$OUT/faaslab_bg.wasm"
WASM_OPT="${WASM_OPT:-wasm-opt}"
WASM_OPT_VERSION=$("$WASM_OPT" --version 2> /dev/null | awk '{ print $3 }' || true)
if [ "${FAASLAB_WASM_OPT:-1}" = 0 ]; then
    echo "wasm-opt skipped (FAASLAB_WASM_OPT=0)"
elif [ -z "$WASM_OPT_VERSION" ]; then
    echo "warning: no wasm-opt (npm install binaryen; WASM_OPT=its path): the .wasm is not optimised further" >&2
elif [ "$WASM_OPT_VERSION" -lt 120 ] 2> /dev/null; then
    echo "warning: wasm-opt $WASM_OPT_VERSION is too old (it breaks the app; 120 or newer needed):" \
        "the .wasm is not optimised further" >&2
else
    echo "== wasm-opt -Oz (version $WASM_OPT_VERSION)"
    started=$SECONDS
    # The features rustc's wasm32 target uses by default; wasm-opt must accept them.
    if "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        "$WASM" -o "$WASM.opt"; then
        mv "$WASM.opt" "$WASM"
        echo "wasm-opt: $((SECONDS - started)) s"
    else
        rm -f "$WASM.opt"
        echo "warning: wasm-opt failed (see above): the .wasm is not optimised further" >&2
    fi
fi

cp web/index.html "$OUT/"
# The fonts, the node icons and the favicon: the app's asset server fetches assets/
# beside the page.
mkdir -p "$OUT/assets"
cp -r assets/fonts assets/icons assets/favicon.png "$OUT/assets/"
raw=$(stat -c %s "$WASM")
gzipped=$(gzip -9 -c "$WASM" | wc -c)
echo "web/dist: faaslab_bg.wasm $((raw / 1024)) KiB, gzipped $((gzipped / 1024)) KiB (profile $PROFILE)"
