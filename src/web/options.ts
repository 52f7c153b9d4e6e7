/** The web surfaces' options (web.*). */
import { defineOptions, type SectionOf } from '../core/option-spec.js';

/** Which of the built-in web pages and scripts notifyd serves. */
export const WEB_OPTIONS = defineOptions([
  {
    path: 'web.inbox',
    type: 'boolean',
    default: true,
    doc: 'Serve the embeddable inbox: the <notifyd-inbox> script at /ui/inbox.js (with the browser client under /ui/client/) and its demo page at /ui/demo. Other origins may load the script when they are in server.cors_origins.',
  },
  {
    path: 'web.console',
    type: 'boolean',
    default: true,
    doc: 'Serve the admin console at /ui/admin (/console redirects there): static pages that call the API with an admin key the operator types in; the key stays in the browser tab (session storage).',
  },
]);

/** The web surfaces' settings as loaded: `web.*`. */
export type WebOptions = SectionOf<typeof WEB_OPTIONS, 'web'>;
