// keepalived.conf texts for the benchmarks, identical for havipd and keepalived. GARP settings are
// left at their defaults (garp_master_repeat 5, garp_master_delay 5 s, no refresh), so the GARP
// figures show what an operator gets out of the box.

/** The VIP of the takeover pair (outside the veth subnet, like a floating cloud HAVIP). */
export const TAKEOVER_VIP = '10.251.9.100';

/**
 * One instance, VRID 51, on `ifname`. `version` 2 (advert_int whole seconds) or 3 (centiseconds).
 * Both sides start as BACKUP and the election (priority) decides.
 */
export function takeoverConfig({ routerId, ifname, priority, advertInt, version }) {
  return [
    `# bench/run.mjs takeover: ${routerId}, priority ${priority}, VRRPv${version}, advert_int ${advertInt}`,
    'global_defs {',
    `    router_id ${routerId}`,
    '}',
    'vrrp_instance VI_1 {',
    '    state BACKUP',
    `    interface ${ifname}`,
    '    virtual_router_id 51',
    `    priority ${priority}`,
    `    advert_int ${advertInt}`,
    `    version ${version}`,
    '    virtual_ipaddress {',
    `        ${TAKEOVER_VIP}/24`,
    '    }',
    '}',
    '',
  ].join('\n');
}

/**
 * `n` VRRPv2 instances (advert_int 1, one VIP each, all wanting MASTER) spread over `ifnames` in blocks:
 * interface k gets VRIDs 1..⌈n / ifnames.length⌉ (at most 255 per interface). `ifname` = one interface.
 */
export function steadyConfig({ n, ifname, ifnames = [ifname] }) {
  const per = Math.ceil(n / ifnames.length);
  if (n < 1 || per > 255 || ifnames.length > 4) throw new Error(`steadyConfig: ${n} instances on ${ifnames.length} interface(s) (1..255 per interface, ≤ 4 interfaces)`);
  const out = ['# bench/run.mjs resources: ' + n + ' VRRPv2 instances, advert_int 1, on ' + ifnames.join(','), 'global_defs {', '    router_id BENCH', '}'];
  for (let i = 1; i <= n; i++) {
    const k = Math.floor((i - 1) / per);
    const vrid = i - k * per;
    out.push(
      `vrrp_instance VI_${i} {`,
      '    state MASTER',
      `    interface ${ifnames[k]}`,
      `    virtual_router_id ${vrid}`,
      '    priority 150',
      '    advert_int 1',
      '    virtual_ipaddress {',
      `        10.${252 + k}.${vrid}.1/24`,
      '    }',
      '}',
    );
  }
  out.push('');
  return out.join('\n');
}
