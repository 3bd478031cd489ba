#!/usr/bin/env bash
# Serves web/dist (made by web/build.sh) on http://localhost:$PORT (default 8080).
set -euo pipefail
cd "$(dirname "$0")/dist" 2> /dev/null || {
    echo "web/serve.sh: no web/dist yet: run web/build.sh first" >&2
    exit 1
}
PORT="${PORT:-8080}"
echo "faaslab: http://localhost:$PORT/"
# .wasm as application/wasm (older Pythons do not know it); no caching, so a new
# build is what the next reload gets.
exec python3 - "$PORT" <<'PY'
import http.server, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".js": "text/javascript"}

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
