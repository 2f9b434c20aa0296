// The --metrics-listen address (HOST:PORT, [IPV6]:PORT or PORT), apart from src/ops/metrics.ts so the command
// line can check it without loading prom-client.

/** `HOST:PORT`, `[V6]:PORT` or `PORT` (then 127.0.0.1: never all interfaces unless asked). */
export function parseListen(s: string): { host: string; port: number } | undefined {
  const t = s.trim();
  const m = /^(\d{1,5})$/.exec(t) ?? /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(t);
  if (!m) return undefined;
  const port = Number(m[m.length - 1]);
  if (!(port >= 1 && port <= 65535)) return undefined;
  if (m.length === 2) return { host: '127.0.0.1', port };
  const host = m[1] ?? m[2];
  return host ? { host, port } : undefined;
}
