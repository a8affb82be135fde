// The lattice dashboard: one page, live over server-sent events (GET /api/events), read-only.
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { LinkGraph } from './graph.js';

const VIEWS = ['hosts', 'links', 'apps', 'events', 'spy'];
const TITLES = { hosts: 'Hosts', links: 'Links', apps: 'Applications', events: 'Events', spy: 'Spy' };

function age(ms) {
  if (ms < 1000) return 'just now';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s ago`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min ago` : `${Math.round(m / 60)} h ago`;
}

function uptime(s) {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d`;
}

/** Heartbeat age now: the snapshot's, plus the time since it arrived (no clock sync needed). */
function hostAge(host, snapshot, now) {
  return host.heartbeat_age_ms + (now - snapshot.receivedAt);
}

function isStale(host, snapshot, now) {
  return host.stopped || hostAge(host, snapshot, now) > 3 * host.interval_ms;
}

function Labels({ labels }) {
  const entries = Object.entries(labels).sort(([a], [b]) => (a.startsWith('hostcore.') === b.startsWith('hostcore.') ? a.localeCompare(b) : a.startsWith('hostcore.') ? 1 : -1));
  return html`<div class="labels">${entries.map(([k, v]) => html`<span class=${k.startsWith('hostcore.') ? 'label core' : 'label'}>${k}=${v}</span>`)}</div>`;
}

function Hosts({ state, now }) {
  if (state.hosts.length === 0) return html`<p class="empty">No hosts answer in lattice "${state.lattice}".</p>`;
  return html`<div class="hosts">${state.hosts.map((h) => {
    const stale = isStale(h, state, now);
    return html`<section class=${stale ? 'host stale' : 'host'} data-host=${h.id} data-stale=${String(stale)}>
      <header>
        <h2>${h.name}</h2>
        <span class=${stale ? 'badge bad' : 'badge ok'}>${h.stopped ? 'stopped' : stale ? 'stale' : 'alive'}</span>
      </header>
      <p class="id" title=${h.id}>${h.id}</p>
      <dl>
        <dt>heartbeat</dt><dd class="heartbeat">${age(hostAge(h, state, now))}</dd>
        <dt>uptime</dt><dd>${uptime(h.uptime_seconds)}</dd>
        <dt>version</dt><dd>${h.version}</dd>
        <dt>resources</dt><dd>${h.counts.components} components, ${h.counts.providers} providers, ${h.counts.instances} instance slots</dd>
      </dl>
      <${Labels} labels=${h.labels}/>
      <h3>Components</h3>
      ${h.components.length ? html`<ul class="items">${h.components.map((c) => html`<li data-component=${c.id}><b>${c.id}</b> <span class="muted">×${c.max_instances}</span><br/><small>${c.image_ref}</small></li>`)}</ul>` : html`<p class="muted">none</p>`}
      <h3>Providers</h3>
      ${h.providers.length ? html`<ul class="items">${h.providers.map((p) => html`<li data-provider=${p.id}><b>${p.id}</b> <span class="muted">${p.mode ?? ''}</span><br/><small>${p.image_ref}</small></li>`)}</ul>` : html`<p class="muted">none</p>`}
    </section>`;
  })}</div>`;
}

function Links({ state }) {
  return html`<div>
    <${LinkGraph} state=${state}/>
    <table class="table">
      <thead><tr><th>source</th><th>target</th><th>interfaces</th><th>name</th></tr></thead>
      <tbody>${state.links.map((l) => html`<tr><td>${l.source_id}</td><td>${l.target}</td><td>${l.wit_namespace}:${l.wit_package}/{${l.interfaces.join(', ')}}</td><td>${l.name}</td></tr>`)}</tbody>
    </table>
  </div>`;
}

function Apps({ state }) {
  if (state.apps.length === 0) return html`<p class="empty">No applications (deploy one with <code>lattice app deploy</code>).</p>`;
  return html`<div class="apps">${state.apps.map((a) => html`<section class="app" data-app=${a.name} data-state=${a.state}>
    <header><h2>${a.name}</h2><span class=${`badge state-${a.state}`}>${a.state}</span></header>
    <p>${a.description ?? ''}</p>
    <dl>
      <dt>deployed</dt><dd>${a.deployed_version ?? '—'}</dd>
      <dt>latest</dt><dd>${a.latest_version}</dd>
      ${a.message ? html`<dt>status</dt><dd>${a.message}</dd>` : null}
    </dl>
    <h3>Versions</h3>
    <ul class="items">${a.versions.map((v) => html`<li>${v.version} <span class="muted">${new Date(v.created_at).toLocaleString()}</span> ${v.deployed ? html`<span class="badge ok">deployed</span>` : null}</li>`)}</ul>
    <h3>History</h3>
    <ul class="items history">${a.history.map((h) => html`<li><span class="muted">${new Date(h.at).toLocaleTimeString()}</span> ${h.state} ${h.version ?? ''} <small>${h.message}</small></li>`)}</ul>
  </section>`)}</div>`;
}

function Events({ events }) {
  if (events.length === 0) return html`<p class="empty">No events yet (heartbeats are left out).</p>`;
  return html`<table class="table events">
    <thead><tr><th>time</th><th>type</th><th>host</th><th>details</th></tr></thead>
    <tbody>${events.map((e) => html`<tr data-event=${e.type}><td>${new Date(e.time).toLocaleTimeString()}</td><td>${e.type}</td><td title=${e.source}>${e.source.slice(0, 8)}…</td><td>${e.summary}</td></tr>`)}</tbody>
  </table>`;
}

function Spy() {
  const [target, setTarget] = useState(new URLSearchParams(location.hash.split('?')[1] ?? '').get('target') ?? '');
  const [watching, setWatching] = useState('');
  const [calls, setCalls] = useState([]);
  useEffect(() => {
    if (!watching) return undefined;
    setCalls([]);
    const source = new EventSource(`/api/spy?target=${encodeURIComponent(watching)}`);
    source.addEventListener('call', (m) => setCalls((list) => [JSON.parse(m.data), ...list].slice(0, 200)));
    return () => source.close();
  }, [watching]);
  return html`<div class="spy">
    <form onSubmit=${(e) => { e.preventDefault(); setWatching(target.trim()); }}>
      <input name="target" placeholder="component, or component/namespace:package" value=${target} onInput=${(e) => setTarget(e.currentTarget.value)}/>
      <button type="submit">${watching ? 'Watch' : 'Start'}</button>
      ${watching ? html`<button type="button" onClick=${() => setWatching('')}>Stop</button>` : null}
    </form>
    ${watching ? html`<p class="muted">watching ${watching}: calls appear as they happen</p>` : html`<p class="muted">Live calls from and to a component, decoded against their WIT types. Read-only.</p>`}
    <table class="table calls">
      <thead><tr><th>time</th><th>call</th><th>arguments</th><th>result</th><th>ms</th><th>bytes</th></tr></thead>
      <tbody>${calls.map((c) => html`<tr class=${c.outcome} data-call=${c.function}>
        <td>${c.time.slice(11, 23)}</td>
        <td>${c.source} → ${c.target}<br/><small>${c.interface.replace(/@.*/, '')}.${c.function}</small></td>
        <td><code>${JSON.stringify(c.args)}</code></td>
        <td><code>${c.outcome === 'failed' ? c.error : JSON.stringify(c.result)}</code></td>
        <td>${c.duration_ms.toFixed(2)}</td>
        <td>${c.request_bytes} / ${c.response_bytes}</td>
      </tr>`)}</tbody>
    </table>
  </div>`;
}

function useLattice() {
  const [state, setState] = useState(null);
  const [events, setEvents] = useState([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource('/api/events');
    source.addEventListener('open', () => setConnected(true));
    source.addEventListener('error', () => setConnected(false));
    source.addEventListener('state', (m) => setState({ ...JSON.parse(m.data), receivedAt: Date.now() }));
    source.addEventListener('event', (m) => setEvents((list) => [JSON.parse(m.data), ...list].slice(0, 200)));
    return () => source.close();
  }, []);
  return { state, events, connected };
}

function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function useView() {
  const read = () => VIEWS.find((v) => location.hash.slice(1).split('?')[0] === v) ?? 'hosts';
  const [view, setView] = useState(read());
  useEffect(() => {
    const on = () => setView(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return view;
}

function App() {
  const { state, events, connected } = useLattice();
  const now = useNow();
  const view = useView();
  const counts = useMemo(() => state && ({ hosts: state.hosts.length, links: state.links.length, apps: state.apps.length, events: events.length }), [state, events]);
  if (!state) return html`<p class="loading">connecting to the lattice…</p>`;
  return html`<div class="shell">
    <nav>
      <div class="brand">lattice <span class="muted">${state.lattice}</span></div>
      ${VIEWS.map((v) => html`<a href=${`#${v}`} class=${v === view ? 'active' : ''} data-view=${v}>${TITLES[v]}${counts[v] !== undefined ? html` <span class="count">${counts[v]}</span>` : null}</a>`)}
      <div class=${connected ? 'live on' : 'live'}>${connected ? 'live' : 'reconnecting…'}</div>
    </nav>
    <main data-view=${view}>
      <h1>${TITLES[view]}</h1>
      ${view === 'hosts' ? html`<${Hosts} state=${state} now=${now}/>` : null}
      ${view === 'links' ? html`<${Links} state=${state}/>` : null}
      ${view === 'apps' ? html`<${Apps} state=${state}/>` : null}
      ${view === 'events' ? html`<${Events} events=${events}/>` : null}
      ${view === 'spy' ? html`<${Spy}/>` : null}
    </main>
  </div>`;
}

render(html`<${App}/>`, document.getElementById('app'));
