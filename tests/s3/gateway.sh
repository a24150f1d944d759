#!/usr/bin/env bash
# A one-node Ceph RADOS Gateway for tests, all of its state under one directory.
#
#   tests/s3/gateway.sh start DIR   brings up a monitor, one memstore OSD and
#                                   radosgw on 127.0.0.1, creates an S3 user,
#                                   and prints AWS_ENDPOINT_URL=..., AWS_ACCESS_KEY_ID=...,
#                                   AWS_SECRET_ACCESS_KEY=..., AWS_REGION=... as shell
#                                   assignments (eval "$(gateway.sh start DIR)")
#   tests/s3/gateway.sh stop DIR    stops radosgw, then the OSD, then the monitor
#   tests/s3/gateway.sh stop-rgw DIR / start-rgw DIR [RADOSGW-OPTION...]
#                                   stop or restart radosgw alone (the cluster
#                                   and its data stay): a store that goes away,
#                                   or one with other settings (e.g.
#                                   --rgw_max_concurrent_requests=1 answers
#                                   503 SlowDown under parallel requests)
#
# Debian 12's Ceph 16.2 packages (scripts/deps.sh --test). Facts behind the
# settings: /work/shared/docs/ceph-one-node.md was where they were found; the
# ones that matter are commented below. Everything binds to loopback only.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|start-rgw|stop-rgw DIR" >&2
  exit 2
fi

ACCESS_KEY=tbserve-test-access
SECRET_KEY=tbserve-test-secret-0123456789abcdef
REGION=us-east-1

# free_port: a loopback TCP port nobody listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for TIMEOUT_S CMD...: run CMD until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# stop_pid FILE: SIGTERM the daemon in FILE and wait for it to end.
stop_pid() {
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  rm -f "$f"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || return 0
    # an exited daemon re-parented to init lingers as a zombie for a while
    [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = "Z" ] && return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

conf() { echo "$dir/ceph.conf"; }

start_rgw() {
  local port
  port=$(cat "$dir/rgw.port")
  radosgw -c "$(conf)" -n client.rgw.test "$@"
  wait_for 60 curl -sf -o /dev/null "http://127.0.0.1:$port/" || {
    echo "gateway: radosgw did not answer on 127.0.0.1:$port (log: $dir/log/)" >&2
    return 1
  }
}

start() {
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/mon.pid" ]; then
    echo "gateway: $dir already holds a running cluster (stop it first)" >&2
    exit 1
  fi
  rm -rf "$dir/mon" "$dir/osd" "$dir/rgw" "$dir/log" "$dir/run"
  mkdir -p "$dir/mon" "$dir/osd" "$dir/rgw" "$dir/log" "$dir/run"
  local mon_port rgw_port fsid
  mon_port=$(free_port)
  rgw_port=$(free_port)
  fsid=$(uuidgen)
  echo "$rgw_port" > "$dir/rgw.port"
  cat > "$(conf)" <<CONF
[global]
fsid = $fsid
mon initial members = a
mon host = v2:127.0.0.1:$mon_port
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
run dir = $dir/run
log file = $dir/log/\$name.log
admin socket = $dir/run/\$name.asok
pid file = $dir/\$type.pid
keyring = $dir/admin.keyring
# one OSD: pools of size one, small and fixed placement-group counts
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
mon data avail warn = 1
mon data avail crit = 0
# radosgw creates about eight pools at first start, each waiting for a
# monitor proposal: this takes the start from ~13 s to ~1.5 s
paxos propose interval = 0.01
[mon]
mon data = $dir/mon
[osd]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = 2147483648
# the OSD's own keyring here: a [global] keyring alone made it fail to
# fetch the monitor's config (handle_auth_bad_method)
keyring = $dir/osd/keyring
[client.rgw.test]
rgw data = $dir/rgw
keyring = $dir/rgw.keyring
# beast with endpoint= only (adding port= binds every address)
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw dns name = 127.0.0.1
CONF
  local c; c=$(conf)
  ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$dir/admin.keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$dir/mon.keyring" --import-keyring "$dir/admin.keyring" >/dev/null
  monmaptool --create --clobber --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
  ceph-mon -c "$c" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.keyring"
  ceph-mon -c "$c" -i a
  local osd_secret osd_id osd_uuid
  osd_secret=$(ceph-authtool --gen-print-key)
  osd_uuid=$(uuidgen)
  osd_id=$(echo "{\"cephx_secret\": \"$osd_secret\"}" | \
    timeout 60 ceph -c "$c" osd new "$osd_uuid" -i -)
  ceph-authtool --create-keyring "$dir/osd/keyring" --name "osd.$osd_id" --add-key "$osd_secret" >/dev/null
  ceph-osd -c "$c" -i "$osd_id" --mkfs --key "$osd_secret" --osd-uuid "$osd_uuid" 2>/dev/null
  ceph-osd -c "$c" -i "$osd_id" 2>/dev/null
  wait_for 60 sh -c "timeout 10 ceph -c '$c' osd stat | grep -q ' 1 up'" || {
    echo "gateway: the OSD did not come up (log: $dir/log/)" >&2
    exit 1
  }
  timeout 60 ceph -c "$c" auth get-or-create client.rgw.test mon 'allow rw' osd 'allow rwx' \
    -o "$dir/rgw.keyring"
  start_rgw
  timeout 60 radosgw-admin -c "$c" user create --uid=tbserve-test --display-name="tbserve test" \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null
  echo "AWS_ENDPOINT_URL=http://127.0.0.1:$rgw_port"
  echo "AWS_ACCESS_KEY_ID=$ACCESS_KEY"
  echo "AWS_SECRET_ACCESS_KEY=$SECRET_KEY"
  echo "AWS_REGION=$REGION"
}

stop() {
  # radosgw first, then the OSD, then the monitor: stopping the OSD first
  # makes radosgw hang in shutdown; the monitor first makes the OSD wait
  stop_pid "$dir/client.pid"
  stop_pid "$dir/osd.pid"
  stop_pid "$dir/mon.pid"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  stop-rgw) stop_pid "$dir/client.pid" ;;
  start-rgw) shift 2; start_rgw "$@" ;;
  *) echo "usage: $0 start|stop|start-rgw|stop-rgw DIR" >&2; exit 2 ;;
esac
