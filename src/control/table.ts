// Plain-text tables for `stratus ctl` (wash prints tables too). Pure.

export function renderTable(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return headers.join('  ') + '\n(none)';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
