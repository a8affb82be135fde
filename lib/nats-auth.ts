/**
 * NATS authorization for a lattice (docs/security.md): which subjects each kind of client may use,
 * as nats-server `authorization` users with nkeys. Three roles:
 * - host: everything of the lattice (control interface, events, invocations, JetStream buckets),
 *   and the application subjects its builtin messaging provider serves; never `$SYS`.
 * - cli: the control interface, the wadm API, lattice events and status, and the JetStream API
 *   (config, secrets and artifacts are written through it); no invocation subjects.
 * - provider (provider processes; components never hold credentials: their host speaks for them):
 *   invocation subjects, and reading the lattice's link, config and (sealed) secret buckets.
 */
import { allEvents, buckets, ctlPrefix, spy } from '../protocol/subjects.js';

export interface Permissions {
  publish: { allow?: string[]; deny?: string[] };
  subscribe: { allow?: string[]; deny?: string[] };
  /** Lets a client answer requests sent to it without publish rights on reply subjects. */
  allowResponses: boolean;
}

export type Role = 'host' | 'cli' | 'provider';

/** The JetStream API subjects that read (never write) a KV bucket. */
function kvReadSubjects(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.FC.${stream}.>`,
  ];
}

/** Calls, chunk transfers, call replies (several messages per call) and byte streams. */
function invocationSubjects(lattice: string): string[] {
  return [`wrpc.v1.${lattice}.>`, `wrpc.xfer.v1.${lattice}.>`, `wrpc.reply.v1.${lattice}.>`, `wrpc.stream.v1.${lattice}.>`];
}

export function rolePermissions(role: Role, lattice: string): Permissions {
  switch (role) {
    case 'host':
      return { publish: { allow: ['>'], deny: ['$SYS.>'] }, subscribe: { allow: ['>'], deny: ['$SYS.>'] }, allowResponses: true };
    case 'cli':
      return {
        publish: {
          // Invocation subjects for `lattice call`, spy interest for `lattice spy`.
          allow: [
            `${ctlPrefix(lattice)}.>`,
            `wadm.api.${lattice}.>`,
            `wrpc.v1.${lattice}.>`,
            spy.interest(lattice),
            '$JS.API.>',
            '$JS.ACK.>',
            '$JS.FC.>',
            `$KV.${buckets.config(lattice)}.>`,
            `$KV.${buckets.secrets(lattice)}.>`,
            `$O.${buckets.artifacts(lattice)}.>`,
          ],
        },
        // Call replies for `lattice call` (acknowledgement, beats, the reply).
        subscribe: { allow: ['_INBOX.>', allEvents(lattice), `wadm.status.${lattice}.>`, `wasmbus.spy.v1.${lattice}.rec.>`, `wrpc.reply.v1.${lattice}.>`] },
        allowResponses: false,
      };
    case 'provider':
      return {
        publish: {
          allow: [
            ...invocationSubjects(lattice),
            `wasmbus.spy.v1.${lattice}.rec.>`,
            '$JS.API.INFO',
            ...[buckets.links(lattice), buckets.config(lattice), buckets.secrets(lattice)].flatMap(kvReadSubjects),
          ],
        },
        subscribe: { allow: [...invocationSubjects(lattice), spy.interest(lattice), '_INBOX.>'] },
        allowResponses: true,
      };
  }
}

const list = (items: string[] | undefined) => `[${(items ?? []).map((s) => JSON.stringify(s)).join(', ')}]`;

function renderPermissions(p: Permissions): string {
  const side = (name: string, s: { allow?: string[]; deny?: string[] }) =>
    `      ${name}: { ${s.allow ? `allow: ${list(s.allow)}` : ''}${s.allow && s.deny ? ', ' : ''}${s.deny ? `deny: ${list(s.deny)}` : ''} }`;
  return [
    '    permissions: {',
    `${side('publish', p.publish)}`,
    `${side('subscribe', p.subscribe)}`,
    ...(p.allowResponses ? ['      allow_responses: true'] : []),
    '    }',
  ].join('\n');
}

/** An `authorization { users = [...] }` block for nats-server: one nkey user per entry. */
export function authorizationConfig(users: Array<{ nkey: string; role: Role; comment?: string }>, lattice: string): string {
  const entries = users.map(
    (u) => `  # ${u.comment ?? u.role}\n  {\n    nkey: ${JSON.stringify(u.nkey)}\n${renderPermissions(rolePermissions(u.role, lattice))}\n  }`,
  );
  return `authorization {\n  users = [\n${entries.join(',\n')}\n  ]\n}\n`;
}
