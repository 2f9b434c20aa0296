#!/usr/bin/env bash
# The havipd demo: a HAVIP floating between two "VMs" (network namespaces joined by a veth pair).
#
#   primary    ns hv-demo-a  10.99.0.11  havipd, priority 150
#   secondary  ns hv-demo-b  10.99.0.12  keepalived if installed (else havipd), priority 100, nopreempt
#   HAVIP      10.99.0.100/24, unicast VRRP, GARP on takeover
#
# It shows the election, kills the primary with SIGKILL, shows the secondary's takeover and its
# gratuitous ARP on the wire, brings the primary back (it preempts), stops it with SIGTERM (priority-0
# hand-over), then stops everything.
# Needs root (namespaces), iproute2 and tcpdump. All traffic stays inside the two namespaces.
# Runs in about 40 seconds; everything it creates is removed on exit, even on Ctrl-C.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
havipd="$root/bin/havipd"
A=hv-demo-a B=hv-demo-b
work="$(mktemp -d -t havipd-demo.XXXXXX)"
pids=()
daemons=()

if [ "$(id -u)" -ne 0 ]; then echo "demo: run as root (it creates network namespaces)" >&2; exit 1; fi
for c in ip tcpdump node; do command -v "$c" >/dev/null || { echo "demo: '$c' is needed" >&2; exit 1; }; done
[ -f "$root/dist/cli/main.js" ] || { echo "demo: run 'npm install' first (it builds havipd)" >&2; exit 1; }

cleanup() {
  set +e
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
vip_on() { ip -n "$1" -4 addr show dev "$2" | grep -q '10.99.0.100/' && echo yes || echo no; }
show_vip() { echo "   HAVIP 10.99.0.100 on primary: $(vip_on "$A" hvd-a)   on secondary: $(vip_on "$B" hvd-b)"; }
# Wait (at most $3 seconds) until the HAVIP is on namespace $1.
wait_vip() {
  local ns=$1 dev=$2 limit=$3 i=0
  while [ "$(vip_on "$ns" "$dev")" = no ] && [ $i -lt $((limit * 10)) ]; do sleep 0.1; i=$((i + 1)); done
}

ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true
ip netns add "$A"; ip netns add "$B"
ip link add hvd-a type veth peer name hvd-b
ip link set hvd-a netns "$A"; ip link set hvd-b netns "$B"
ip -n "$A" addr add 10.99.0.11/24 dev hvd-a; ip -n "$B" addr add 10.99.0.12/24 dev hvd-b
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set hvd-a up; ip -n "$B" link set hvd-b up

conf() { # name iface src peer priority extra
  cat <<EOF
global_defs {
    router_id $1
}
vrrp_instance HAVIP {
    state BACKUP
    interface $2
    virtual_router_id 51
    priority $5
    advert_int 1
    unicast_src_ip $3
    unicast_peer {
        $4
    }
    authentication {
        auth_type PASS
        auth_pass demo51
    }
    virtual_ipaddress {
        10.99.0.100/24 dev $2
    }
    garp_master_delay 1
    garp_master_refresh 5
    $6
}
EOF
}
conf primary hvd-a 10.99.0.11 10.99.0.12 150 "" > "$work/a.conf"
conf secondary hvd-b 10.99.0.12 10.99.0.11 100 nopreempt > "$work/b.conf"

prefix() { local tag=$1; while IFS= read -r line; do printf '%s %s\n' "$tag" "$line"; done; }

start_primary() {
  ip netns exec "$A" "$havipd" --config "$work/a.conf" --log-format pretty -p "$work/a.pid" -r "$work/a-vrrp.pid" --control-socket "$work/a.sock" --state-dir "$work/a-state" \
    > >(prefix '[primary  havipd    ]') 2>&1 &
  pids+=($!); primary_pid=$!; daemons+=($!)
  disown "$primary_pid" # no "Killed" job notice from bash when the demo kills it
}

say "wire: tcpdump on the secondary's link (VRRP adverts and ARP)"
ip netns exec "$B" tcpdump -l -n -i hvd-b 'ip proto 112 or arp' 2>/dev/null | prefix '[wire              ]' &
wire_pid=$!
pids+=($!)
sleep 0.5

if command -v keepalived >/dev/null; then
  say "secondary: keepalived $(keepalived -v 2>&1 | head -1 | awk '{print $2}') (priority 100, nopreempt)"
  ip netns exec "$B" env TMPDIR="$work" keepalived -n -l -P -f "$work/b.conf" -p "$work/b.pid" -r "$work/b-vrrp.pid" \
    > >(prefix '[secondary keepalived]') 2>&1 &
  daemons+=($!)
else
  say "secondary: havipd (keepalived is not installed; priority 100, nopreempt)"
  ip netns exec "$B" "$havipd" --config "$work/b.conf" --log-format pretty -p "$work/b.pid" -r "$work/b-vrrp.pid" --control-socket "$work/b.sock" --state-dir "$work/b-state" \
    > >(prefix '[secondary havipd    ]') 2>&1 &
  daemons+=($!)
fi
pids+=($!)
sleep 0.3

say "primary: havipd (priority 150) — the election"
start_primary
wait_vip "$A" hvd-a 8
sleep 1
show_vip

say "SIGKILL the primary: the secondary must take over within 3 x advert_int + skew (~3.6 s)"
t0=$(date +%s.%N)
kill -KILL "$primary_pid"
# A killed process cannot clean up: take the HAVIP off the primary as the VM's death would.
ip -n "$A" addr del 10.99.0.100/24 dev hvd-a 2>/dev/null || true
wait_vip "$B" hvd-b 8
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "   takeover seen after %.2f s\n", b - a }'
sleep 2
show_vip

say "the primary comes back: priority 150 beats 100, it preempts (nopreempt only holds the secondary back)"
start_primary
wait_vip "$A" hvd-a 8
sleep 1.5
show_vip

say "SIGTERM the primary: it sends priority 0 and drops the HAVIP; the secondary takes over within Skew_Time (~0.6 s)"
t0=$(date +%s.%N)
kill -TERM "$primary_pid" 2>/dev/null || true
wait_vip "$B" hvd-b 5
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "   hand-over seen after %.2f s\n", b - a }'
sleep 1
show_vip

say "stop the secondary"
for p in "${daemons[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
sleep 1.5
show_vip
kill -TERM "$wire_pid" 2>/dev/null || true
say "done (namespaces and processes removed)"
