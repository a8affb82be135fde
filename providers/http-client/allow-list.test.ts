import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAllowList } from './allow-list.js';

describe('http-client allow-list', () => {
  it('denies everything when empty', () => {
    const list = createAllowList([]);
    assert.equal(list.allows('https://example.com/'), false);
    const d = list.check('http://localhost:8080/x');
    assert.equal(d.allowed, false);
    assert.match(d.allowed ? '' : d.reason, /localhost:8080 is not in the http-client allow-list/);
  });

  it('allows a listed host on any port and scheme, and nothing else', () => {
    const list = createAllowList(['api.example.com']);
    assert.ok(list.allows('https://api.example.com/v1'));
    assert.ok(list.allows('http://API.Example.COM.:8080/'));
    assert.equal(list.allows('https://example.com/'), false);
    assert.equal(list.allows('https://x.api.example.com/'), false);
    assert.equal(list.allows('https://api.example.com.evil.net/'), false);
  });

  it('restricts by port and by scheme when the entry says so', () => {
    const list = createAllowList(['example.com:8443', 'https://secure.example.com']);
    assert.ok(list.allows('https://example.com:8443/'));
    assert.equal(list.allows('https://example.com/'), false);
    assert.ok(list.allows('https://secure.example.com/'));
    assert.equal(list.allows('http://secure.example.com/'), false);
    const defaultPort = createAllowList(['https://p.example.com:443']);
    assert.ok(defaultPort.allows('https://p.example.com/'));
  });

  it('matches wildcard subdomains but not the apex', () => {
    const list = createAllowList(['*.example.com']);
    assert.ok(list.allows('https://a.example.com/'));
    assert.ok(list.allows('https://a.b.example.com/'));
    assert.equal(list.allows('https://example.com/'), false);
    assert.equal(list.allows('https://notexample.com/'), false);
  });

  it('judges the host as the URL parser sees it, not as the string looks', () => {
    const list = createAllowList(['trusted.com', '127.0.0.1']);
    assert.equal(list.allows('http://trusted.com@evil.com/'), false);
    assert.equal(list.allows('http://evil.com/trusted.com'), false);
    assert.equal(list.allows('http://evil.com?trusted.com'), false);
    assert.ok(list.allows('http://2130706433/'), 'decimal form of 127.0.0.1');
    assert.ok(list.allows('http://0x7f.0.0.1/'));
    assert.equal(list.allows('ftp://trusted.com/'), false);
    assert.equal(list.allows('file:///etc/passwd'), false);
    assert.equal(list.allows('not a url'), false);
    const idn = createAllowList(['bücher.example']);
    assert.ok(idn.allows('https://xn--bcher-kva.example/'));
  });

  it('allows IP ranges given as CIDR, IPv4 and IPv6', () => {
    const list = createAllowList(['10.0.0.0/8', 'fd00::/8', '[::1]']);
    assert.ok(list.allows('http://10.1.2.3/'));
    assert.equal(list.allows('http://11.0.0.1/'), false);
    assert.ok(list.allows('http://[fd12::1]:8080/'));
    assert.ok(list.allows('http://[::1]/'));
    assert.equal(list.allows('http://[fe80::1]/'), false);
  });

  it('allows everything only when told "*"', () => {
    assert.ok(createAllowList(['*']).allows('https://anything.example/'));
  });

  it('refuses entries it cannot understand, naming every one', () => {
    assert.throws(
      () => createAllowList(['ok.com', 'ftp://x.com', 'a.*.com', 'x.com/path', '10.0.0.0/99', 'user@x.com']),
      (error: unknown) =>
        error instanceof TypeError &&
        /ftp:\/\/x\.com/.test(error.message) &&
        /a\.\*\.com/.test(error.message) &&
        /x\.com\/path/.test(error.message) &&
        /10\.0\.0\.0\/99/.test(error.message) &&
        /user@x\.com/.test(error.message) &&
        !/"ok\.com"/.test(error.message),
    );
  });
});
