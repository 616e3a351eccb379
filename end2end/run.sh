#!/usr/bin/env bash
# Runs Berth's browser tests against an already built server and site.
# BERTH_BIN and CHROMIUM may point at other builds; see end2end/README.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec node --test --test-concurrency=1 end2end/tests/*.test.mjs
