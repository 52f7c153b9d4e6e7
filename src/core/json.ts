/**
 * JSON from outside (request bodies, Redis triggers, real-time frames) with its nesting
 * bounded: `JSON.parse` takes any depth, but what later walks the value recursively
 * (`JSON.stringify` on the way to the store, validation, templates) runs out of stack on a
 * document nested a hundred thousand levels deep, which fits in a few hundred kilobytes.
 */

/** How deep objects and arrays from outside may nest. */
export const MAX_JSON_DEPTH = 64;

/** The character code of a backslash. */
const BACKSLASH = 0x5c;

/** Where the string that opens at `open` (a quote) ends: its closing quote, or -1. */
function stringEnd(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at > 0) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

/**
 * Whether `text` opens more than `max` objects or arrays inside each other. One pass over
 * the text that jumps over strings; it does not check that the text is JSON.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    switch (text.charCodeAt(i)) {
      case 0x22: // "
        i = stringEnd(text, i);
        if (i < 0) return false;
        break;
      case 0x7b: // {
      case 0x5b: // [
        if (++depth > max) return true;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        depth--;
    }
  }
  return false;
}

/** `JSON.parse`, refusing (with a SyntaxError) a document nested deeper than `max`. */
export function parseBoundedJson(text: string, max = MAX_JSON_DEPTH): unknown {
  if (nestsDeeperThan(text, max)) {
    throw new SyntaxError(`objects and arrays nest deeper than ${max} levels`);
  }
  return JSON.parse(text);
}
