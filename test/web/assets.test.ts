import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { AssetStore, etagOf, matchesEtag, packageRoot } from '../../src/web/assets.js';
import { createWebModule } from '../../src/web/module.js';
import { startServer } from '../helpers/server.js';

t.test(
  'pages carry a strict CSP; scripts an ETag, caching and CORS for allowed origins',
  async (t) => {
    const s = await startServer(t, { server: { cors_origins: ['https://app.example'] } });
    for (const [path, framing] of [
      ['/ui/demo', "frame-ancestors 'self'"],
      ['/ui/admin', "frame-ancestors 'none'"],
    ]) {
      const res = await fetch(`${s.url}${path}`);
      t.equal(res.status, 200, path);
      t.match(res.headers.get('content-type'), /^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      t.match(csp, /script-src 'self'/);
      t.notMatch(csp, /unsafe-inline/);
      t.match(csp, framing);
      t.equal(res.headers.get('cache-control'), 'no-cache');
      const html = await res.text();
      t.notMatch(html, /<script>|<script [^>]*>[^<]+<\/script>|\son[a-z]+="/, 'no inline script');
      // Without an icon of its own, a browser asked /favicon.ico and logged its 404 each load.
      const icon = /<link rel="icon" href="([^"]+)" type="image\/svg\+xml">/.exec(html)?.[1];
      t.equal(icon, '/ui/favicon.svg', `${path} links its icon`);
    }
    const icon = await fetch(`${s.url}/ui/favicon.svg`);
    t.equal(icon.status, 200);
    t.equal(icon.headers.get('content-type'), 'image/svg+xml');
    t.equal(icon.headers.get('x-content-type-options'), 'nosniff');
    t.equal(icon.headers.get('cache-control'), 'public, max-age=300');
    t.match(await icon.text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    t.equal((await fetch(`${s.url}/ui/admin`)).headers.get('x-frame-options'), 'DENY');

    const js = await fetch(`${s.url}/ui/inbox.js`, { headers: { origin: 'https://app.example' } });
    t.equal(js.status, 200);
    t.match(js.headers.get('content-type'), /^text\/javascript/);
    t.equal(js.headers.get('access-control-allow-origin'), 'https://app.example');
    t.equal(js.headers.get('cache-control'), 'public, max-age=300');
    t.equal(js.headers.get('x-content-type-options'), 'nosniff');
    const etag = js.headers.get('etag')!;
    t.match(etag, /^"[A-Za-z0-9_-]{22}"$/);
    t.match(await js.text(), /customElements\.define\('notifyd-inbox'/);

    const other = await fetch(`${s.url}/ui/inbox.js`, {
      headers: { origin: 'https://evil.example' },
    });
    t.equal(
      other.headers.get('access-control-allow-origin'),
      null,
      'other origins may not load it',
    );

    const again = await fetch(`${s.url}/ui/inbox.js`, {
      headers: { 'if-none-match': `W/${etag}` },
    });
    t.equal(again.status, 304);
    t.equal(again.headers.get('etag'), etag);
    t.equal(await again.text(), '');
    const changed = await fetch(`${s.url}/ui/inbox.js`, { headers: { 'if-none-match': '"old"' } });
    t.equal(changed.status, 200);

    for (const path of [
      '/ui/client/index.js',
      '/ui/inbox/element.js',
      '/ui/demo.js',
      '/ui/push-sw.js',
      '/ui/demo.css',
      '/ui/admin.css',
    ]) {
      t.equal((await fetch(`${s.url}${path}`)).status, 200, path);
    }
    const missing = await s.api('GET', '/ui/client/nothing-here.js');
    t.equal(missing.status, 404);
    t.match(missing.body.error.message, /npm run build/);
    t.equal((await s.api('GET', '/ui/client/..%2Fpackage.json')).status, 400);
    t.equal((await s.api('GET', '/ui/inbox/Element.JS')).status, 400);

    const console = await fetch(`${s.url}/console`, { redirect: 'manual' });
    t.equal(console.status, 302);
    t.equal(console.headers.get('location'), '/ui/admin');

    const doc = (await s.api('GET', '/openapi.json')).body;
    t.ok(doc.paths['/ui/inbox.js'].get, 'in the API description');
    t.match(doc.paths['/ui/favicon.svg'].get.responses['200'], {
      content: { 'image/svg+xml': {} },
    });
  },
);

t.test('web.inbox and web.console turn each surface off', async (t) => {
  const s = await startServer(t, { web: { inbox: false, console: false } });
  for (const path of [
    '/ui/inbox.js',
    '/ui/demo',
    '/ui/client/index.js',
    '/ui/push-sw.js',
    '/ui/admin',
    '/ui/admin.js',
    '/console',
  ]) {
    t.equal((await fetch(`${s.url}${path}`)).status, 404, path);
  }
  t.equal((await fetch(`${s.url}/ui/shared/dom.js`)).status, 404, 'shared modules too');
  t.equal((await fetch(`${s.url}/ui/favicon.svg`)).status, 404, 'the icon too');
  const only = await startServer(t, { web: { inbox: false } });
  t.equal((await fetch(`${only.url}/ui/admin`)).status, 200);
  t.equal((await fetch(`${only.url}/ui/favicon.svg`)).status, 200, "the console's icon");
  t.equal((await fetch(`${only.url}/ui/inbox.js`)).status, 404);
  // The console without the inbox: every module it imports, transitively, is served.
  const seen = new Set<string>();
  const walk = async (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const res = await fetch(`${only.url}${path}`);
    t.equal(res.status, 200, `${path} is served with web.inbox off`);
    for (const [, spec] of (await res.text()).matchAll(/from '([^']+)'/g)) {
      await walk(new URL(spec as string, `http://x${path}`).pathname);
    }
  };
  await walk('/ui/admin.js');
  t.ok(seen.has('/ui/shared/dom.js'), 'the DOM helpers the console shares with the inbox');
  t.ok(seen.size > 10, 'the whole console');
});

t.test('the asset store reads each file once and forgets missing ones', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'notifyd-web-'));
  t.teardown(() => {});
  const store = new AssetStore(root);
  t.equal(await store.get('a.js'), null, 'absent');
  writeFileSync(join(root, 'a.js'), 'export {};');
  const found = await store.get('a.js');
  t.equal(found?.body, 'export {};', 'found once the build wrote it');
  t.equal(found?.etag, etagOf('export {};'));
  writeFileSync(join(root, 'a.js'), 'changed');
  t.equal((await store.get('a.js'))?.body, 'export {};', 'kept in memory');
  writeFileSync(join(root, 'a.txt'), 'x');
  t.equal(await store.get('a.txt'), null, 'a type it does not serve');
  mkdirSync(join(root, 'dir.svg'));
  t.equal(await store.get('dir.svg'), null, 'a folder is no file');
});

t.test('ETag matching, the package root, the module', async (t) => {
  t.ok(matchesEtag('"a", W/"b"', '"b"'));
  t.ok(matchesEtag('*', '"b"'));
  t.notOk(matchesEtag('"a"', '"b"'));
  t.notOk(matchesEtag(undefined, '"b"'));
  t.not(etagOf('a'), etagOf('b'));
  t.equal(packageRoot(), fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, ''));
  t.throws(() => packageRoot('/tmp/nowhere/file.js'), /package root/);
  const mod = createWebModule({ options: { inbox: true, console: false } } as never);
  t.equal(mod.name, 'web');
  t.equal(mod.routes.length, 9, "the inbox's seven, the shared modules and the icon");
});
