#!/usr/bin/env bash
# Job round-trip latency and jobs per minute through the local cluster (two node agents), over REST and NATS,
# with a bare NATS request-reply measured in the same run as the anchor. Results go into BENCHMARKS.md by hand.
#   scripts/bench-cluster.sh [JOBS_PER_RUN]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export VTPU_NATS_PORT="${VTPU_NATS_PORT:-14322}" VTPU_HTTP_PORT="${VTPU_HTTP_PORT:-18180}" VTPU_CLUSTER_DIR="$root/target/bench-cluster"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
./mvnw -q -B -pl vtpu-bench,scheduler-svc,node-agent -am install -DskipTests
rm -rf "$VTPU_CLUSTER_DIR"
scripts/local-cluster.sh start
trap 'scripts/local-cluster.sh stop' EXIT
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp vtpu-bench/target/benchmarks.jar ai.vtpu.bench.ClusterBench \
  "http://127.0.0.1:$VTPU_HTTP_PORT" "nats://127.0.0.1:$VTPU_NATS_PORT" "${VTPU_TOKEN:-dev-token}" "${1:-200}"
