import { Type } from '@sinclair/typebox';
import { NotifydError } from '../core/errors.js';
import { errors } from '../http/responses.js';
import { type AnyRoute, defineRoute, type Reply } from '../http/route.js';
import { type AssetStore, matchesEtag } from './assets.js';
import { assetHeaders, pageHeaders } from './headers.js';
import type { WebOptions } from './options.js';

/** Where the build puts the browser code (tsc -p web/tsconfig.json), under the package root. */
const BUILT = 'dist/ui/web/src';
const BUILT_CLIENT = 'dist/ui/src/client';
/** Pages and style sheets, shipped as they are. */
const PUBLIC = 'web/public';

/** A module file name the browser asks for: nothing that could climb out of its folder. */
const MODULE_FILE = /^[a-z0-9][a-z0-9-]*\.js$/;

const none = { kind: 'none' } as const;
const FileParams = Type.Object({ file: Type.String({ pattern: MODULE_FILE.source }) });

type Kind = 'asset' | 'console-page' | 'demo-page';

/** Answers with the file, or 304 when the browser's copy is current. */
async function serve(
  assets: AssetStore,
  relative: string,
  kind: Kind,
  ifNoneMatch: string | undefined,
): Promise<Reply> {
  const asset = await assets.get(relative);
  if (!asset) {
    const hint = relative.startsWith('dist/') ? ' (the web assets are built by npm run build)' : '';
    throw new NotifydError('NOT_FOUND', `No web asset here${hint}.`);
  }
  const headers = {
    ...(kind === 'asset'
      ? assetHeaders()
      : pageHeaders(kind === 'console-page' ? "'none'" : "'self'")),
    etag: asset.etag,
  };
  if (matchesEtag(ifNoneMatch, asset.etag)) return { status: 304, headers };
  return { status: 200, body: asset.body, contentType: asset.contentType, headers };
}

/** What a fixed path answers, as the API description says it. */
function contentTypeOf(path: string, kind: Kind): string {
  if (kind !== 'asset') return 'text/html';
  if (path.endsWith('.css')) return 'text/css';
  if (path.endsWith('.svg')) return 'image/svg+xml';
  return 'text/javascript';
}

function fixed(path: string, summary: string, relative: string, kind: Kind, assets: AssetStore) {
  const contentType = contentTypeOf(path, kind);
  return defineRoute({
    method: 'GET',
    path,
    summary,
    tag: 'web',
    auth: none,
    responses: {
      200: { description: 'The file.', contentType },
      304: { description: 'The copy the browser has is current (If-None-Match).' },
      ...errors(404),
    },
    handler: (ctx) => serve(assets, relative, kind, ctx.request.headers['if-none-match']),
  });
}

function folder(path: string, summary: string, dir: string, assets: AssetStore) {
  return defineRoute({
    method: 'GET',
    path: `${path}/:file`,
    summary,
    tag: 'web',
    auth: none,
    params: FileParams,
    responses: {
      200: { description: 'The module.', contentType: 'text/javascript' },
      304: { description: 'The copy the browser has is current (If-None-Match).' },
      ...errors(400, 404),
    },
    handler: (ctx) =>
      serve(assets, `${dir}/${ctx.params.file}`, 'asset', ctx.request.headers['if-none-match']),
  });
}

/** The inbox script and its modules, the demo page, and the admin console, as enabled. */
export function webRoutes(options: WebOptions, assets: AssetStore): AnyRoute[] {
  const routes: AnyRoute[] = [];
  if (options.inbox || options.console) {
    routes.push(
      folder(
        '/ui/shared',
        'A module the inbox and the console both use',
        `${BUILT}/shared`,
        assets,
      ),
      // The console shares modules with the client too (a funnel's figures, with the CLI).
      folder('/ui/client', 'A module of the browser client (notifyd/client)', BUILT_CLIENT, assets),
      // The pages link it: without one, every page load logged a 404 for /favicon.ico.
      fixed('/ui/favicon.svg', "The pages' icon", `${PUBLIC}/favicon.svg`, 'asset', assets),
    );
  }
  if (options.inbox) {
    routes.push(
      fixed(
        '/ui/inbox.js',
        'The <notifyd-inbox> element (an ES module)',
        `${BUILT}/inbox.js`,
        'asset',
        assets,
      ),
      folder('/ui/inbox', 'A module of the inbox element', `${BUILT}/inbox`, assets),
      fixed(
        '/ui/demo',
        'A page showing the inbox against this server',
        `${PUBLIC}/demo.html`,
        'demo-page',
        assets,
      ),
      fixed('/ui/demo.js', "The demo page's script", `${BUILT}/demo.js`, 'asset', assets),
      fixed(
        '/ui/push-sw.js',
        "The inbox's web push service worker",
        `${BUILT}/push-sw.js`,
        'asset',
        assets,
      ),
      fixed('/ui/demo.css', "The demo page's styles", `${PUBLIC}/demo.css`, 'asset', assets),
    );
  }
  if (options.console) {
    routes.push(
      fixed('/ui/admin', 'The admin console', `${PUBLIC}/admin.html`, 'console-page', assets),
      fixed('/ui/admin.js', "The console's script", `${BUILT}/admin.js`, 'asset', assets),
      folder('/ui/admin', 'A module of the console', `${BUILT}/admin`, assets),
      fixed('/ui/admin.css', "The console's styles", `${PUBLIC}/admin.css`, 'asset', assets),
      defineRoute({
        method: 'GET',
        path: '/console',
        summary: 'Redirects to the admin console',
        tag: 'web',
        auth: none,
        responses: { 302: { description: 'To /ui/admin.' } },
        handler: () => ({ status: 302, headers: { location: '/ui/admin' } }),
      }),
    );
  }
  return routes;
}
