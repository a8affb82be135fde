// Links drawn as a graph: providers that only call (sources) on the left, components in the
// middle, providers that are only called (targets) on the right. Plain SVG, no layout library.
import { html } from './html.js';

const W = 190, H = 34, GAP_Y = 18, COL = 420, PAD = 20;

export function LinkGraph({ state }) {
  const kinds = new Map();
  for (const h of state.hosts) {
    for (const c of h.components) kinds.set(c.id, { kind: 'component', hosts: [...(kinds.get(c.id)?.hosts ?? []), h.name] });
    for (const p of h.providers) kinds.set(p.id, { kind: 'provider', hosts: [...(kinds.get(p.id)?.hosts ?? []), h.name] });
  }
  const ids = new Set(kinds.keys());
  for (const l of state.links) { ids.add(l.source_id); ids.add(l.target); }
  const sources = new Set(state.links.map((l) => l.source_id));
  const targets = new Set(state.links.map((l) => l.target));
  const column = (id) => {
    const k = kinds.get(id)?.kind;
    if (k === 'component') return 1;
    if (sources.has(id) && !targets.has(id)) return 0;
    if (targets.has(id) && !sources.has(id)) return 2;
    return k === 'provider' ? 2 : 1;
  };
  const cols = [[], [], []];
  for (const id of [...ids].sort()) cols[column(id)].push(id);
  const pos = new Map();
  cols.forEach((list, c) => list.forEach((id, i) => pos.set(id, { x: PAD + c * COL, y: PAD + i * (H + GAP_Y) })));
  const height = PAD * 2 + Math.max(1, ...cols.map((l) => l.length)) * (H + GAP_Y);
  const width = PAD * 2 + 2 * COL + W;
  if (ids.size === 0) return html`<p class="empty">No components, providers or links yet.</p>`;
  return html`<svg class="graph" viewBox="0 0 ${width} ${height}" width=${width} height=${height} role="img" aria-label="links">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#7a8aa6"/></marker></defs>
    ${state.links.map((l) => {
      const a = pos.get(l.source_id), b = pos.get(l.target);
      if (!a || !b) return null;
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      const back = x2 <= x1;
      const d = back
        ? `M ${a.x + W / 2} ${a.y + H} C ${a.x + W / 2} ${a.y + H + 60}, ${b.x + W / 2} ${b.y + H + 60}, ${b.x + W / 2} ${b.y + H}`
        : `M ${x1} ${y1} C ${x1 + 60} ${y1}, ${x2 - 60} ${y2}, ${x2} ${y2}`;
      const label = `${l.wit_namespace}:${l.wit_package}/{${l.interfaces.join(',')}}${l.name === 'default' ? '' : ` (${l.name})`}`;
      const lx = back ? (a.x + b.x + W) / 2 : (x1 + x2) / 2, ly = back ? Math.max(a.y, b.y) + H + 48 : (y1 + y2) / 2 - 6;
      return html`<g class="edge" data-link=${`${l.source_id}->${l.target}`}><path d=${d} marker-end="url(#arrow)"/><text x=${lx} y=${ly} text-anchor="middle">${label}</text></g>`;
    })}
    ${[...pos].map(([id, p]) => {
      const k = kinds.get(id);
      const cls = `node ${k ? k.kind : 'missing'}`;
      return html`<g class=${cls} data-node=${id} transform=${`translate(${p.x},${p.y})`}>
        <rect width=${W} height=${H} rx="6"/>
        <text x="10" y="15">${id}</text>
        <text class="sub" x="10" y="28">${k ? `${k.kind} on ${k.hosts.join(', ')}` : 'not running'}</text>
      </g>`;
    })}
  </svg>`;
}
