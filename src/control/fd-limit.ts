// The open-file limit at host start (fault 8). Node raises its soft RLIMIT_NOFILE to the hard limit
// itself when it starts (src/node.cc, PlatformInit), so a host normally finds them equal and this
// only checks. When something lowered the soft limit since (a wrapper, a parent that ran prlimit
// on us), it is raised back with util-linux `prlimit --pid <self>` (Node has no setrlimit); when
// that is impossible, or when the hard limit itself is low, the returned warning says what it
// means for HTTP connections and how to raise it. The HTTP listeners size their shared budget from
// the soft limit (providers/httpserver/connection-budget.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connectionBudgetFor, readOpenFilesLimit, type OpenFilesLimit } from '../providers/httpserver/connection-budget.js';

/** Below this hard limit the warning suggests raising it (one busy site easily holds thousands). */
const COMFORTABLE_LIMIT = 4096;
const HOW_TO_RAISE = 'raise it with `ulimit -n <N>` before `stratus up` (the hard limit needs root), LimitNOFILE= in a systemd unit, or docker run --ulimit nofile=<N>:<N>';

export interface FdLimitReport {
  before?: OpenFilesLimit;
  after?: OpenFilesLimit;
  /** The soft limit was raised. */
  raised: boolean;
  /** Set when the limit is low or could not be raised: log it as a warning. */
  warning?: string;
}

const show = (n: number) => (Number.isFinite(n) ? String(n) : 'unlimited');

export function ensureFdLimit(): FdLimitReport {
  const before = readOpenFilesLimit();
  if (!before) return { raised: false }; // not Linux (no /proc): nothing to read or raise
  let after = before;
  let failure: string | undefined;
  if (before.soft < before.hard) {
    const target = Number.isFinite(before.hard) ? before.hard : nrOpen();
    try {
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${show(before.hard)}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      after = readOpenFilesLimit() ?? before;
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
      failure = err.code === 'ENOENT' ? 'prlimit (util-linux) is not installed' : `prlimit failed: ${err.stderr?.toString().trim() || err.message}`;
    }
    if (after.soft < target && failure === undefined) failure = 'prlimit did not change it';
  }
  const raised = after.soft > before.soft;
  if (failure !== undefined) {
    return { before, after, raised, warning: `the open-file limit is ${show(after.soft)} and Stratus could not raise it to ${show(before.hard)} (${failure}); HTTP listeners will hold at most ${connectionBudgetFor(after.soft)} connections; ${HOW_TO_RAISE}` };
  }
  if (after.soft < COMFORTABLE_LIMIT) {
    return { before, after, raised, warning: `the open-file limit is ${show(after.soft)} (hard limit ${show(after.hard)}): HTTP listeners will hold at most ${connectionBudgetFor(after.soft)} HTTP connections together; ${HOW_TO_RAISE}` };
  }
  return { before, after, raised };
}

/** The kernel's ceiling for a process's open files (used when the hard limit is unlimited). */
function nrOpen(): number {
  try {
    return Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim()) || 1_048_576;
  } catch {
    return 1_048_576;
  }
}
