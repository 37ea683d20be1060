#!/usr/bin/env bash
# with-minio.sh CMD [ARG...]
#
# Runs CMD with a private, throw-away MinIO server: installs MinIO into
# $REPO/.cache/bin if it is missing, starts it on a free 127.0.0.1 port with a
# temporary data directory and its own root credentials, waits until it is
# live, exports the AWS_* settings the S3 store reads, runs CMD, then always
# stops MinIO and removes the data directory. Exits with CMD's exit code.
#
# Exported to CMD:
#   AWS_ENDPOINT_URL=http://127.0.0.1:PORT  AWS_ACCESS_KEY_ID  AWS_SECRET_ACCESS_KEY
#   AWS_REGION=us-east-1  CAIRN_MINIO_PID (the server's pid, so a test can stop it)
#
# Settings: MINIO_BIN (a minio binary to use instead of the cached one),
# MINIO_START_TIMEOUT (seconds to wait for readiness, default 60).
set -euo pipefail

if [[ $# -eq 0 ]]; then
	echo "usage: scripts/with-minio.sh CMD [ARG...]" >&2
	exit 2
fi

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
CACHE_BIN=$REPO/.cache/bin
START_TIMEOUT=${MINIO_START_TIMEOUT:-60}

log() { echo "with-minio: $*" >&2; }

# --- install -----------------------------------------------------------------
minio_bin=${MINIO_BIN:-$CACHE_BIN/minio}
if [[ ! -x $minio_bin ]]; then
	if [[ -n ${MINIO_BIN:-} ]]; then
		log "MINIO_BIN=$MINIO_BIN is not an executable file"
		exit 2
	fi
	mkdir -p "$CACHE_BIN"
	# One build at a time: concurrent callers wait for the first one.
	exec 9>"$REPO/.cache/minio-install.lock"
	if command -v flock >/dev/null; then flock 9; fi
	if [[ ! -x $minio_bin ]]; then
		log "installing MinIO $MINIO_VERSION into $CACHE_BIN (a few minutes the first time)"
		if ! GOBIN=$CACHE_BIN go install "github.com/minio/minio@$MINIO_VERSION"; then
			log "go install github.com/minio/minio@$MINIO_VERSION failed"
			exit 2
		fi
	fi
	exec 9>&-
fi

# --- start -------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-minio.XXXXXX")
minio_pid=
cleanup() {
	if [[ -n $minio_pid ]] && kill -0 "$minio_pid" 2>/dev/null; then
		kill -TERM "$minio_pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$minio_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$minio_pid" 2>/dev/null || true
		wait "$minio_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! port_in_use "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

is_live() {
	if command -v curl >/dev/null; then
		curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/minio/health/live" 2>/dev/null
	else
		local status
		exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
		printf 'GET /minio/health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		read -r -t 2 _ status _ <&3 || true
		exec 3>&-
		[[ $status == 200 ]]
	fi
}

user=cairn-$RANDOM$RANDOM
password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
logfile=$tmp/minio.log
mkdir -p "$tmp/data"

started=
for try in 1 2 3; do
	port=$(free_port) || { log "no free port found on 127.0.0.1"; exit 2; }
	MINIO_ROOT_USER=$user MINIO_ROOT_PASSWORD=$password MINIO_BROWSER=off \
		MINIO_UPDATE=off MINIO_CI_CD=on \
		"$minio_bin" server --quiet --anonymous --address "127.0.0.1:$port" "$tmp/data" \
		>"$logfile" 2>&1 &
	minio_pid=$!
	deadline=$((SECONDS + START_TIMEOUT))
	while ((SECONDS < deadline)); do
		if ! kill -0 "$minio_pid" 2>/dev/null; then
			break
		fi
		if is_live "$port"; then
			started=1
			break
		fi
		sleep 0.2
	done
	[[ -n $started ]] && break
	if kill -0 "$minio_pid" 2>/dev/null; then
		log "MinIO did not become live on 127.0.0.1:$port within ${START_TIMEOUT}s; log tail:"
		tail -n 30 "$logfile" >&2 || true
		exit 2
	fi
	wait "$minio_pid" 2>/dev/null || true
	minio_pid=
	log "MinIO exited while starting on port $port (try $try); log tail:"
	tail -n 30 "$logfile" >&2 || true
done
if [[ -z $started ]]; then
	log "could not start MinIO ($minio_bin)"
	exit 2
fi

# --- run ---------------------------------------------------------------------
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=$user
export AWS_SECRET_ACCESS_KEY=$password
export AWS_REGION=us-east-1
export CAIRN_MINIO_PID=$minio_pid
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_S3 || true

set +e
"$@"
status=$?
set -e
exit "$status"
