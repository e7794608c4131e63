#!/usr/bin/env bash
# The README's test command: the Maven suite (unit, model-backed and end-to-end tests on a real
# broker and S3 server; it fetches the model and the servers itself), then the observability check
# against a real Prometheus (installs Debian's prometheus package when it is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -ntp verify
ops/check-observability.sh --table target/observability-table.md
