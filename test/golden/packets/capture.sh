#!/usr/bin/env bash
# Captures real VRRP adverts from the installed keepalived (2.2.7) and writes them as golden vectors
# (test/golden/packets/*.json, one file per packet kind). Not run by the tests; re-runnable; needs root, ip,
# tcpdump, keepalived, node. Two namespaces hv-c1-ka (keepalived) and hv-c1-pe (peer addresses, so
# unicast adverts resolve ARP) joined by a veth pair; everything is removed on exit.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d /tmp/hv-c1-capture.XXXXXX)"
NS_KA=hv-c1-ka
NS_PE=hv-c1-pe
IF_KA=hv-c1-va
IF_PE=hv-c1-vb
KA_PID=""

cleanup() {
  set +e
  if [[ -n "$KA_PID" ]] && kill -0 "$KA_PID" 2>/dev/null; then kill -TERM "$KA_PID"; sleep 1; kill -KILL "$KA_PID" 2>/dev/null; fi
  if [[ -f "$WORK/ka.pid" ]]; then kill -KILL "$(cat "$WORK/ka.pid")" 2>/dev/null; fi
  if [[ -f "$WORK/vrrp.pid" ]]; then kill -KILL "$(cat "$WORK/vrrp.pid")" 2>/dev/null; fi
  ip netns del "$NS_KA" 2>/dev/null
  ip netns del "$NS_PE" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ip netns del "$NS_KA" 2>/dev/null || true
ip netns del "$NS_PE" 2>/dev/null || true
ip netns add "$NS_KA"
ip netns add "$NS_PE"
ip link add "$IF_KA" type veth peer name "$IF_PE"
ip link set "$IF_KA" netns "$NS_KA"
ip link set "$IF_PE" netns "$NS_PE"
# Fixed MACs so the IPv6 link-local source (EUI-64) is the same on every run.
ip -n "$NS_KA" link set "$IF_KA" address 02:00:00:00:c1:0a
ip -n "$NS_PE" link set "$IF_PE" address 02:00:00:00:c1:0b
ip netns exec "$NS_KA" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip netns exec "$NS_PE" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip -n "$NS_KA" link set lo up
ip -n "$NS_PE" link set lo up
ip -n "$NS_KA" addr add 10.9.0.2/24 dev "$IF_KA"
ip -n "$NS_PE" addr add 10.9.0.1/24 dev "$IF_PE"
ip -n "$NS_PE" addr add 10.9.0.3/24 dev "$IF_PE"
ip -n "$NS_KA" link set "$IF_KA" up
ip -n "$NS_PE" link set "$IF_PE" up
sleep 1

cat > "$WORK/keepalived.conf" <<CONF
global_defs {
  router_id hv-c1
}
vrrp_instance V2_MCAST_PASS {
  version 2
  state BACKUP
  interface $IF_KA
  virtual_router_id 51
  priority 100
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    10.9.0.100/32
  }
}
vrrp_instance V3_MCAST_HALF {
  version 3
  state BACKUP
  interface $IF_KA
  virtual_router_id 52
  priority 100
  advert_int 0.5
  virtual_ipaddress {
    10.9.0.101/32
    10.9.0.102/32
  }
}
vrrp_instance V2_UNICAST {
  version 2
  state BACKUP
  interface $IF_KA
  virtual_router_id 53
  priority 100
  advert_int 1
  unicast_src_ip 10.9.0.2
  unicast_peer {
    10.9.0.1
  }
  virtual_ipaddress {
    10.9.0.103/32
  }
}
vrrp_instance V3_UNICAST {
  version 3
  state BACKUP
  interface $IF_KA
  virtual_router_id 54
  priority 100
  advert_int 1
  unicast_src_ip 10.9.0.2
  unicast_peer {
    10.9.0.1
  }
  virtual_ipaddress {
    10.9.0.104/32
  }
}
vrrp_instance V3_UNICAST_2PEERS {
  version 3
  state BACKUP
  interface $IF_KA
  virtual_router_id 55
  priority 150
  advert_int 1
  unicast_src_ip 10.9.0.2
  unicast_peer {
    10.9.0.1
    10.9.0.3
  }
  virtual_ipaddress {
    10.9.0.105/32
  }
}
vrrp_instance V3_UNICAST_OLDCSUM {
  version 3
  state BACKUP
  interface $IF_KA
  virtual_router_id 56
  priority 100
  advert_int 1
  old_unicast_checksum
  unicast_src_ip 10.9.0.2
  unicast_peer {
    10.9.0.1
  }
  virtual_ipaddress {
    10.9.0.106/32
  }
}
vrrp_instance V3_IPV6 {
  version 3
  state BACKUP
  interface $IF_KA
  virtual_router_id 60
  priority 200
  advert_int 1
  virtual_ipaddress {
    fe80::100/64
    2001:db8::100/64
  }
}
CONF

mkdir -p "$WORK/tmp"
ip netns exec "$NS_KA" timeout 14 tcpdump -i "$IF_KA" -U -w "$WORK/cap.pcap" -c 400 'ip proto 112 or ip6 proto 112' 2>"$WORK/tcpdump.log" &
TCPDUMP_PID=$!
sleep 1
ip netns exec "$NS_KA" env TMPDIR="$WORK/tmp" keepalived -n -l -D -P -f "$WORK/keepalived.conf" \
  -p "$WORK/ka.pid" -r "$WORK/vrrp.pid" >"$WORK/keepalived.log" 2>&1 &
KA_PID=$!
sleep 8
kill -TERM "$KA_PID"
wait "$KA_PID" || true
KA_PID=""
wait "$TCPDUMP_PID" || true
cp "$WORK/cap.pcap" /tmp/hv-c1-last.pcap; grep -E "Entering|checksum|Setting" "$WORK/keepalived.log" || true

node "$HERE/extract.mjs" "$WORK/cap.pcap" "$HERE"
