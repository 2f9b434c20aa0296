#!/usr/bin/env bash
# Captures auth_hmac adverts from keepalived 2.4.3 (the second oracle, built by
# test/oracles/keepalived-2.4.3.sh) and writes them as golden vectors (test/golden/packets/auth-hmac/*.json).
# Not run by the tests; re-runnable; needs root, ip, tcpdump, node. Namespaces hv-h24-ka (keepalived) and
# hv-h24-pe (peer addresses) joined by a veth pair; everything is removed on exit. Keys are test keys.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
KA="${KEEPALIVED_243:-$("$HERE/../../oracles/keepalived-2.4.3.sh")}"
WORK="$(mktemp -d /tmp/hv-h24-capture.XXXXXX)"
NS_KA=hv-h24-ka
NS_PE=hv-h24-pe
IF_KA=hv-h24-va
IF_PE=hv-h24-vb
KA_PID=""

cleanup() {
  set +e
  if [[ -n "$KA_PID" ]] && kill -0 "$KA_PID" 2>/dev/null; then kill -TERM "$KA_PID"; sleep 1; kill -KILL "$KA_PID" 2>/dev/null; fi
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
ip -n "$NS_KA" link set "$IF_KA" address 02:00:00:00:24:0a
ip -n "$NS_PE" link set "$IF_PE" address 02:00:00:00:24:0b
ip netns exec "$NS_KA" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip netns exec "$NS_PE" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip -n "$NS_KA" link set lo up
ip -n "$NS_PE" link set lo up
ip -n "$NS_KA" addr add 10.9.0.2/24 dev "$IF_KA"
ip -n "$NS_PE" addr add 10.9.0.1/24 dev "$IF_PE"
ip -n "$NS_PE" addr add 10.9.0.3/24 dev "$IF_PE"
ip -n "$NS_KA" addr add fd00:9::2/64 dev "$IF_KA" nodad
ip -n "$NS_PE" addr add fd00:9::1/64 dev "$IF_PE" nodad
ip -n "$NS_KA" link set "$IF_KA" up
ip -n "$NS_PE" link set "$IF_PE" up
sleep 1

HEXKEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
ASCIIKEY=havipd-golden-vector-ascii-key-0123456789
hmac() { # mode keyid [extra lines]
  echo "  auth_hmac {"
  echo "    key 1 hex:$HEXKEY"
  echo "    key 7 $ASCIIKEY"
  echo "    active_key $2"
  echo "    mode $1"
  echo "    anti_replay time"
  echo "    time_window 300"
  echo "  }"
}
cat > "$WORK/keepalived.conf" <<CONF
global_defs {
  router_id hv-h24
}
vrrp_instance V2_MCAST {
  version 2
  state BACKUP
  interface $IF_KA
  virtual_router_id 71
  priority 100
  advert_int 1
$(hmac enforce 1)
  virtual_ipaddress {
    10.9.0.100/32
  }
}
vrrp_instance V3_MCAST {
  version 3
  state BACKUP
  interface $IF_KA
  virtual_router_id 72
  priority 100
  advert_int 0.5
$(hmac permissive 7)
  virtual_ipaddress {
    10.9.0.101/32
    10.9.0.102/32
  }
}
vrrp_instance V2_UNICAST {
  version 2
  state BACKUP
  interface $IF_KA
  virtual_router_id 73
  priority 100
  advert_int 1
  unicast_src_ip 10.9.0.2
  unicast_peer {
    10.9.0.1
  }
$(hmac enforce 1)
  virtual_ipaddress {
    10.9.0.103/32
  }
}
vrrp_instance V3_UNICAST_2PEERS {
  version 3
  state BACKUP
  interface $IF_KA
  virtual_router_id 74
  priority 150
  advert_int 1
  unicast_src_ip 10.9.0.2
  unicast_peer {
    10.9.0.1
    10.9.0.3
  }
$(hmac enforce 1)
  virtual_ipaddress {
    10.9.0.104/32
  }
}
vrrp_instance V3_IPV6 {
  version 3
  state BACKUP
  interface $IF_KA
  virtual_router_id 75
  priority 200
  advert_int 1
$(hmac enforce 7)
  virtual_ipaddress {
    fe80::100/64
    2001:db8::100/64
  }
}
vrrp_instance V3_IPV6_UNICAST {
  version 3
  state BACKUP
  interface $IF_KA
  virtual_router_id 76
  priority 100
  advert_int 1
  unicast_src_ip fd00:9::2
  unicast_peer {
    fd00:9::1
  }
$(hmac enforce 1)
  virtual_ipaddress {
    2001:db8::76/64
  }
}
CONF

mkdir -p "$WORK/tmp"
ip netns exec "$NS_KA" timeout 14 tcpdump -i "$IF_KA" -U -w "$WORK/cap.pcap" -c 600 'ip proto 112 or ip6 proto 112' 2>"$WORK/tcpdump.log" &
TCPDUMP_PID=$!
sleep 1
ip netns exec "$NS_KA" env TMPDIR="$WORK/tmp" "$KA" -n -l -D -f "$WORK/keepalived.conf" \
  -p "$WORK/ka.pid" -r "$WORK/vrrp.pid" >"$WORK/keepalived.log" 2>&1 &
KA_PID=$!
sleep 8
kill -TERM "$KA_PID" || { echo "keepalived exited early:"; cat "$WORK/keepalived.log"; exit 1; }
wait "$KA_PID" || true
KA_PID=""
wait "$TCPDUMP_PID" || true
grep -E "Entering|auth|error" "$WORK/keepalived.log" || true
{ "$KA" -v 2>&1 || true; } | head -1 > "$WORK/version" || true
node "$HERE/extract-auth-hmac.mjs" "$WORK/cap.pcap" "$HERE/auth-hmac" "$(cat "$WORK/version")" "$HEXKEY" "$ASCIIKEY"
