// The registry of fuzz targets (`npm run fuzz -- --target NAME`). Add new ones here.
import { arpTarget } from './arp.js';
import { configTarget } from './configs.js';
import { controlTarget } from './control.js';
import { hmacTarget } from './hmac.js';
import { packetTarget } from './packets.js';
import { settingsTarget } from './settings.js';
import type { FuzzTarget } from './target.js';

export const TARGETS: readonly FuzzTarget<any>[] = [packetTarget, configTarget, hmacTarget, controlTarget, settingsTarget, arpTarget];

export function targetByName(name: string): FuzzTarget<any> {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`unknown fuzz target '${name}' (known: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
