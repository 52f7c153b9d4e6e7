/** Digest options (digests.*): what a digest holds and how it is rendered. */
import { defineOptions, type SectionOf } from '../core/option-spec.js';

export const DIGEST_OPTIONS = defineOptions([
  {
    path: 'digests.enabled',
    type: 'boolean',
    default: true,
    doc: 'Collect deliveries routed to a digest (a channel whose delivery_schedule is digest) and send one digest per recipient and window. Off, such deliveries are sent at once.',
  },
  {
    path: 'digests.template',
    type: 'string',
    default: '',
    doc: 'Key (or id) of the template digests are rendered from; its payload is the digest (count, categories, summaries, items, link). Empty: the built-in digest template.',
  },
  {
    path: 'digests.max_items',
    type: 'integer',
    default: 20,
    min: 1,
    max: 500,
    doc: 'Latest items a digest lists one by one; older ones are only counted (and summarised by group).',
  },
  {
    path: 'digests.link_url',
    type: 'string',
    default: '',
    doc: 'The "see everything" link a digest carries (your inbox page); empty: none.',
  },
]);

/** Digest settings as loaded: `digests.*`. */
export type DigestOptions = SectionOf<typeof DIGEST_OPTIONS, 'digests'>;
