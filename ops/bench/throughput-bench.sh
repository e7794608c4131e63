#!/usr/bin/env bash
# CPU cost of the ingest's throughput topology per 1,000 results (ThroughputBench): the ingest
# topology with and without the windows, on TopologyTestDriver, in thread CPU time.
# Usage: ops/bench/throughput-bench.sh [RESULTS]   (default 20000)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$HERE"
mvn -B -q -o -pl ingest -am test-compile dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test 1>&2
cd ingest
DEPS="$(tr ':' '\n' < target/bench-classpath.txt | grep -v '/io/cutflow/' | paste -sd: -)"
exec java -Xmx512m -cp "target/test-classes:target/classes:$HERE/common/target/classes:$DEPS" \
  io.cutflow.ingest.stats.ThroughputBench "$@"
