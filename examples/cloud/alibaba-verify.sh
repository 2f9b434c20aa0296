#!/bin/sh
# havipd verify command for an Alibaba Cloud HAVIP (issue 11 §3). Exit 0 when DescribeHaVips shows the HAVIP
# $HAVIPD_VIP with MasterInstanceId = this ECS instance, Status InUse, and this instance among its
# AssociatedInstances. Any other answer, or an error, is exit 1 (havipd re-sends its GARPs and tries again).
#
# Needs: aliyun CLI (credentials allowed vpc:DescribeHaVips), curl, jq.
# Environment from havipd: HAVIPD_INSTANCE, HAVIPD_VIP, HAVIPD_INTERFACE, HAVIPD_MAC.
# HAVIPD_METADATA_URL: the metadata service (default Alibaba's; tests point it at a local stub).
set -u
META="${HAVIPD_METADATA_URL:-http://100.100.100.200/latest/meta-data}"
meta() { curl -fsS --max-time 2 "$META/$1"; }

[ -n "${HAVIPD_VIP:-}" ] || { echo "HAVIPD_VIP is not set" >&2; exit 2; }
me=$(meta instance-id) || { echo "cannot read instance-id from $META" >&2; exit 1; }
region=$(meta region-id) || { echo "cannot read region-id from $META" >&2; exit 1; }

out=$(aliyun vpc DescribeHaVips --RegionId "$region" \
  --Filter.1.Key HaVipAddress --Filter.1.Value.1 "$HAVIPD_VIP") || { echo "aliyun DescribeHaVips failed" >&2; exit 1; }

printf '%s' "$out" | jq -e --arg vip "$HAVIPD_VIP" --arg me "$me" '
  [.HaVips.HaVip[]? | select(.IpAddress == $vip)] | first
  | . != null
    and .MasterInstanceId == $me
    and .Status == "InUse"
    and any((.AssociatedInstances.associatedInstance // [])[]; . == $me)
' >/dev/null || {
  echo "HAVIP $HAVIPD_VIP is not on $me yet: $(printf '%s' "$out" | jq -c --arg vip "$HAVIPD_VIP" '[.HaVips.HaVip[]? | select(.IpAddress == $vip) | {MasterInstanceId, Status}]' 2>/dev/null)" >&2
  exit 1
}
echo "HAVIP $HAVIPD_VIP is on $me"
