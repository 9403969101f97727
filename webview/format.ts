// Numbers as the panel prints them.

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatNumber(v: number | undefined, digits = 4): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return formatNumber(v, 6);
  return String(v);
}

/** About `target` round tick values between lo and hi (steps of 1, 2 or 5 times a power of ten), and the decimals they need. */
export function niceTicks(lo: number, hi: number, target = 5): { values: number[]; decimals: number } {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return { values: Number.isFinite(lo) ? [lo] : [], decimals: 0 };
  const raw = (hi - lo) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const values: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) values.push(Number(v.toFixed(decimals)));
  return { values, decimals };
}
