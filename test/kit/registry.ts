/**
 * A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution) on a free loopback
 * port with a temp storage dir, without auth, with htpasswd basic auth, or with token auth served
 * by a small token service here (the Bearer challenge flow: the registry answers 401 with a realm,
 * the client fetches a JWT from it with its credentials and retries).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedEc } from './openssl.js';
import { freePort } from './ports.js';

export const REGISTRY_BIN = process.env.DOCKER_REGISTRY_BIN ?? 'docker-registry';

export function requireRegistryTools(): void {
  const missing = [
    [REGISTRY_BIN, ['--version'], 'docker-registry'],
    ['htpasswd', ['-h'], 'apache2-utils'],
    ['openssl', ['version'], 'openssl'],
  ].filter(([bin, args]) => spawnSync(bin as string, args as string[]).error !== undefined);
  if (missing.length) {
    throw new Error(`missing ${missing.map((m) => m[0]).join(', ')}; install: apt-get install -y ${missing.map((m) => m[2]).join(' ')}`);
  }
}

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface RegistryOptions {
  auth?: RegistryAuth;
  /** User name to password (basic and token auth). */
  users?: Record<string, string>;
}

const SERVICE = 'lattice-test-registry';
const ISSUER = 'lattice-test-token-issuer';

export class TestRegistry {
  private exited: Promise<void> = Promise.resolve();
  private child: ChildProcess | null = null;
  private stderr = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly configPath: string,
    private readonly tokenServer: Server | null,
  ) {}

  /** `127.0.0.1:<port>`, the registry part of image references. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get storageDir(): string {
    return join(this.dir, 'storage');
  }

  static async start(options: RegistryOptions = {}): Promise<TestRegistry> {
    requireRegistryTools();
    const auth = options.auth ?? 'none';
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'lattice-registry-'));
    const users = options.users ?? {};
    let authYaml = '';
    let tokenServer: Server | null = null;
    if (auth === 'basic') {
      const lines = Object.entries(users).map(([user, password]) => {
        const out = spawnSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' });
        if (out.status !== 0) throw new Error(`htpasswd failed: ${out.stderr}`);
        return out.stdout.trim();
      });
      await writeFile(join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
      authYaml = `auth:\n  htpasswd:\n    realm: lattice-test\n    path: ${join(dir, 'htpasswd')}\n`;
    } else if (auth === 'token') {
      const { server, port: tokenPort } = await startTokenService(dir, users);
      tokenServer = server;
      authYaml = [
        'auth:',
        '  token:',
        `    realm: http://127.0.0.1:${tokenPort}/token`,
        `    service: ${SERVICE}`,
        `    issuer: ${ISSUER}`,
        `    rootcertbundle: ${join(dir, 'token.crt')}`,
        '',
      ].join('\n');
    }
    const configPath = join(dir, 'config.yml');
    await writeFile(
      configPath,
      [
        'version: 0.1',
        'log:',
        '  level: error',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'storage')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        authYaml,
      ].join('\n'),
    );
    const registry = new TestRegistry(port, dir, configPath, tokenServer);
    await registry.launch();
    return registry;
  }

  private async launch(): Promise<void> {
    const child = spawn(REGISTRY_BIN, ['serve', this.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited at start: ${this.stderr}`);
      const answered = await fetch(`http://${this.host}/v2/`).then(
        (r) => (r.body?.cancel(), true),
        () => false,
      );
      if (answered) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`docker-registry did not answer on ${this.port} within 15 s: ${this.stderr}`);
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    this.child = null;
  }

  /** Starts it again on the same port with the same storage. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** The file holding a blob's bytes in the registry's storage (to damage it in tests). */
  blobFile(digest: string): string {
    const hex = digest.slice('sha256:'.length);
    return join(this.storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
  }

  async dispose(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => (this.tokenServer ? this.tokenServer.close(() => resolve()) : resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * The token service of the registry's `token` auth: checks Basic credentials and issues an ES256
 * JWT whose x5c header carries the certificate the registry trusts, granting the scope asked for.
 */
async function startTokenService(dir: string, users: Record<string, string>): Promise<{ server: Server; port: number }> {
  const key = join(dir, 'token.key');
  const crt = join(dir, 'token.crt');
  selfSignedEc(key, crt, 'lattice-test-token');
  const privateKey = createPrivateKey(await readFile(key));
  const certDer = new X509Certificate(await readFile(crt)).raw.toString('base64');
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const header = req.headers.authorization ?? '';
    const [user, password] = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString().split(/:(.*)/s) : [];
    if (url.pathname !== '/token' || !user || users[user] !== password) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: 'ES256', typ: 'JWT', x5c: [certDer] })}.${b64({
      iss: ISSUER,
      sub: user,
      aud: url.searchParams.get('service') ?? SERVICE,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    })}`;
    const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${input}.${signature}`, expires_in: 300 }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port };
}
