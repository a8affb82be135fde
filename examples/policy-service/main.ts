#!/usr/bin/env node
/**
 * Runs the example edge policy service:
 *   node dist/examples/policy-service/main.js --allow-registry ghcr.io [--allow-registry builtin]
 *     [--trusted-issuer A...] [--subject wasmbus.policy.default]
 * NATS settings come from the environment (NATS_URL, NATS_NKEY, NATS_CREDS...), as for a host;
 * hosts then run with `--policy-subject wasmbus.policy.<lattice>`.
 */
import { parseArgs } from 'node:util';
import { connectLongLived, DEFAULT_LATTICE, natsSettingsFromEnv } from '../../lib/nats-connection.js';
import { createLogger } from '../../lib/logger.js';
import { policy } from '../../protocol/mod.js';
import { serveEdgePolicy } from './service.js';

const { values } = parseArgs({
  options: {
    'allow-registry': { type: 'string', multiple: true, default: [] },
    'trusted-issuer': { type: 'string', multiple: true, default: [] },
    subject: { type: 'string' },
    lattice: { type: 'string', default: process.env.LATTICE ?? DEFAULT_LATTICE },
  },
});
const log = createLogger({ component: 'edge-policy' });
const nc = await connectLongLived(natsSettingsFromEnv(), 'lattice-edge-policy', log);
const subject = values.subject ?? policy.defaultSubject(values.lattice);
serveEdgePolicy(nc, subject, { allowedRegistries: values['allow-registry'], trustedIssuers: values['trusted-issuer'] });
log.info({ subject, allowed: values['allow-registry'] }, 'edge policy service listening');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void nc.drain());
await nc.closed();
