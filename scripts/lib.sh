# Shared by scripts/test, scripts/demo and bench/*: install and start the real parts Drover
# needs (dockerd, a registry, busybox test images) when they are not already there.
# Everything listens on loopback or a Unix socket.

DROVER_WORK=${DROVER_WORK:-/var/tmp/drover}
REGISTRY_PORT=${REGISTRY_PORT:-5055}
REGISTRY="127.0.0.1:${REGISTRY_PORT}"
STARTED_PIDS=()

log() { printf '==> %s\n' "$*" >&2; }

need_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  [[ -x /bin/busybox ]] || missing+=(busybox-static)
  [[ -f /usr/include/zlib.h ]] || missing+=(zlib1g-dev)
  command -v tmux >/dev/null || missing+=(tmux)
  command -v promtool >/dev/null || missing+=(prometheus)
  # The dashboard: xterm.js for its terminal (bundled by the server from node-xterm), and a
  # real browser for its tests.
  [[ -f /usr/share/nodejs/xterm/lib/public/Terminal.js ]] || missing+=(node-xterm)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  /usr/bin/python3 -c 'import selenium' 2>/dev/null || missing+=(python3-selenium)
  command -v docker-compose >/dev/null || [[ ${NEED_COMPOSE:-0} == 0 ]] || missing+=(docker-compose)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

engine_answers() {
  [[ -n ${DOCKER_HOST:-} ]] && timeout 5 docker version --format '{{.Server.APIVersion}}' >/dev/null 2>&1
}

# Address pools for the private dockerd's networks. Docker's defaults hold only 31 networks
# (172.17-31/16 and 192.168/16 in /20s), fewer still when bridges left by a dead engine keep
# their routes, and the tests run many apps at once: a CI run failed with "could not find an
# available, non-overlapping IPv4 address pool". These are 512 networks of 256 addresses each.
DOCKERD_ARGS=(--default-address-pool base=10.213.0.0/16,size=24 --default-address-pool base=10.214.0.0/16,size=24)

# containerd for the private dockerd, run by us rather than by dockerd: dockerd gives the
# containerd it starts itself 15 s to answer and then exits, and a CI run on a loaded machine
# failed there ("timeout waiting for containerd to start"). Here it gets two minutes, and a
# containerd left behind by a killed engine (it holds the metadata lock, so a new one would
# hang) is stopped first.
start_containerd() {
  local dir="$DROVER_WORK/docker"
  CONTAINERD_SOCK="$dir/containerd/containerd.sock"
  mkdir -p "$dir/containerd"
  stop_leftover "$dir/containerd.pid" containerd
  cat >"$dir/containerd.toml" <<TOML
version = 2
root = "$dir/data/containerd-root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[debug]
  address = "$dir/containerd/debug.sock"
TOML
  containerd --config "$dir/containerd.toml" >"$dir/containerd.log" 2>&1 &
  STARTED_PIDS+=($!)
  echo $! >"$dir/containerd.pid"
  for _ in $(seq 1 240); do
    timeout 5 ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1 && return
    sleep 0.5
  done
  tail -20 "$dir/containerd.log" >&2
  log "containerd did not start"
  return 1
}

