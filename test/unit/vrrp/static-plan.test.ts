import { describe, expect, it } from 'vitest';
import { staticChanges, staticItems } from '../../../src/vrrp/static-plan.js';
import { configFromText } from '../../support/config-text.js';

const conf = (body: string, defaultInterface = 'eth0'): string => `global_defs {\n  default_interface ${defaultInterface}\n}\n${body}`;

describe('static_ipaddress / static_routes / static_rules plan', () => {
  it('an address without dev goes on default_interface, one with dev on its own', () => {
    const c = configFromText(conf('static_ipaddress {\n  192.0.2.1/24\n  192.0.2.2/24 dev eth1\n}\n'));
    expect(staticItems(c).addresses.map((a) => `${a.vip.address}/${a.vip.prefix} ${a.ifname}`)).toEqual(['192.0.2.1/24 eth0', '192.0.2.2/24 eth1']);
  });

  it('a reload removes what is gone, adds what is new, leaves the rest alone', () => {
    const o = configFromText(conf('static_ipaddress {\n  192.0.2.1/24\n  192.0.2.2/24 dev eth1\n}\nstatic_routes {\n  198.51.100.0/24 via 192.0.2.254\n}\n'));
    const n = configFromText(conf('static_ipaddress {\n  192.0.2.1/24\n  192.0.2.3/24 dev eth1\n}\nstatic_routes {\n  203.0.113.0/24 via 192.0.2.254\n}\n'));
    const ch = staticChanges(o, n);
    expect(ch.remove.addresses.map((a) => a.vip.address)).toEqual(['192.0.2.2']);
    expect(ch.add.addresses.map((a) => a.vip.address)).toEqual(['192.0.2.3']);
    expect(ch.remove.routes).toHaveLength(1);
    expect(ch.add.routes).toHaveLength(1);
    expect(ch.remove.routes[0]).not.toEqual(ch.add.routes[0]);
  });

  it('an address without dev moves when default_interface changes', () => {
    const body = 'static_ipaddress {\n  192.0.2.1/24\n}\n';
    const ch = staticChanges(configFromText(conf(body, 'eth0')), configFromText(conf(body, 'eth1')));
    expect(ch.remove.addresses.map((a) => a.ifname)).toEqual(['eth0']);
    expect(ch.add.addresses.map((a) => a.ifname)).toEqual(['eth1']);
  });

  it('an unchanged config changes nothing', () => {
    const c = configFromText(conf('static_ipaddress {\n  192.0.2.1/24\n}\nstatic_rules {\n  from 192.0.2.0/24 table 100\n}\n'));
    const ch = staticChanges(c, c);
    expect([...ch.remove.addresses, ...ch.add.addresses, ...ch.remove.routes, ...ch.add.routes, ...ch.remove.rules, ...ch.add.rules]).toEqual([]);
  });
});
