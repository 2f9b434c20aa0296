#!/bin/sh
# havipd move command for AWS (issue 11 §3): there is no HAVIP on EC2, so when verification fails the
# secondary private address $HAVIPD_VIP is moved to this VM's network interface by API, as people script it
# in notify_master today. The ENI is the one whose MAC is $HAVIPD_MAC (the VRRP interface), read from the
# instance metadata service (IMDSv2: a session token first).
#
# Needs: aws CLI v2 (credentials allowed ec2:AssignPrivateIpAddresses), curl.
# Environment from havipd: HAVIPD_INSTANCE, HAVIPD_VIP, HAVIPD_INTERFACE, HAVIPD_MAC.
# HAVIPD_METADATA_URL: the metadata service base (default http://169.254.169.254; tests use a local stub).
set -u
META="${HAVIPD_METADATA_URL:-http://169.254.169.254}"

[ -n "${HAVIPD_VIP:-}" ] || { echo "HAVIPD_VIP is not set" >&2; exit 2; }
[ -n "${HAVIPD_MAC:-}" ] || { echo "HAVIPD_MAC is not set" >&2; exit 2; }
token=$(curl -fsS --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$META/latest/api/token") \
  || { echo "cannot get an IMDSv2 token from $META" >&2; exit 1; }
meta() { curl -fsS --max-time 2 -H "X-aws-ec2-metadata-token: $token" "$META/latest/meta-data/$1"; }
eni=$(meta "network/interfaces/macs/$HAVIPD_MAC/interface-id") || { echo "no ENI for MAC $HAVIPD_MAC in the metadata" >&2; exit 1; }
region=$(meta placement/region) || { echo "cannot read placement/region" >&2; exit 1; }

aws ec2 assign-private-ip-addresses --region "$region" --network-interface-id "$eni" \
  --private-ip-addresses "$HAVIPD_VIP" --allow-reassignment || { echo "assign-private-ip-addresses failed" >&2; exit 1; }
echo "moved $HAVIPD_VIP to $eni"
