#!/usr/bin/env bash
# Browser e2e of the console: Playwright drives Debian's Chromium against the real API serving
# the built console (build both first: `npx nx run admin-e2e:e2e` does). Without a Chromium it
# says so loudly and exits 0, so `npm test` stays usable on machines without a browser.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TZ=UTC
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  echo "################################################################################"
  echo "### SKIPPED: admin console browser e2e — no Chromium at $CHROMIUM"
  echo "### (apt-get install -y chromium, or set CHROMIUM_PATH)"
  echo "################################################################################"
  exit 0
fi
if [[ ! -f dist/apps/admin/browser/index.html || ! -f dist/apps/api/main.js ]]; then
  echo "admin e2e: build first: npx nx run-many -t build -p admin api" >&2
  exit 1
fi
export CHROMIUM_PATH="$CHROMIUM"
exec npx playwright test -c apps/admin-e2e/playwright.config.ts "$@"
