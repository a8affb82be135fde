/** Markdown rendering of a benchmark section (pasted as-is into docs/performance.md). */
import type { Section } from './types.js';

const cell = (v: string | number): string => String(v).replaceAll('|', '\\|');

export function renderSection(section: Section, footer: string): string {
  const lines = [`### ${section.title}`, ''];
  lines.push(`| ${section.columns.map(cell).join(' | ')} |`);
  lines.push(`|${section.columns.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const row of section.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  lines.push('');
  for (const note of section.notes) lines.push(`${note}  `);
  lines.push(`_(${footer})_`, '');
  return lines.join('\n');
}
