import type { Command } from 'commander';
import type { NotifydClient } from '../client/rest.js';
import type { PageBody } from '../http/admin-routes.js';
import type { CliIO } from './io.js';
import { intBetween } from './ratelimit-args.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';

/** Paging flags of a list command. */
export interface PageOptions extends RemoteOptions {
  page?: number;
  perPage?: number;
}

/** Query parameters; those left undefined are left out. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

/** `?page=…&per_page=…` and any other query parameters that are set. */
export function query(params: QueryParams): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined) as Array<
    [string, string]
  >;
  return entries.length
    ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`
    : '';
}

export const enc = encodeURIComponent;

/** A footer under a table when there are more pages. */
export function pageNote(p: PageBody<unknown>): string {
  const last = Math.max(1, Math.ceil(p.total / p.per_page));
  return last > 1 ? `page ${p.page} of ${last} (${p.total} in all; --page for more)\n` : '';
}

/** Adds `--page` and `--per-page` to a list command. */
export function pageFlags(cmd: Command): Command {
  return cmd
    .option('--page <n>', 'which page', intBetween(1, 100_000))
    .option('--per-page <n>', 'how many per page', intBetween(1, 200));
}

/** Adds `--limit` and `--cursor` to a command listing what the API pages with a cursor. */
export function cursorFlags(cmd: Command): Command {
  return cmd
    .option('--limit <n>', 'how many', intBetween(1, 1000))
    .option('--cursor <cursor>', 'where the previous page ended');
}

/** Prints for people, or JSON for scripts. */
export function printer(io: CliIO) {
  return {
    text: (s: string) => {
      io.stdout.write(s);
    },
    json: (value: unknown) => {
      io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}

/** A table's columns: a header and how each row fills it. */
export type Columns<T> = Array<[header: string, cell: (o: T) => string]>;

function tableOf<T>(columns: Columns<T>, data: T[]): string {
  return formatTable(
    columns.map(([h]) => h),
    data.map((o) => columns.map(([, cell]) => cell(o))),
  );
}

/** A page as the API answered it with --json, else a table of `columns` and the page footer. */
export function printPage<T>(
  out: ReturnType<typeof printer>,
  page: PageBody<T>,
  columns: Columns<T>,
  opts: { json?: boolean },
): void {
  if (opts.json) out.json(page);
  else out.text(tableOf(columns, page.data) + pageNote(page));
}

/**
 * A list the API pages with a cursor (`cursor`: where this page ended, null at the end) as it
 * answered with --json, else a table of `columns` and how to ask for the next page.
 */
export function printCursorPage<T>(
  out: ReturnType<typeof printer>,
  page: { data: T[] },
  cursor: string | null,
  columns: Columns<T>,
  opts: { json?: boolean },
): void {
  if (opts.json) out.json(page);
  else out.text(tableOf(columns, page.data) + (cursor ? `more: --cursor ${cursor}\n` : ''));
}

/** One command of an object group: its description, and its positional argument if any. */
interface CommandSpec {
  description: string;
  /** e.g. `['<name-or-id>', 'the policy']`. */
  argument?: [string, string];
  /** Flags of its own (and any further arguments). */
  flags?: (cmd: Command) => Command;
}

/** The standard `create`: its flags and arguments make a body POSTed to the collection. */
interface CreateSpec extends CommandSpec {
  /** The request body; a CliError refuses flags that do not go together. */
  body(opts: RemoteOptions, ...args: string[]): unknown;
}

/**
 * The admin commands of one object kind (`notifyd policy create|list|get|delete`, …), all
 * clients of its API under `path`: `list` prints a table (or the page as JSON), `get` and the
 * writes print `describe` (or the object as JSON), `delete` confirms. Commands of the kind's
 * own (update, enable…) are added to the group this answers, with `api` to call.
 */
export interface ObjectCommands<V> {
  /** The command group, e.g. `policy`. */
  group: string;
  description: string;
  /** The API path of the collection, e.g. `/api/v1/ratelimit/policies`. */
  path: string;
  /** What one object is called in `Deleted policy free.`. */
  noun: string;
  /** One object for people. */
  describe(o: V): string;
  create?: CreateSpec;
  list?: CommandSpec & {
    /** Extra query parameters from the command's own flags. */
    query?(opts: PageOptions & Record<string, unknown>): Record<string, string | undefined>;
    columns: Columns<V>;
    /** Lists something else instead when its flags say so (answers true when it did). */
    instead?(opts: PageOptions & Record<string, unknown>): Promise<boolean>;
  };
  get?: CommandSpec & { name?: string };
  remove?: CommandSpec;
  /**
   * The kind's own commands, registered in this order around the standard ones (so that
   * help lists create, list, get, update, the rest, delete). `beforeList` holds a create
   * that prints otherwise (rule, report generate, report schedule) or one beside it (plan
   * assign).
   */
  beforeList?(group: Command, api: ObjectApi<V>): void;
  update?(group: Command, api: ObjectApi<V>): void;
  /**
   * One-word commands on one object (`enable`, `pause`, `ack`): each calls the API and
   * prints the object it answers.
   */
  actions?: Array<
    CommandSpec & {
      name: string;
      argument: [string, string];
      /** The call: method, path under the object, body. */
      request(id: string): [method: string, suffix: string, body?: unknown];
    }
  >;
  more?(group: Command, api: ObjectApi<V>): void;
}

/** How a kind's own commands call its API: typed by the view the API answers. */
export interface ObjectApi<V> {
  client(opts: RemoteOptions): NotifydClient;
  /** Calls `path + suffix`; a failure becomes one line for the user. */
  call<T = V>(opts: RemoteOptions, method: string, suffix: string, body?: unknown): Promise<T>;
  /**
   * Gets one page under `path + suffix` (the paging flags and `params` as its query) and
   * prints it with `printPage`.
   */
  page<T>(
    opts: PageOptions,
    suffix: string,
    columns: Columns<T>,
    params?: QueryParams,
  ): Promise<void>;
  /** Prints the object: `describe` for people, JSON with --json. */
  show(o: V, opts: RemoteOptions): void;
  /** Prints anything else the kind's commands answer: text for people, or JSON. */
  out: ReturnType<typeof printer>;
}

/** Registers an object kind's command group; answers it and the API helper for more commands. */
export function registerObjectCommands<V>(
  program: Command,
  io: CliIO,
  spec: ObjectCommands<V>,
): { group: Command; api: ObjectApi<V> } {
  const group = program.command(spec.group).description(spec.description);
  const out = printer(io);
  const api: ObjectApi<V> = {
    client: (opts) => clientFor(io, opts),
    call: (opts, method, suffix, body) =>
      call(() => clientFor(io, opts).request(method, `${spec.path}${suffix}`, body)),
    page: async <T>(
      opts: PageOptions,
      suffix: string,
      columns: Columns<T>,
      params?: QueryParams,
    ) => {
      const q = query({ page: opts.page, per_page: opts.perPage, ...params });
      printPage(out, await api.call<PageBody<T>>(opts, 'GET', `${suffix}${q}`), columns, opts);
    },
    show: (o, opts) => (opts.json ? out.json(o) : out.text(spec.describe(o))),
    out,
  };
  const command = (name: string, c: CommandSpec) => {
    let cmd = group.command(name).description(c.description);
    if (c.argument) cmd = cmd.argument(...c.argument);
    return remoteOptions(c.flags ? c.flags(cmd) : cmd);
  };

  const { create, list, get, remove } = spec;
  if (create) {
    command('create', create).action(async (...args: unknown[]) => {
      // Commander passes the arguments, then the options, then the command.
      const opts = args.at(-2) as RemoteOptions;
      const body = create.body(opts, ...(args.slice(0, -2) as string[]));
      api.show(await api.call(opts, 'POST', '', body), opts);
    });
  }
  spec.beforeList?.(group, api);
  if (list) {
    command('list', {
      ...list,
      flags: (cmd) => pageFlags(list.flags ? list.flags(cmd) : cmd),
    }).action(async (opts: PageOptions & Record<string, unknown>) => {
      if (await list.instead?.(opts)) return;
      await api.page(opts, '', list.columns, list.query?.(opts));
    });
  }
  if (get) {
    command(get.name ?? 'get', get).action(async (id: string, opts: RemoteOptions) => {
      api.show(await api.call(opts, 'GET', `/${enc(id)}`), opts);
    });
  }
  spec.update?.(group, api);
  for (const action of spec.actions ?? []) {
    command(action.name, action).action(async (id: string, opts: RemoteOptions) => {
      const [method, suffix, body] = action.request(id);
      api.show(await api.call(opts, method, suffix, body), opts);
    });
  }
  spec.more?.(group, api);
  if (remove) {
    command('delete', remove).action(async (id: string, opts: RemoteOptions) => {
      await api.call(opts, 'DELETE', `/${enc(id)}`);
      if (opts.json) out.text(`${JSON.stringify({ deleted: id })}\n`);
      else out.text(`Deleted ${spec.noun} ${id}.\n`);
    });
  }
  return { group, api };
}
