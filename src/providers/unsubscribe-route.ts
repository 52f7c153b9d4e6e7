/**
 * `GET|POST /unsubscribe?token=…`: the one-click unsubscribe (RFC 8058) emails carry in
 * `List-Unsubscribe`. A mail client POSTs `List-Unsubscribe=One-Click` to the URL; a person
 * who opens the link gets a small page whose button does the same POST. The signed token
 * (unsubscribe-token.ts) names the tenant, subscriber and category; the POST turns that
 * category's email off through the preferences service (a mandatory category: 403
 * MANDATORY_CATEGORY); a category the tenant does not define has no preferences of its
 * own, so its link turns the subscriber's email off as a whole (mandatory ones still send). No API key: the token is the permission, and it can do nothing else.
 */
import { Type } from '@sinclair/typebox';
import { NotifydError } from '../core/errors.js';
import { errors } from '../http/responses.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import {
  UNSUBSCRIBE_PATH,
  type UnsubscribeTarget,
  type UnsubscribeTokens,
} from './unsubscribe-token.js';

/** The preferences service as the unsubscribe needs it (the recipients module's). */
export interface EmailOptOut {
  /** True when the tenant defines this category (it has preferences of its own). */
  knowsCategory(tenantId: string, category: string): Promise<boolean>;
  updateCategory(
    tenantId: string,
    subscriberId: string,
    category: string,
    body: { channels: { email: boolean } },
  ): Promise<unknown>;
  update(
    tenantId: string,
    subscriberId: string,
    body: { channels: { email: { enabled: boolean } } },
  ): Promise<unknown>;
}

export interface UnsubscribeDeps {
  /** Null without `encryption.key`: every link is refused. */
  tokens: UnsubscribeTokens | null;
  preferences: EmailOptOut | undefined;
}

const TokenQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 2048 }) });
const OneClick = Type.Object(
  { 'List-Unsubscribe': Type.Optional(Type.String({ maxLength: 64 })) },
  { description: 'RFC 8058: `List-Unsubscribe=One-Click`.' },
);
const Done = Type.Object({
  unsubscribed: Type.Literal(true),
  category: Type.Union([Type.String(), Type.Null()], {
    description:
      'The category whose email was turned off; null: the link’s category is not defined, so email as a whole was turned off (mandatory categories still send).',
  }),
  channel: Type.Literal('email'),
});

const html = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Unsubscribe</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">${body}</body></html>`;

export function unsubscribeRoutes(deps: UnsubscribeDeps): AnyRoute[] {
  const target = (token: string): UnsubscribeTarget => {
    const t = deps.tokens?.read(token);
    if (!t) throw new NotifydError('UNSUBSCRIBE_LINK_INVALID');
    return t;
  };
  /**
   * What the link turns off: its category's email, or, for a category the tenant does not
   * define (an uncategorised notification is `general`), the subscriber's email as a whole.
   */
  const scopeOf = async (t: UnsubscribeTarget) => {
    if (!deps.preferences) throw new NotifydError('UNSUBSCRIBE_LINK_INVALID');
    const known = await deps.preferences.knowsCategory(t.tenant_id, t.category);
    return {
      preferences: deps.preferences,
      category: known ? t.category : null,
      what: known ? `emails about <b>${html(t.category)}</b>` : 'emails from this service',
    };
  };
  return [
    defineRoute({
      method: 'GET',
      path: UNSUBSCRIBE_PATH,
      summary: 'The page an email’s unsubscribe link opens: one button that unsubscribes (no key)',
      tag: 'preferences',
      auth: { kind: 'none' },
      query: TokenQuery,
      responses: {
        200: { description: 'A small HTML page.', contentType: 'text/html' },
        ...errors(400, 403),
      },
      async handler({ query }) {
        const { what } = await scopeOf(target(query.token));
        const action = `${UNSUBSCRIBE_PATH}?${new URLSearchParams({ token: query.token })}`;
        return {
          status: 200,
          contentType: 'text/html; charset=utf-8',
          body: page(
            `<p>Stop ${what}?</p><form method="post" action="${html(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
          ),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: UNSUBSCRIBE_PATH,
      summary:
        'One-click unsubscribe (RFC 8058): turns email of the link’s category off for its subscriber (no key)',
      tag: 'preferences',
      auth: { kind: 'none' },
      query: TokenQuery,
      form: true,
      bodyOptional: true,
      bodyLimit: 4096,
      body: OneClick,
      responses: {
        200: { description: 'Unsubscribed (an HTML page for a browser).', schema: Done },
        ...errors(400, 403, 404),
      },
      async handler({ query, request }) {
        const t = target(query.token);
        const { preferences, category, what } = await scopeOf(t);
        if (category === null) {
          await preferences.update(t.tenant_id, t.subscriber_id, {
            channels: { email: { enabled: false } },
          });
        } else {
          await preferences.updateCategory(t.tenant_id, t.subscriber_id, category, {
            channels: { email: false },
          });
        }
        if ((request.headers.accept ?? '').includes('text/html')) {
          return {
            status: 200,
            contentType: 'text/html; charset=utf-8',
            body: page(`<p>You will get no more ${what}.</p>`),
          };
        }
        return { status: 200, body: { unsubscribed: true, category, channel: 'email' } };
      },
    }),
  ];
}
