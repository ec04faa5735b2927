#!/usr/bin/env bash
# Runs every test of xuexibot on a fresh machine that has only Go.
#
# It installs what the tests need when it is missing (Debian's redis-server,
# redis-tools and chromium), starts throwaway Redis servers on free loopback
# ports (one single server and a 3-node Cluster), runs gofmt, go vet,
# go test -race ./... and a short bounded fuzz run of the command parser,
# and stops the servers again, whatever happened.
#
#   scripts/test.sh            everything
#   scripts/test.sh ./store/... only those packages (servers still started)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '== %s\n' "$*" >&2; }

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ((${#missing[@]})); then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	log "installing ${missing[*]} (apt-get)"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# in_use PORT: true when something listens on 127.0.0.1:PORT (or its cluster bus port).
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_redis NAME [ARGS...]: starts redis-server on a free port and sets
# $port. (Not run in $(...): the server would hold the substitution's pipe,
# and its pid would be lost with the subshell.)
start_redis() {
	local name=$1
	shift
	for _ in $(seq 50); do
		port=$((20000 + RANDOM % 30000))
		in_use "$port" || in_use $((port + 10000)) || break
	done
	mkdir -p "$work/$name"
	redis-server --bind 127.0.0.1 --port "$port" --dir "$work/$name" --save "" --appendonly no \
		--daemonize no --logfile "$work/$name/log" "$@" >/dev/null 2>&1 </dev/null &
	pids+=($!)
	for _ in $(seq 100); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && return
		sleep 0.1
	done
	log "redis-server $name did not start:"; cat "$work/$name/log" >&2
	return 1
}

start_redis single
export XUEXIBOT_TEST_REDIS="127.0.0.1:$port"
nodes=()
for i in 1 2 3; do
	start_redis "cluster$i" --cluster-enabled yes --cluster-config-file "$work/cluster$i.conf"
	nodes+=("127.0.0.1:$port")
done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$work/cluster-create.log" 2>&1 ||
	{ cat "$work/cluster-create.log" >&2; exit 1; }
for _ in $(seq 100); do
	ok=0
	for n in "${nodes[@]}"; do
		redis-cli -h "${n%:*}" -p "${n#*:}" cluster info | grep -q cluster_state:ok && ok=$((ok + 1))
	done
	[ "$ok" = 3 ] && break
	sleep 0.1
done
export XUEXIBOT_TEST_REDIS_CLUSTER
XUEXIBOT_TEST_REDIS_CLUSTER=$(IFS=,; echo "${nodes[*]}")
log "redis $XUEXIBOT_TEST_REDIS, cluster $XUEXIBOT_TEST_REDIS_CLUSTER"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then log "gofmt would change:"; echo "$unformatted" >&2; exit 1; fi
log "go vet"
go vet ./...

pkgs=("$@")
((${#pkgs[@]})) || pkgs=(./...)
log "go test -race ${pkgs[*]}"
go test -race -count=1 -timeout 20m "${pkgs[@]}"

if [ $# -eq 0 ]; then
	# A count, not a duration: Go 1.26's fuzz coordinator can report a
	# spurious "context deadline exceeded" when a duration runs out
	# (golang/go#75804, fixed in 1.27). 50000 inputs take a few seconds.
	log "fuzzing the command parser (50000 inputs)"
	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 50000x ./commands
fi
log "all tests passed"
