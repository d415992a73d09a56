import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCrashFilter, formatCrash } from '../../../src/components/workspace/crash-report.ts';

const FILES = ['config.js', 'counter.js', 'server.js', 'app.js', 'package.json'];
const plain = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

// As Node 24 prints them (captured from real runs, workspace /tmp/lab-x).
const IN_A_TIMER = [
  'file:///tmp/lab-x/app.js:3',
  "setTimeout(() => { const r = undefined; r.incr('x'); }, 10);",
  '                                          ^',
  '',
  "TypeError: Cannot read properties of undefined (reading 'incr')",
  '    at Timeout._onTimeout (file:///tmp/lab-x/app.js:3:43)',
  '    at listOnTimeout (node:internal/timers:608:17)',
  '    at process.processTimers (node:internal/timers:543:7)',
  '',
  'Node.js v24.9.0',
];
const PORT_TAKEN = [
  'node:events:486',
  "      throw er; // Unhandled 'error' event",
  '      ^',
  '',
  'Error: listen EADDRINUSE: address already in use :::3000',
  '    at Server.setupListenHandle [as _listen2] (node:net:1940:16)',
  '    at listenInCluster (node:net:1997:12)',
  '    at Server.listen (node:net:2102:7)',
  '    at file:///tmp/lab-x/server.js:12:10',
  '    at ModuleJob.run (node:internal/modules/esm/module_job:377:25)',
  "Emitted 'error' event on Server instance at:",
  '    at emitErrorNT (node:net:1976:8)',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:90:21) {',
  "  code: 'EADDRINUSE',",
  '  port: 3000',
  '}',
  '',
  'Node.js v24.9.0',
];
const MISSING_MODULE = [
  'node:internal/modules/esm/resolve:274',
  '    throw new ERR_MODULE_NOT_FOUND(',
  '          ^',
  '',
  "Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/tmp/lab-x/confg.js' imported from /tmp/lab-x/app.js",
  '    at finalizeResolution (node:internal/modules/esm/resolve:274:11)',
  '    at #link (node:internal/modules/esm/module_job:208:49) {',
  "  code: 'ERR_MODULE_NOT_FOUND',",
  '}',
  '',
  'Node.js v24.9.0',
];

describe('a crash report, rewritten for the learner', () => {
  it('leads with the error, then their file and line with the source, and counts what it hid', () => {
    const lines = formatCrash(IN_A_TIMER, FILES)!.map(plain);
    expect(lines[0]).toBe("TypeError: Cannot read properties of undefined (reading 'incr')");
    expect(lines[1]).toBe('  at app.js:3');
    expect(lines[2]).toContain("r.incr('x')");
    expect(lines.join('\n')).not.toMatch(/node:internal|file:\/\/|lab-x/);
    expect(lines.at(-1)).toBe('(2 stack lines inside Node.js and installed packages not shown; Node.js v24.9.0)');
  });

  it('names the first place in the learner’s files when the error was raised inside Node', () => {
    const lines = formatCrash(PORT_TAKEN, FILES)!.map(plain);
    expect(lines[0]).toBe('Error: listen EADDRINUSE: address already in use :::3000');
    expect(lines[1]).toBe('  at server.js:12 (the first place in your files)');
    expect(lines.join('\n')).not.toMatch(/node:net|throw er/);
  });

  it('shows a missing module by the names on the tabs', () => {
    const lines = formatCrash(MISSING_MODULE, FILES)!.map(plain);
    expect(lines[0]).toBe("Error [ERR_MODULE_NOT_FOUND]: Cannot find module 'confg.js' imported from app.js");
    expect(lines).toHaveLength(2);
  });

  it('is not fooled by output that only looks like the start of one', () => {
    expect(formatCrash(['/tmp/lab-x/app.js:3', 'just a log line'], FILES)).toBeNull();
  });
});

describe('the output filter', () => {
  afterEach(() => vi.useRealTimers());

  it('passes ordinary output through at once, partial lines included', () => {
    const out: string[] = [];
    const feed = createCrashFilter((text) => out.push(text), { files: () => FILES });
    feed('{"msg":"listening"}\n$ ');
    expect(out.join('')).toBe('{"msg":"listening"}\n$ ');
  });

  it('holds a crash until Node’s version line, then writes it error first', () => {
    const out: string[] = [];
    const feed = createCrashFilter((text) => out.push(text), { files: () => FILES });
    feed('booting\n');
    feed(`${IN_A_TIMER.slice(0, 4).join('\n')}\n`);
    expect(out.join('')).toBe('booting\n');
    feed(`${IN_A_TIMER.slice(4).join('\n')}\n[app exited with code 1]\n`);
    const text = plain(out.join(''));
    expect(text.indexOf('TypeError')).toBeLessThan(text.indexOf('app.js:3'));
    expect(text).toMatch(/\[app exited with code 1\]\n$/);
    expect(text).not.toContain('node:internal');
  });

  it('writes a held start that never became a report as it came, after a moment', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const feed = createCrashFilter((text) => out.push(text), { files: () => FILES, holdMs: 500 });
    feed('/tmp/lab-x/app.js:3\nnot a crash\n');
    expect(out).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(out.join('')).toBe('/tmp/lab-x/app.js:3\nnot a crash\n');
  });
});
