/** The templates module's options (templates.*): the bounds every render runs within. */
import { defineOptions, type SectionOf } from '../core/option-spec.js';

export const TEMPLATE_OPTIONS = defineOptions([
  {
    path: 'templates.max_source_chars',
    type: 'integer',
    default: 65536,
    min: 64,
    max: 1048576,
    doc: "Longest Liquid text of one template field (liquidjs's parseLimit); a longer one is refused at save time (400 TEMPLATE_SYNTAX_ERROR).",
  },
  {
    path: 'templates.render_timeout_ms',
    type: 'integer',
    default: 1000,
    min: 1,
    max: 60000,
    doc: "How long rendering one template field may take (liquidjs's renderLimit) before it fails with 400 TEMPLATE_RENDER_ERROR: a template looping over huge ranges stops here.",
  },
  {
    path: 'templates.memory_limit',
    type: 'integer',
    default: 10000000,
    min: 1000,
    max: 1000000000,
    doc: "Allocation budget of rendering one template field (liquidjs's memoryLimit: characters of strings built by filters, items of ranges and arrays); past it the render fails with 400 TEMPLATE_RENDER_ERROR.",
  },
  {
    path: 'templates.max_output_chars',
    type: 'integer',
    default: 1048576,
    min: 64,
    max: 67108864,
    doc: 'Longest output of one rendered template field (and of any capture inside it); a longer one fails with 400 TEMPLATE_RENDER_ERROR while rendering, before it is built.',
  },
  {
    path: 'templates.cache_size',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 1000000,
    doc: 'Compiled template fields kept in memory (least recently used dropped first). A version never changes, so its compiled form is reused until evicted; 0 compiles at every render.',
  },
  {
    path: 'templates.lookup_cache_ms',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 600000,
    doc: 'How long a send reuses a template it read from the store (changes made on this node apply at once, on other nodes within about this long).',
  },
]);

/** Template rendering settings as loaded: `templates.*`. */
export type TemplateOptions = SectionOf<typeof TEMPLATE_OPTIONS, 'templates'>;
