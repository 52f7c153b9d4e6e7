/**
 * Module hooks that run the TypeScript tests (and the sources they import) without a build:
 * each .ts file is transpiled by TypeScript's transpileModule, as tap's ts-node loader did
 * (the same output and source maps, so that coverage from test processes and from daemons
 * running the built dist/ lands on the same places), and the result is cached on disk by
 * content. ts-node compiled every imported file again in every test process: about half of
 * `src` per test file, 6 s for the server helper alone, most of the suite's time.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = join(root, 'node_modules', '.cache', 'notifyd-tests');
const require = createRequire(import.meta.url);
/** What decides a file's output besides its text: the compiler's version and tsconfig.json. */
const salt = `${require('typescript/package.json').version}\0${readFileSync(join(root, 'tsconfig.json'), 'utf8')}\0`;
mkdirSync(cacheDir, { recursive: true });

/**
 * `./x.js` in a TypeScript source names `./x.ts` (NodeNext resolution), with any query kept
 * (t.mockImport adds one).
 */
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const relative = specifier.startsWith('.') || specifier.startsWith('file:');
    const [path, query = ''] = splitQuery(specifier);
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !relative || !path.endsWith('.js')) throw err;
    return next(`${path.slice(0, -3)}.ts${query}`, context);
  }
}

/** A specifier's path and its query or fragment (from the first ? or #). */
function splitQuery(specifier) {
  const at = specifier.search(/[?#]/);
  return at === -1 ? [specifier] : [specifier.slice(0, at), specifier.slice(at)];
}

export async function load(url, context, next) {
  const [path] = splitQuery(url);
  if (!path.startsWith('file:') || !path.endsWith('.ts')) return next(url, context);
  const file = fileURLToPath(path);
  const text = readFileSync(file, 'utf8');
  const key = createHash('sha256').update(salt).update(file).update('\0').update(text);
  const cached = join(cacheDir, `${key.digest('hex')}.js`);
  let source;
  try {
    source = readFileSync(cached, 'utf8');
  } catch {
    source = transpile(text, file);
    // Written whole, then renamed: a test process beside this one reads all of it or none.
    const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(partial, source);
    renameSync(partial, cached);
  }
  return { format: 'module', source, shortCircuit: true };
}

/** TypeScript and the options it transpiles with, loaded on the first file not cached. */
let compiler;
function compilerOf() {
  if (compiler) return compiler;
  const ts = require('typescript');
  const { config } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
  const compilerOptions = {
    ...options,
    // The package is "type": "module": every .ts file is ESM, which transpileModule (it has
    // no package.json to look at) emits for ESNext, as NodeNext does for an ESM file.
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    sourceMap: true,
    inlineSourceMap: false,
    inlineSources: true,
    declaration: false,
    declarationMap: false,
    noEmit: false,
    outDir: undefined,
  };
  compiler = { ts, compilerOptions };
  return compiler;
}

/** The module's JavaScript with its source map inline, naming the .ts file. */
function transpile(text, file) {
  const { ts, compilerOptions } = compilerOf();
  const out = ts.transpileModule(text, { fileName: file, compilerOptions });
  const map = JSON.parse(out.sourceMapText);
  map.file = file;
  map.sources = [file];
  const code = out.outputText.replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
  const inline = Buffer.from(JSON.stringify(map)).toString('base64');
  return `${code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${inline}\n`;
}
