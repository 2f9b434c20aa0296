#!/bin/sh
# havipd verify command for a Tencent Cloud HAVIP (issue 11 §3). Exit 0 when the cloud says the HAVIP
# $HAVIPD_VIP is bound to this VM: DescribeHaVips shows InstanceId = this instance, State AVAILABLE, the
# NetworkInterfaceId (when the metadata service names one for $HAVIPD_MAC) this VM's ENI, and this instance
# among HaVipAssociationSet when that set is not empty. Any other answer, or an error, is exit 1: havipd then
# re-sends its gratuitous ARPs and tries again.
#
# Needs: tccli (configured with credentials allowed vpc:DescribeHaVips), curl, jq.
# Environment from havipd: HAVIPD_INSTANCE, HAVIPD_VIP, HAVIPD_INTERFACE, HAVIPD_MAC.
# HAVIPD_METADATA_URL: the metadata service (default Tencent's; tests point it at a local stub).
set -u
META="${HAVIPD_METADATA_URL:-http://metadata.tencentyun.com/latest/meta-data}"
meta() { curl -fsS --max-time 2 "$META/$1"; }

[ -n "${HAVIPD_VIP:-}" ] || { echo "HAVIPD_VIP is not set" >&2; exit 2; }
me=$(meta instance-id) || { echo "cannot read instance-id from $META" >&2; exit 1; }
region=$(meta placement/region) || { echo "cannot read placement/region from $META" >&2; exit 1; }
eni=""
if [ -n "${HAVIPD_MAC:-}" ]; then eni=$(meta "network/interfaces/macs/$HAVIPD_MAC/eni-id" 2>/dev/null || true); fi

out=$(tccli vpc DescribeHaVips --region "$region" --cli-unfold-argument \
  --Filters.0.Name address-ip --Filters.0.Values "$HAVIPD_VIP") || { echo "tccli DescribeHaVips failed" >&2; exit 1; }

printf '%s' "$out" | jq -e --arg vip "$HAVIPD_VIP" --arg me "$me" --arg eni "$eni" '
  (.Response // .) as $r
  | [$r.HaVipSet[]? | select(.AddressIp == $vip)] | first
  | . != null
    and .InstanceId == $me
    and .State == "AVAILABLE"
    and ($eni == "" or (.NetworkInterfaceId // "") == "" or .NetworkInterfaceId == $eni)
    and (((.HaVipAssociationSet // []) | length) == 0 or any(.HaVipAssociationSet[]; .InstanceId == $me))
' >/dev/null || {
  echo "HAVIP $HAVIPD_VIP is not on $me yet: $(printf '%s' "$out" | jq -c --arg vip "$HAVIPD_VIP" '[(.Response // .).HaVipSet[]? | select(.AddressIp == $vip) | {InstanceId, NetworkInterfaceId, State}]' 2>/dev/null)" >&2
  exit 1
}
echo "HAVIP $HAVIPD_VIP is bound to $me"
