#!/usr/bin/env bash
# Soak: `up`'s workers (recycled every RECYCLE_AFTER images, warm standby) over COUNT images of which
# POISON_PERCENT are poison inputs (a zTXt decompression bomb, a 9990x9990 PNG, a truncated JPEG, a
# non-image), on an embedded broker + S3 server on this machine. Not part of CI.
#
#   ops/bench/soak.sh IMAGES_DIR [COUNT=2000] [SLOTS=1] [RECYCLE_AFTER=50] [POISON_PERCENT=5] [STALL_MIN=10]
#   e.g. ops/bench/soak.sh ../shared/testdata/photos 120
#
# Prints a CSV line every 5 s (jobs done, ok, failed, recycles, crashes, RSS MB of each slot's active
# worker), then: the RESULT line (missing jobs, jobs with exactly one final state vs conflicting ones,
# duplicate results, throughput, recycles, crashes), failures and dead letters by code, what each kind
# of poison input got, every worker that did not retire by recycling, and the RSS curve per slot.
# It stops once every job has a result, or after STALL_MIN minutes without a new one (the jobs left
# are reported missing). The bombs are built once and cached in standalone/target/poison/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# the image directory may be relative to where we were called from; we cd below
if [ $# -ge 1 ] && [ -d "$1" ]; then set -- "$(cd "$1" && pwd)" "${@:2}"; fi
if [ $# -lt 1 ]; then sed -n '2,8p' "$0" >&2; exit 2; fi
cd "$HERE"
# One reactor build: sibling modules resolve to their target/classes, so a fresh clone needs no `mvn install`.
mvn -B -q -o -pl standalone -am test-compile dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test 1>&2
cd standalone
# io.cutflow modules from this checkout, not from ~/.m2 (which other checkouts overwrite)
DEPS="$(tr ':' '\n' < target/bench-classpath.txt | grep -v '/io/cutflow/' | paste -sd: -)"
OWN="$HERE/common/target/classes:$HERE/worker/target/classes:$HERE/ingest/target/classes"
exec java -Xmx768m -cp "target/test-classes:target/classes:$OWN:$DEPS" \
  io.cutflow.standalone.fault.SoakBench "$@"
