// A small dependency-free SVG line chart for the scale benchmark: cost against instance count, one line
// per daemon, log-scaled x axis (1 … 1000 instances).

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * One chart panel. `series`: [{ name, color, points: [[x, y], …] }]. Returns an SVG <g> at (`ox`, `oy`).
 */
function panel({ title, ylabel, series, ox, oy, w, h }) {
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).filter((x) => x > 0);
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const x0 = Math.log10(Math.min(...xs));
  const x1 = Math.max(Math.log10(Math.max(...xs)), x0 + 1);
  const y1 = (Math.max(...ys, 0) || 1) * 1.1;
  const L = 52, R = 12, T = 26, B = 34;
  const px = (x) => L + ((Math.log10(x) - x0) / (x1 - x0)) * (w - L - R);
  const py = (y) => T + (1 - y / y1) * (h - T - B);
  const out = [`<g transform="translate(${ox},${oy})" font-family="sans-serif" font-size="11">`];
  out.push(`<text x="${w / 2}" y="14" text-anchor="middle" font-size="12" font-weight="bold">${esc(title)}</text>`);
  out.push(`<line x1="${L}" y1="${h - B}" x2="${w - R}" y2="${h - B}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${h - B}" stroke="#333"/>`);
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<line x1="${px(x)}" y1="${h - B}" x2="${px(x)}" y2="${h - B + 4}" stroke="#333"/><text x="${px(x)}" y="${h - B + 15}" text-anchor="middle">${x}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const y = (y1 * i) / 4;
    out.push(`<line x1="${L - 4}" y1="${py(y)}" x2="${w - R}" y2="${py(y)}" stroke="#ddd"/><text x="${L - 6}" y="${py(y) + 4}" text-anchor="end">${y >= 10 ? y.toFixed(0) : y.toFixed(2)}</text>`);
  }
  out.push(`<text x="${w / 2}" y="${h - 4}" text-anchor="middle">instances (log scale)</text>`);
  out.push(`<text transform="translate(12,${(T + h - B) / 2}) rotate(-90)" text-anchor="middle">${esc(ylabel)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p[0] > 0 && Number.isFinite(p[1]));
    if (pts.length) {
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ')}"/>`);
      for (const p of pts) out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    out.push(`<rect x="${L + 8}" y="${T + 4 + i * 14}" width="10" height="10" fill="${s.color}"/><text x="${L + 22}" y="${T + 13 + i * 14}">${esc(s.name)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/** Panels side by side in one SVG document. `panels`: [{ title, ylabel, series }]. */
export function svgCharts(panels, { w = 360, h = 240 } = {}) {
  const W = w * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}">`,
    `<rect width="${W}" height="${h}" fill="#fff"/>`,
    ...panels.map((p, i) => panel({ ...p, ox: i * w, oy: 0, w, h })),
    '</svg>',
    '',
  ].join('\n');
}
