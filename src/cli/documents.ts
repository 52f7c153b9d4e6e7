import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { CliError, type CliIO } from './io.js';

/** A YAML or JSON file's document (an object), relative to the working directory. */
export function readDocument(io: CliIO, file: string, what = 'template'): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new CliError(`${file} must hold one ${what} (a mapping)`);
  }
  return doc as Record<string, unknown>;
}
