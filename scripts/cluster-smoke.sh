#!/usr/bin/env bash
# The README's cluster walk-through, checked: start the local cluster, submit the GEMM example with the CLI and
# with curl, fetch the outputs and compare them byte for byte with a local `vtpu run`, then stop (agents drain).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export VTPU_NATS_PORT="${VTPU_NATS_PORT:-14422}" VTPU_HTTP_PORT="${VTPU_HTTP_PORT:-18280}" VTPU_CLUSTER_DIR="$root/target/smoke-cluster"
export VTPU_SERVER="http://127.0.0.1:$VTPU_HTTP_PORT" VTPU_TOKEN=dev-token VTPU_AGENT_SENTRONS=2
rm -rf "$VTPU_CLUSTER_DIR"
scripts/local-cluster.sh start
trap '"$root/scripts/local-cluster.sh" stop' EXIT
work="$root/target/smoke"
rm -rf "$work" && mkdir -p "$work" && cd "$work"

"$root/vtpu" asm "$root/examples/gemm.siwa" -o gemm.siw
"$root/vtpu" run gemm.siw --random-inputs 1 --save-inputs inputs --out C=local.npy
"$root/vtpu" nodes | tee nodes.txt
[ "$(grep -c ' UP ' nodes.txt)" -eq 2 ] || { echo "smoke: expected two node agents UP" >&2; exit 1; }

# The CLI: submit, wait with progress, fetch.
timeout 300 "$root/vtpu" submit gemm.siw --in A=inputs/A.npy --in B=inputs/B.npy --wait --out C=cli.npy
cmp local.npy cli.npy

# curl: the same job as JSON.
printf '{"program":{"format":"siw","data":"%s"},"inputs":{"A":"%s","B":"%s"}}' \
  "$(base64 -w0 gemm.siw)" "$(base64 -w0 inputs/A.npy)" "$(base64 -w0 inputs/B.npy)" > job.json
id=$(curl -fsS -H "Authorization: Bearer dev-token" -H "Content-Type: application/json" --data-binary @job.json \
  "$VTPU_SERVER/v1/jobs" | sed 's/.*"id":"\([^"]*\)".*/\1/')
for _ in $(seq 1 300); do
  curl -fsS -H "Authorization: Bearer dev-token" "$VTPU_SERVER/v1/jobs/$id" | grep -q '"status":"SUCCEEDED"' && break
  sleep 0.2
done
"$root/vtpu" status "$id" | grep -q '"status" : "SUCCEEDED"' || { echo "smoke: job $id did not succeed" >&2; exit 1; }
curl -fsS -H "Authorization: Bearer dev-token" "$VTPU_SERVER/v1/jobs/$id/outputs/C" -o curl.npy
cmp local.npy curl.npy
code=$(curl -s -o /dev/null -w '%{http_code}' "$VTPU_SERVER/v1/jobs")
[ "$code" = 401 ] || { echo "smoke: expected 401 without a token, got $code" >&2; exit 1; }

# A job larger than either agent (2 sentrons each, set above): spread over both agent processes, partial GEMMs added by an all-reduce over NATS.
"$root/vtpu" run "$root/examples/dp_gemm.siwa" --random-inputs 2 --sentrons 4 --save-inputs dp --out C=dp-local.npy
timeout 300 "$root/vtpu" submit "$root/examples/dp_gemm.siwa" --in A=dp/A.npy --in B=dp/B.npy --sentrons 4 --wait --out C=dp-cluster.npy
cmp dp-local.npy dp-cluster.npy

# router-svc: a sentron group over REST.
router="http://127.0.0.1:$((VTPU_HTTP_PORT + 3))"
curl -fsS -H "Authorization: Bearer dev-token" -H "Content-Type: application/json" \
  -d '{"name": "smoke", "members": [{"node": "node-1", "sentron": 0}, {"node": "node-2", "sentron": 0}]}' "$router/v1/groups" >/dev/null
curl -fsS -H "Authorization: Bearer dev-token" "$router/v1/groups/smoke" | grep -q '"node":"node-2"'

# A node agent killed (SIGKILL) in the middle of a spread job's all-reduce: the job is placed again, on the surviving
# agent and a new one, and finishes; the surviving agent's share of the first attempt does not hang.
cat > spin4.siwa <<'SIWA'
.tensor Y f32[8, 8] @1.1.1/1.1.1/1.1.2 output
.group 1 = 0..3
        S: SLI R1, 150000000 ^0
        wait s0 | S: CSET P0, Y
loop:   D: FILL T0, 8x8, 1.0 | C: LOOP R1, loop
        C: REDUCE T0, 1, sum ^0
        wait c0 | S: SCATTER T0, P0, 8x8 ^1
        wait s1
SIWA
id=$("$root/vtpu" submit spin4.siwa --sentrons 4)
for _ in $(seq 1 300); do
  "$root/vtpu" status "$id" | grep -q '"status" : "RUNNING"' && break
  sleep 0.1
done
kill -KILL "$(cat "$VTPU_CLUSTER_DIR/node-agent-2.pid")"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:-PrintWarnings \
  -Dvtpu.nats.url="nats://127.0.0.1:$VTPU_NATS_PORT" -Dquarkus.http.port="$((VTPU_HTTP_PORT + 4))" -Dvtpu.agent.node=node-3 \
  -Dvtpu.agent.sentrons=2 -jar "$root/node-agent/target/quarkus-app/quarkus-run.jar" >"$VTPU_CLUSTER_DIR/node-agent-3.log" 2>&1 &
echo $! >"$VTPU_CLUSTER_DIR/node-agent-3.pid"
timeout 300 "$root/vtpu" status "$id" --wait | tail -3
"$root/vtpu" status "$id" > killed.json
grep -q '"status" : "SUCCEEDED"' killed.json || { echo "smoke: the job of the killed agent did not finish" >&2; cat killed.json >&2; exit 1; }
grep -q 'node-3' killed.json || { echo "smoke: expected the job on node-3 after node-2 was killed" >&2; cat killed.json >&2; exit 1; }
"$root/vtpu" fetch "$id" Y -o killed-y.npy >/dev/null
echo "cluster smoke: CLI and curl results equal the local run; a job spread over both agents equals the one-host run; 401 without a token; groups; a killed agent's spread job finished on another"

