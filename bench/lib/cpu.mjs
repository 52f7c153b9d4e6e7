import { readFileSync } from 'node:fs';

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

/**
 * Measures how busy the daemon and this load generator were over a window, in cores
 * (1.0 = one core fully used), so a result says which side was the limit; `other_cores` is what the rest of the
 * machine used meanwhile (non-zero means the figures were disturbed).
 */
export function cpuMeter(daemonPid) {
  const wallStart = performance.now();
  const daemonStart = cpuSecondsOf(daemonPid);
  const selfStart = process.cpuUsage();
  const machineStart = machineBusySeconds();
  return () => {
    const wall = (performance.now() - wallStart) / 1000;
    const self = process.cpuUsage(selfStart);
    const round = (x) => Math.round(x * 100) / 100;
    const daemon = (cpuSecondsOf(daemonPid) - daemonStart) / wall;
    const generator = (self.user + self.system) / 1e6 / wall;
    const machine = (machineBusySeconds() - machineStart) / wall;
    return {
      daemon_cores: round(daemon),
      generator_cores: round(generator),
      other_cores: round(Math.max(0, machine - daemon - generator)),
    };
  };
}
