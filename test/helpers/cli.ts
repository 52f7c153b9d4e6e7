/** What `runCli` writes, captured: the io to hand it, and the text written to each stream. */
export function cliIO(env: Record<string, string> = {}, cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      env,
      cwd,
    },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
