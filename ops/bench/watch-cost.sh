#!/usr/bin/env bash
# What `cutflow watch s3://…` costs on a bucket where nothing is new: OBJECTS small objects in a bucket
# of the embedded S3 server (S3Proxy), one scan to publish them, then SCANS idle scans. Prints wall
# time, the watcher's CPU, the S3 server's CPU and ListObjectsV2 pages per scan and per minute at the
# default cutflow.watch.interval-ms (5 s). Not part of CI.
#
#   ops/bench/watch-cost.sh [OBJECTS=10000] [SCANS=10]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$HERE"
# One reactor build: sibling modules resolve to their target/classes, so a fresh clone needs no `mvn install`.
mvn -B -q -o -pl standalone -am test-compile dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test 1>&2
cd standalone
# io.cutflow modules from this checkout, not from ~/.m2 (which other checkouts overwrite)
DEPS="$(tr ':' '\n' < target/bench-classpath.txt | grep -v '/io/cutflow/' | paste -sd: -)"
OWN="$HERE/common/target/classes:$HERE/worker/target/classes:$HERE/ingest/target/classes"
exec java -Xmx512m -cp "target/test-classes:target/classes:$OWN:$DEPS" \
  io.cutflow.standalone.bucket.WatchCostBench "$@"
