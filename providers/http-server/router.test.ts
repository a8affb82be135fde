import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalPath, createRouteTable } from './router.js';

function table(...specs: Array<[id: string, target: string, pathPrefix: string, host?: string]>) {
  const t = createRouteTable();
  for (const [id, target, pathPrefix, host] of specs) {
    const r = t.add({ id, target, pathPrefix, host });
    assert.ok(r.ok, r.ok ? '' : r.error);
  }
  return t;
}

const target = (t: ReturnType<typeof createRouteTable>, host: string | undefined, path: string) => t.match(host, path)?.route.target ?? null;

describe('http-server route table', () => {
  it('picks the longest matching prefix, on whole segments only', () => {
    const t = table(['l1', 'root', '/'], ['l2', 'api', '/api'], ['l3', 'v2', '/api/v2']);
    assert.equal(target(t, undefined, '/'), 'root');
    assert.equal(target(t, undefined, '/index.html'), 'root');
    assert.equal(target(t, undefined, '/api'), 'api');
    assert.equal(target(t, undefined, '/api/users?x=1'), 'api');
    assert.equal(target(t, undefined, '/apix'), 'root');
    assert.equal(target(t, undefined, '/api/v2/things'), 'v2');
    assert.equal(target(t, undefined, '/api/v20'), 'api');
  });

  it('answers null (a 404) when nothing matches', () => {
    const t = table(['l1', 'api', '/api']);
    assert.equal(t.match('example.com', '/other'), null);
    assert.equal(createRouteTable().match(undefined, '/'), null);
  });

  it('gives the remainder after the prefix', () => {
    const t = table(['l1', 'api', '/api/'], ['l2', 'root', '/']);
    assert.equal(t.match(undefined, '/api/users/7')?.remainder, '/users/7');
    assert.equal(t.match(undefined, '/api')?.remainder, '/');
    assert.equal(t.match(undefined, '/x/y')?.remainder, '/x/y');
  });

  it('routes by host first: exact, then the most specific wildcard, then any host', () => {
    const t = table(
      ['l1', 'any', '/'],
      ['l2', 'shop', '/', 'shop.example.com'],
      ['l3', 'wild', '/', '*.example.com'],
      ['l4', 'deeper', '/', '*.eu.example.com'],
      ['l5', 'shop-api', '/api', 'Shop.Example.com:8080'],
    );
    assert.equal(target(t, 'shop.example.com', '/'), 'shop');
    assert.equal(target(t, 'SHOP.example.com:80', '/api/x'), 'shop-api');
    assert.equal(target(t, 'blog.example.com', '/'), 'wild');
    assert.equal(target(t, 'a.eu.example.com', '/'), 'deeper');
    assert.equal(target(t, 'example.com', '/'), 'any', 'a wildcard does not cover the apex');
    assert.equal(target(t, 'other.org', '/'), 'any');
    assert.equal(target(t, undefined, '/'), 'any');
  });

  it('falls back to a less specific host tier when the specific one has no matching prefix', () => {
    const t = table(['l1', 'shop-api', '/api', 'shop.example.com'], ['l2', 'any', '/']);
    assert.equal(target(t, 'shop.example.com', '/home'), 'any');
  });

  it('reports a conflict when two owners claim the same host and prefix, naming both', () => {
    const t = table(['link-a', 'comp-a', '/api', 'example.com']);
    const r = t.add({ id: 'link-b', target: 'comp-b', pathPrefix: '/api/', host: 'EXAMPLE.com:443' });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /comp-a.*link-a.*link-b.*comp-b/);
    // same prefix on another host, or another prefix, is fine
    assert.ok(t.add({ id: 'link-c', target: 'comp-c', pathPrefix: '/api', host: 'other.com' }).ok);
    assert.ok(t.add({ id: 'link-d', target: 'comp-d', pathPrefix: '/api', host: undefined }).ok);
  });

  it('replaces a route re-added by its owner, and forgets removed ones', () => {
    const t = table(['l1', 'old', '/api']);
    assert.ok(t.add({ id: 'l1', target: 'new', pathPrefix: '/api' }).ok);
    assert.equal(t.size, 1);
    assert.equal(target(t, undefined, '/api'), 'new');
    assert.equal(t.remove('l1'), true);
    assert.equal(t.remove('l1'), false);
    assert.equal(target(t, undefined, '/api'), null);
    // after removal the prefix is free for another owner
    assert.ok(t.add({ id: 'l2', target: 'other', pathPrefix: '/api' }).ok);
  });

  it('refuses malformed prefixes and hosts with a clear reason', () => {
    const t = createRouteTable();
    for (const [pathPrefix, host, pattern] of [
      ['api', undefined, /must start with "\/"/],
      ['/a/../b', undefined, /"\." or "\.\." segments/],
      ['/a?b', undefined, /must not contain/],
      ['/', 'exa mple.com', /not a host name/],
      ['/', 'a.*.com', /not a host name/],
      ['/', '*', /not a host name/],
    ] as const) {
      const r = t.add({ id: 'x', target: 't', pathPrefix, host });
      assert.equal(r.ok, false, `${pathPrefix} ${host}`);
      assert.match(r.ok ? '' : r.error, pattern);
    }
    assert.equal(t.size, 0);
  });

  it('routes by the canonical path, so dot segments cannot smuggle a request past its prefix', () => {
    const t = table(['l1', 'public', '/public'], ['l2', 'admin', '/admin']);
    assert.equal(target(t, undefined, '/public/../admin/users'), 'admin');
    assert.equal(target(t, undefined, '/public/%2e%2e/admin'), 'admin');
    assert.equal(target(t, undefined, '//admin//x'), 'admin');
    assert.equal(canonicalPath('/a/./b/../c?q=1#f'), '/a/c');
    assert.equal(canonicalPath(''), '/');
  });

  it('takes a canonical path as it is and parses the rest, with the same answer either way', () => {
    // What URL parsing answers; canonicalPath skips it for paths that are canonical already.
    const parsed = (target: string): string => {
      const raw = target.startsWith('/') ? target : `/${target}`;
      return new URL(`http://route.invalid${raw}`).pathname.replace(/\/{2,}/g, '/') || '/';
    };
    const alphabet = ['a', 'Z', '0', '.', '/', '%', '2', 'e', '?', '#', ' ', '~', ':', '@', '\\', 'é', '!', '-', "'"];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      let target = '/';
      for (let length = random(12); length > 0; length--) target += alphabet[random(alphabet.length)];
      assert.equal(canonicalPath(target), parsed(target), JSON.stringify(target));
    }
    for (const target of ['/', '/a', '/a/', '/a.b/c', '/.a/..b/c..', '/a?x=/../', '/a#/..', '/a/b?q#f'])
      assert.equal(canonicalPath(target), parsed(target), target);
  });
});