# Stops the process named in pid file $1 if it is still a $2 (a leftover of a killed run).
stop_leftover() {
  local pid
  [[ -f $1 ]] || return 0
  pid=$(cat "$1")
  if [[ $pid =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]]; then
    log "stopping a $2 left behind by an earlier run (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

start_dockerd() {
  local dir="$DROVER_WORK/docker"
  dockerd "${DOCKERD_ARGS[@]}" --containerd "$CONTAINERD_SOCK" --host "$DOCKER_HOST" \
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" >>"$dir/dockerd.log" 2>&1 &
}

# Uses $DOCKER_HOST when it answers; otherwise starts a private containerd and dockerd on
# sockets of our own.
start_engine() {
  if engine_answers; then
    log "using the engine at $DOCKER_HOST"
    return
  fi
  local dir="$DROVER_WORK/docker"
  mkdir -p "$dir"
  export DOCKER_HOST="unix://$dir/docker.sock"
  if engine_answers; then
    log "using the engine at $DOCKER_HOST"
    return
  fi
  stop_leftover "$dir/docker.pid" dockerd
  log "starting a private containerd and dockerd at $DOCKER_HOST"
  start_containerd || return 1
  : >"$dir/dockerd.log"
  start_dockerd
  STARTED_PIDS+=($!)
  for _ in $(seq 1 240); do
    engine_answers && return
    sleep 0.5
  done
  tail -20 "$dir/dockerd.log" >&2
  log "dockerd did not start"
  return 1
}

# Stops the private dockerd (SIGTERM, as a shutdown or power button would) and starts it
# again on the same socket and data; for bench/chaos. Refuses an engine it did not start.
restart_engine() {
  local dir="$DROVER_WORK/docker"
  [[ $DOCKER_HOST == "unix://$dir/docker.sock" && -f $dir/docker.pid ]] || { log "restart_engine: not our private dockerd"; return 1; }
  local pid
  pid=$(cat "$dir/docker.pid")
  kill "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  CONTAINERD_SOCK="$dir/containerd/containerd.sock"
  start_dockerd
  # Stopped at exit only if this script had started the one it replaced.
  local i
  for i in "${!STARTED_PIDS[@]}"; do [[ ${STARTED_PIDS[$i]} == "$pid" ]] && STARTED_PIDS[$i]=$!; done
  for _ in $(seq 1 120); do
    engine_answers && return
    sleep 0.25
  done
  log "dockerd did not come back"
  return 1
}

registry_answers() { curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1; }

start_registry() {
  if registry_answers; then
    log "using the registry at $REGISTRY"
    return
  fi
  local dir="$DROVER_WORK/registry"
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $dir/data}
  delete: {enabled: true}
http:
  addr: $REGISTRY
YAML
  log "starting a registry at $REGISTRY"
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  STARTED_PIDS+=($!)
  for _ in $(seq 1 40); do
    registry_answers && return
    sleep 0.25
  done
  tail -20 "$dir/registry.log" >&2
  log "the registry did not start"
  return 1
}

