#!/usr/bin/env bash
# Worker-recycling measurements: RSS over the run, handover gaps, throughput with vs without recycling,
# partition moves. Runs an embedded broker + S3 server and real worker processes on this machine.
#
#   ops/bench/recycle-bench.sh IMAGES_DIR COUNT SLOTS RECYCLE_AFTER[,RECYCLE_AFTER...] [THREADS]
#   e.g. ops/bench/recycle-bench.sh ../shared/testdata/photos 200 1 50,0 2
#
# Each RECYCLE_AFTER (0 = never) is one configuration, run in sequence on the same stack; the
# "RESULT" lines carry the figures, the CSV lines the RSS curve (MB of each slot's active worker).
# assignments_moved: assignments after each slot's baseline (its first assignment, taken once every
# slot has joined and the group has settled) whose partitions differ from it; 0 = no recycle moved
# anyone's partitions. revocations: REVOKED lines (partitions revoked or lost) after the baseline.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# the image directory may be relative to where we were called from; we cd below
if [ $# -ge 1 ] && [ -d "$1" ]; then set -- "$(cd "$1" && pwd)" "${@:2}"; fi
cd "$HERE"
# One reactor build: sibling modules resolve to their target/classes, so a fresh clone needs no `mvn install`.
mvn -B -q -o -pl standalone -am test-compile dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test 1>&2
cd standalone
# io.cutflow modules from this checkout, not from ~/.m2 (which other checkouts overwrite)
DEPS="$(tr ':' '\n' < target/bench-classpath.txt | grep -v '/io/cutflow/' | paste -sd: -)"
OWN="$HERE/common/target/classes:$HERE/worker/target/classes:$HERE/ingest/target/classes"
exec java -Xmx512m -cp "target/test-classes:target/classes:$OWN:$DEPS" \
  io.cutflow.standalone.recycle.RecycleBench "$@"
