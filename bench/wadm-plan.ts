/**
 * Cost of one reconcile plan (pure scalers, no NATS): how long `planApp` takes for a converged
 * lattice (the common case: every event and tick plans again) and for a fresh deploy, at a few
 * sizes. Also validation of a kv-counter manifest from text: the project's fixture, and
 * wasmCloud's own when the compatibility corpus is present (see test/wadm/manifest-files.ts).
 *   npm run build && node dist/bench/wadm-plan.js
 */
import { corpusText, fixtureText, manifestCorpus } from '../test/wadm/manifest-files.js';
import type { AppManifest } from '../wadm/manifest/model.js';
import { validateManifestText } from '../wadm/manifest/mod.js';
import { applyCommands, planApp, type LatticeState } from '../wadm/scalers/mod.js';

function lattice(hosts: number): LatticeState {
  return {
    hosts: Array.from({ length: hosts }, (_, i) => ({
      id: `host-${i}`,
      labels: { zone: i % 5 === 0 ? 'cloud' : 'edge', arch: i % 2 ? 'arm64' : 'x86_64' },
      components: [],
      providers: [],
    })),
    links: [],
    configs: {},
  };
}

function manifest(components: number, instances: number): AppManifest {
  return {
    name: 'bench',
    shared: false,
    annotations: {},
    labels: {},
    policies: [],
    components: [
      ...Array.from({ length: components }, (_, i) => ({
        name: `c${i}`,
        kind: 'component' as const,
        id: `bench-c${i}`,
        image: `file://c${i}.wasm`,
        config: [{ name: `cfg${i}`, properties: { k: String(i) } }],
        secrets: [],
        links: [
          {
            name: 'default',
            namespace: 'wasi',
            package: 'keyvalue',
            interfaces: ['store'],
            target: 'kv',
            source_config: { config: [], secrets: [] },
            target_config: { config: [], secrets: [] },
          },
        ],
        scaler: {
          type: 'spreadscaler' as const,
          instances,
          spread: [
            { name: 'edge', requirements: { zone: 'edge' }, weight: 80 },
            { name: 'cloud', requirements: { zone: 'cloud' }, weight: 20 },
          ],
        },
      })),
      {
        name: 'kv',
        kind: 'capability' as const,
        id: 'bench-kv',
        image: 'builtin://kv',
        config: [],
        secrets: [],
        links: [],
        scaler: { type: 'daemonscaler' as const, instances: 1, spread: [] },
      },
    ],
  };
}

function time(label: string, runs: number, fn: () => unknown): void {
  for (let i = 0; i < Math.min(runs, 20); i++) fn(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) fn();
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / runs;
  console.log(`${label.padEnd(58)} ${us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} us`}`);
}

for (const [hosts, components, instances] of [
  [5, 1, 100],
  [5, 20, 100],
  [50, 100, 100],
  [500, 100, 1000],
] as const) {
  const m = manifest(components, instances);
  const empty = lattice(hosts);
  const plan = planApp({ app: 'bench', manifest: m, state: empty });
  const converged = applyCommands(empty, plan.commands);
  const runs = hosts * components > 10_000 ? 10 : 200;
  time(`deploy plan: ${components} comp x ${instances} inst, ${hosts} hosts (${plan.commands.length} cmds)`, runs, () =>
    planApp({ app: 'bench', manifest: m, state: empty }),
  );
  time(`converged plan: ${components} comp x ${instances} inst, ${hosts} hosts`, runs, () => planApp({ app: 'bench', manifest: m, state: converged }));
}

const fixture = fixtureText('valid', 'http-counter.yaml');
time('validateManifestText(kv-counter manifest, fixture)', 500, () => validateManifestText(fixture));
const corpus = manifestCorpus();
if (corpus.dir) {
  const text = corpusText(corpus.dir, 'valid', 'wasmcloud-http-keyvalue-counter.yaml');
  time("validateManifestText(wasmCloud's kv-counter manifest)", 500, () => validateManifestText(text));
} else {
  console.log(`(${corpus.reason}: wasmCloud's kv-counter manifest not timed)`);
}