# Multi-platform builds (drover push --platform): qemu-user-static through binfmt_misc, so the
# engine's classic builder runs an arm64 image's RUN steps on this amd64 machine, and the arm64
# static busybox from Debian (busybox-static:arm64) for test images FROM scratch. Prints the
# arm64 busybox's path. See the README's "Building for other platforms".
need_multiarch() {
  local missing=()
  command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
  command -v update-binfmts >/dev/null || missing+=(binfmt-support)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || true
    command -v qemu-aarch64-static >/dev/null || { log "cannot install qemu-user-static"; return 1; }
  fi
  [[ -e /proc/sys/fs/binfmt_misc/register ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  local dir="$DROVER_WORK/arm64"
  if [[ ! -x $dir/busybox ]]; then
    mkdir -p "$dir"
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
      dpkg --add-architecture arm64
      apt-get update -qq >/dev/null
    fi
    (cd "$dir" && apt-get download -qq busybox-static:arm64 >/dev/null 2>&1 && dpkg-deb -x busybox-static_*_arm64.deb root \
      && cp root/bin/busybox busybox && rm -rf root ./*.deb)
  fi
  [[ -x $dir/busybox ]] || { log "cannot fetch busybox-static:arm64"; return 1; }
  echo "$dir/busybox"
}

# Builds small images FROM scratch with a static busybox and pushes them to the registry:
# drover/busybox:1 and :2 differ by one file, so a test can swap one tag for another.
build_test_images() {
  local dir="$DROVER_WORK/images"
  mkdir -p "$dir"
  cp /bin/busybox "$dir/busybox"
  for version in 1 2; do
    cat >"$dir/Dockerfile.$version" <<DOCKERFILE
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /www /tmp && echo "drover test image $version" > /www/index.html && echo $version > /version
CMD ["/bin/sh"]
DOCKERFILE
    docker build -q -f "$dir/Dockerfile.$version" -t "$REGISTRY/drover/busybox:$version" "$dir" >/dev/null
    docker push -q "$REGISTRY/drover/busybox:$version" >/dev/null
  done
  docker tag "$REGISTRY/drover/busybox:1" drover/busybox:1
  log "test images pushed: $REGISTRY/drover/busybox:1 and :2"
}

stop_started() {
  # Newest first: the registry, then dockerd (which stops its containers), then containerd.
  local i pid
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${STARTED_PIDS[$i]}
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  done
}

# The five-service app of the agent benches (images from build_test_images): a store with a
# volume, a web server published on 127.0.0.1:$3, and three workers. $2 sets one worker's
# environment, so a new value is a one-service update.
write_bench_compose() { # FILE MODE PORT
  local image="$REGISTRY/drover/busybox:1" loop='["sh", "-c", "trap '"'exit 0'"' TERM; while true; do sleep 1 & wait; done"]'
  cat >"$1" <<YAML
services:
  store:
    image: $image
    command: $loop
    volumes: [store:/data]
  web:
    image: $image
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    ports: ["127.0.0.1:$3:8080"]
    depends_on: [store]
  worker:
    image: $image
    command: $loop
    environment: {MODE: "$2"}
    depends_on: [store]
  cache:
    image: $image
    command: $loop
  metrics:
    image: $image
    command: $loop
    depends_on: [web]
volumes:
  store:
YAML
}

# One device as in the field, on this machine: a local server (debug build), a fleet, and
# `$1 run` (the agent binary, or a command that ends in exec'ing it) enrolled with a
# provisioning key; the compose file $2 is released to the fleet, and this returns once the
# device reports that release running. Sets DEVICE_DIR (all state and logs), DEVICE_PID and
# DEVICE_SERVER_PID. stop_local_device ends both and removes the app with `$1 remove`.
start_local_device() { # AGENT COMPOSE
  local agent=$1 compose=$2 port release devices server_bin
  DEVICE_AGENT=$agent
  DEVICE_DIR=$(mktemp -d)
  port=$((18900 + RANDOM % 90))
  swift build --product drover >/dev/null
  server_bin="$(swift build --show-bin-path)/drover"
  mkdir -p "$DEVICE_DIR/home"
  "$server_bin" server --data "$DEVICE_DIR/server" --listen "127.0.0.1:$port" >"$DEVICE_DIR/server.log" 2>&1 &
  DEVICE_SERVER_PID=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1 && break; sleep 0.1; done
  DEVICE_CLI=(env HOME="$DEVICE_DIR/home" "$server_bin")
  "${DEVICE_CLI[@]}" login --server "http://127.0.0.1:$port" --token "$(cat "$DEVICE_DIR/server/admin-token")" >/dev/null
  "${DEVICE_CLI[@]}" fleet create local >/dev/null
  cat >"$DEVICE_DIR/agent.json" <<JSON
{"server": "http://127.0.0.1:$port", "provisioningKey": "$("${DEVICE_CLI[@]}" key create --fleet local)", "deviceName": "local",
 "engine": "$DOCKER_HOST", "stateDir": "$DEVICE_DIR/agent-state", "pollInterval": 30}
JSON
  "$agent" run --config "$DEVICE_DIR/agent.json" >"$DEVICE_DIR/agent.log" 2>&1 &
  DEVICE_PID=$!
  release=$("${DEVICE_CLI[@]}" release create --fleet local -f "$compose" | awk '{print $NF}')
  for _ in $(seq 1 240); do
    devices=$("${DEVICE_CLI[@]}" device list --fleet local -o json | tr -d ' \n')
    [[ $devices == *"\"release\":\"$release\""* && $devices == *'"status":"running"'* ]] && return 0
    sleep 0.5
  done
  log "the local device did not run release $release in 2 minutes; agent log: $DEVICE_DIR/agent.log"
  return 1
}

stop_local_device() {
  local uuid
  kill "$DEVICE_PID" 2>/dev/null && wait "$DEVICE_PID" 2>/dev/null || true
  uuid=$(sed -n 's/.*"uuid" *: *"\([^"]*\)".*/\1/p' "$DEVICE_DIR/agent-state/identity.json" 2>/dev/null || true)
  [[ -z $uuid ]] || "$DEVICE_AGENT" remove --app local --device "$uuid" --volumes >/dev/null || true
  kill "$DEVICE_SERVER_PID" 2>/dev/null && wait "$DEVICE_SERVER_PID" 2>/dev/null || true
  rm -rf "$DEVICE_DIR"
}
