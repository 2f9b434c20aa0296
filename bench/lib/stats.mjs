// Small statistics and formatting helpers shared by the benchmark reports (same number style as
// bench/config.mjs: medians, min–max, ratios with two decimals).

export const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const min = (xs) => (xs.some(Number.isFinite) ? Math.min(...xs.filter(Number.isFinite)) : NaN);
export const max = (xs) => (xs.some(Number.isFinite) ? Math.max(...xs.filter(Number.isFinite)) : NaN);
export const mean = (xs) => {
  const s = xs.filter(Number.isFinite);
  return s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
};
/** Sample standard deviation (n − 1). */
export const stdev = (xs) => {
  const s = xs.filter(Number.isFinite);
  if (s.length < 2) return NaN;
  const m = mean(s);
  return Math.sqrt(s.reduce((a, x) => a + (x - m) ** 2, 0) / (s.length - 1));
};

export const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
/** `median (min–max)` with `d` decimals. */
export const spread = (xs, d = 1) => `${fmt(median(xs), d)} (${fmt(min(xs), d)}–${fmt(max(xs), d)})`;
/** havipd / keepalived, as `1.23×`. */
export const ratio = (h, k, d = 2) => (Number.isFinite(h) && Number.isFinite(k) && k !== 0 ? `${(h / k).toFixed(d)}×` : 'n/a');

/**
 * A markdown table from a header row and data rows. `align` has one letter per column, 'l' or 'r'
 * (default: the first column left, the others right).
 */
export function table(header, rows, align = header.map((_, i) => (i === 0 ? 'l' : 'r')).join('')) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (align[i] === 'r' ? '---:' : '---'))), ...rows.map(line)].join('\n');
}
