#!/usr/bin/env bash
# The README's test command: the Maven suite (unit, model-backed and end-to-end tests on a real
# broker and S3 server; it fetches the model and the servers itself; the web UI's browser test drives
# Debian's chromium through its chromedriver, installed here when missing), then the observability
# check against a real Prometheus (installs Debian's prometheus package when it is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/chromium ]; then
  echo "[test] installing Debian's chromium and chromium-driver (the web UI's browser test)" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver >/dev/null
fi
mvn -B -ntp verify
ops/check-observability.sh --table target/observability-table.md
