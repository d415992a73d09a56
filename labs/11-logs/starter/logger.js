// The app keeps its own log: plain-text lines in logs/app.log, next to the code. So that the file
// cannot fill the disk, it starts a fresh one when the day changes or when it passes 1 MB, keeping
// the old one as logs/app-<date and time>.log.
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';

const FILE = 'logs/app.log';
const MAX_BYTES = 1_000_000;

mkdirSync('logs', { recursive: true });
let day = new Date().toDateString();

function rotateIfNeeded() {
  const size = statSync(FILE, { throwIfNoEntry: false })?.size ?? 0;
  const today = new Date().toDateString();
  if (size > MAX_BYTES || (today !== day && size > 0)) {
    renameSync(FILE, `logs/app-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  }
  day = today;
}

/** Appends a line such as "5/1/2025, 9:30:12 AM INFO GET / 200 4ms" to logs/app.log. */
export function log(level, message) {
  rotateIfNeeded();
  appendFileSync(FILE, `${new Date().toLocaleString()} ${level.toUpperCase()} ${message}\n`);
}
