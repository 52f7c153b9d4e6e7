import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc; NaN elsewhere. */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds the whole machine has been busy (all cores), from /proc/stat. */
function machineBusySeconds() {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** Store servers whose CPU a run reports apart: the process name in /proc/<pid>/comm. */
const SERVERS = { redis: 'redis-server', postgres: 'postgres' };

/** pid → CPU seconds of every local process named `comm` (all Postgres backends, say). */
function cpuByName(comm) {
  const out = new Map();
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
    } catch {
      continue;
    }
    const seconds = cpuSecondsOf(entry);
    if (!Number.isNaN(seconds)) out.set(entry, seconds);
  }
  return out;
}

/**
 * CPU seconds the processes named `comm` used between two snapshots. A process that started
 * in between counts whole; one that exited in between is missed (it lands in `other_cores`).
 */
function usedBetween(before, after) {
  let sum = 0;
  for (const [pid, seconds] of after) sum += seconds - (before.get(pid) ?? 0);
  return sum;
}

/**
 * Measures how busy the daemon(s), this load generator and the local Redis and PostgreSQL
 * servers were over a window, in cores (1.0 = one core fully used), so a result says which
 * side was the limit. `daemonPids` is one pid or several (several nodes); `daemon_cores` is
 * their sum and `daemon_cores_each` lists them. `redis_cores` / `postgres_cores` are 0 when
 * those servers do not run on this machine. `other_cores` is what the rest of the machine
 * used meanwhile (non-zero means the figures were disturbed).
 */
export function cpuMeter(daemonPids) {
  const pids = [daemonPids].flat();
  const wallStart = performance.now();
  const daemonStart = pids.map(cpuSecondsOf);
  const selfStart = process.cpuUsage();
  const machineStart = machineBusySeconds();
  const serversStart = Object.fromEntries(
    Object.entries(SERVERS).map(([name, comm]) => [name, cpuByName(comm)]),
  );
  return () => {
    const wall = (performance.now() - wallStart) / 1000;
    const self = process.cpuUsage(selfStart);
    const round = (x) => Math.round(x * 100) / 100;
    const each = pids.map((pid, i) => (cpuSecondsOf(pid) - daemonStart[i]) / wall);
    const daemon = each.reduce((a, b) => a + b, 0);
    const generator = (self.user + self.system) / 1e6 / wall;
    const servers = Object.fromEntries(
      Object.entries(SERVERS).map(([name, comm]) => [
        name,
        usedBetween(serversStart[name], cpuByName(comm)) / wall,
      ]),
    );
    const machine = (machineBusySeconds() - machineStart) / wall;
    return {
      daemon_cores: round(daemon),
      daemon_cores_each: each.map(round),
      generator_cores: round(generator),
      redis_cores: round(servers.redis),
      postgres_cores: round(servers.postgres),
      other_cores: round(
        Math.max(0, machine - daemon - generator - servers.redis - servers.postgres),
      ),
    };
  };
}
