#!/usr/bin/env bash
# The whole system on one machine: nats-server (JetStream), scheduler-svc, router-svc and two node agents as local
# processes.
#
#   scripts/local-cluster.sh up      start everything, print how to use it, stop everything on Ctrl-C
#   scripts/local-cluster.sh start   start everything in the background and return
#   scripts/local-cluster.sh stop    stop what 'start' started
#   scripts/local-cluster.sh status  show what runs
#
# Settings (environment): VTPU_NATS_PORT (4222), VTPU_HTTP_PORT (8080; the agents take the next two, the router the third),
# VTPU_AGENT_SENTRONS (the host's cores), VTPU_TOKEN (dev-token), VTPU_CLUSTER_DIR (target/local-cluster).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dir="${VTPU_CLUSTER_DIR:-$root/target/local-cluster}"
nats_port="${VTPU_NATS_PORT:-4222}"
http_port="${VTPU_HTTP_PORT:-8080}"
token="${VTPU_TOKEN:-dev-token}"
sentrons="${VTPU_AGENT_SENTRONS:-$(nproc)}"

if [ -z "${JAVA_HOME:-}" ] || ! "${JAVA_HOME}/bin/java" -version 2>&1 | grep -q 'version "25'; then
  if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
  else
    echo "local-cluster: needs JDK 25; set JAVA_HOME to it" >&2; exit 2
  fi
fi
java="$JAVA_HOME/bin/java"
jvm=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:-PrintWarnings)

stop() {
  # Agents first (SIGTERM: they drain, finishing or handing back their work), then the scheduler, then NATS.
  for group in "node-agent-*" "scheduler-svc" "router-svc" "nats-server"; do
    for f in "$dir"/$group.pid; do
      [ -e "$f" ] || continue
      kill -TERM "$(cat "$f")" 2>/dev/null || true
    done
    for f in "$dir"/$group.pid; do
      [ -e "$f" ] || continue
      pid="$(cat "$f")"
      for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$f"
    done
  done
}

status() {
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || { echo "nothing runs"; return; }
    name="$(basename "$f" .pid)"
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: stopped"; fi
  done
}

wait_ready() { # name url
  for _ in $(seq 1 300); do
    if curl -fsS "$2" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; then
      echo "local-cluster: $1 exited; its log ($dir/$1.log):" >&2; tail -30 "$dir/$1.log" >&2; stop; exit 1
    fi
    sleep 0.1
  done
  echo "local-cluster: $1 not ready after 30 s; log: $dir/$1.log" >&2; stop; exit 1
}

start() {
  command -v nats-server >/dev/null || { echo "local-cluster: nats-server is not installed (apt-get install -y nats-server)" >&2; exit 1; }
  command -v curl >/dev/null || { echo "local-cluster: curl is not installed (apt-get install -y curl)" >&2; exit 1; }
  if [ -n "$(ls "$dir"/*.pid 2>/dev/null)" ]; then
    echo "local-cluster: already started ($dir); 'scripts/local-cluster.sh stop' first" >&2; exit 1
  fi
  sched="$root/scheduler-svc/target/quarkus-app/quarkus-run.jar"
  agent="$root/node-agent/target/quarkus-app/quarkus-run.jar"
  router="$root/router-svc/target/quarkus-app/quarkus-run.jar"
  if [ ! -f "$sched" ] || [ ! -f "$agent" ] || [ ! -f "$router" ] \
     || [ -n "$(find "$root" -path "$root/*/src/main/*" \( -newer "$sched" -o -newer "$router" \) -print -quit 2>/dev/null)" ]; then
    echo "local-cluster: building scheduler-svc, router-svc and node-agent ..." >&2
    ./mvnw -q -B -pl scheduler-svc,router-svc,node-agent -am install -DskipTests >&2
  fi
  for p in "$nats_port" "$http_port" "$((http_port + 1))" "$((http_port + 2))" "$((http_port + 3))"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "local-cluster: port $p is in use (another cluster? stop it, or set VTPU_NATS_PORT / VTPU_HTTP_PORT)" >&2; exit 1
    fi
  done
  mkdir -p "$dir/nats"
  nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$dir/nats" >"$dir/nats-server.log" 2>&1 &
  echo $! >"$dir/nats-server.pid"
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$nats_port") 2>/dev/null && break; sleep 0.1; done
  url="nats://127.0.0.1:$nats_port"
  "$java" "${jvm[@]}" -Dvtpu.nats.url="$url" -Dquarkus.http.port="$http_port" -Dvtpu.api.tokens="$token" \
    -jar "$sched" >"$dir/scheduler-svc.log" 2>&1 &
  echo $! >"$dir/scheduler-svc.pid"
  "$java" "${jvm[@]}" -Dvtpu.nats.url="$url" -Dquarkus.http.port="$((http_port + 3))" -Dvtpu.api.tokens="$token" \
    -jar "$router" >"$dir/router-svc.log" 2>&1 &
  echo $! >"$dir/router-svc.pid"
  for i in 1 2; do
    "$java" "${jvm[@]}" -Dvtpu.nats.url="$url" -Dquarkus.http.port="$((http_port + i))" -Dvtpu.agent.node="node-$i" \
      -Dvtpu.agent.sentrons="$sentrons" -jar "$agent" >"$dir/node-agent-$i.log" 2>&1 &
    echo $! >"$dir/node-agent-$i.pid"
  done
  wait_ready scheduler-svc "http://127.0.0.1:$http_port/q/health/ready"
  wait_ready node-agent-1 "http://127.0.0.1:$((http_port + 1))/q/health/ready"
  wait_ready node-agent-2 "http://127.0.0.1:$((http_port + 2))/q/health/ready"
  wait_ready router-svc "http://127.0.0.1:$((http_port + 3))/q/health/ready"
  # The scheduler lists the agents once their first heartbeats arrive.
  for _ in $(seq 1 50); do
    [ "$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port/v1/nodes" | grep -o '"health":"UP"' | wc -l)" -ge 2 ] && break
    sleep 0.1
  done
  cat <<MSG
vTPU local cluster is up (logs and state in $dir):
  NATS        $url (JetStream)
  scheduler   http://127.0.0.1:$http_port   (token: $token; OpenAPI at /q/openapi, health at /q/health)
  node-1      http://127.0.0.1:$((http_port + 1))   ($sentrons sentrons)
  node-2      http://127.0.0.1:$((http_port + 2))   ($sentrons sentrons)
  router      http://127.0.0.1:$((http_port + 3))   (groups, routes, relay; same token)
Try:  ./vtpu nodes
      ./vtpu submit examples/mlp.ir --in x=x.npy ... --wait      (README: "A local cluster")
MSG
}

case "${1:-up}" in
  up) start; trap 'echo; echo "stopping ..."; stop' INT TERM EXIT; echo "(Ctrl-C stops it)"; while true; do sleep 3600; done ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: scripts/local-cluster.sh [up|start|stop|status]" >&2; exit 2 ;;
esac
