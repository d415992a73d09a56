/**
 * Brings a server-rendered lab to life: loads the lab's files, opens a LabSession, and wires the editor,
 * file tabs, terminal, checks panel and toolbar to it. Plain UI pieces never touch the runtime; only this
 * module and the session do.
 */
import { LabSession, type ProgressApi } from '../../workspace/session.ts';
import { createRuntime } from '../../workspace/runtime/select.ts';
import type { WorkspaceData } from '../../workspace/workspace-data.ts';
import type { RunState } from '../../workspace/stores/run.ts';
import { ProgressStorageError, STORAGE_FULL_EVENT, labStatus, nextChapter, readProgress, setLabStatus, type CourseChapter } from '../../lib/progress.ts';
import { createDeferredEditor } from './deferred-editor.ts';
import { createLazyTerminal, type LazyTerminal } from './lazy-terminal.ts';
import { bindTabs } from './file-tabs.ts';
import { wireLowerPane } from './lower-pane.ts';
import { bindSplit } from './split.ts';
import { createNotices } from './notices.ts';
import { bindToolbar } from './toolbar.ts';
import type { TaskKind } from '../../lab-model/task-kinds.ts';
import { createCrashFilter } from './crash-report.ts';

function slot<T extends HTMLElement = HTMLElement>(root: HTMLElement, name: string): T {
  const found = root.querySelector<T>(`[data-slot="${name}"]`);
  if (!found) throw new Error(`The lab markup has no [data-slot="${name}"]; LabWorkspace.astro and mount.ts disagree.`);
  return found;
}

/** `pending` is the lab's workspace.json, requested by the loader while this module downloaded. */
export async function mountWorkspace(root: HTMLElement, pending: Promise<unknown>): Promise<LabSession> {
  const data = (await pending) as WorkspaceData;
  const notices = createNotices(slot(root, 'notice'));
  // Progress, saved files and check results share the browser's storage: when it is full, one notice says so.
  const storageProblem = (error: unknown): void => {
    const full = error instanceof ProgressStorageError && error.full;
    notices.show(full ? 'save' : 'progress', (error as Error).message, 'error');
  };
  const progress: ProgressApi = {
    labStatus: (lab) => {
      try {
        return labStatus(lab);
      } catch (error) {
        storageProblem(error);
        return 'not-started';
      }
    },
    setLabStatus: (lab, status) => {
      try {
        setLabStatus(lab, status);
      } catch (error) {
        storageProblem(error);
      }
    },
  };
  // Run starts the lab's command, a task from the Run menu its own: the session reads this on each start.
  let runCommand = data.run;
  let runKind: TaskKind = 'app';
  const session = new LabSession({
    lab: data.lab,
    starter: data.starter,
    get runCommand() {
      return runCommand;
    },
    get runKind() {
      return runKind;
    },
    createRuntime: () => createRuntime(),
    progress,
  });
  void session.connect();
  // Saved work comes from IndexedDB asynchronously; the editor opens on it, not on the starter.
  await session.files.ready;

  const editorSlot = slot(root, 'editor');
  const preview = slot(root, 'preview');
  // The editor's description (aria-describedby), also shown in small type while the editor has focus:
  // Tab indents there, so keyboard users need to know the way out.
  const help = document.createElement('p');
  help.id = 'lab-editor-help';
  help.className = 'lab__editor-help';
  help.textContent = 'Tab indents; press Esc then Tab to move focus out of the editor. Ctrl+Enter or Cmd+Enter runs the checks. F8 goes to a syntax error the editor has marked.';
  const check = (): boolean => {
    void session.check();
    return true;
  };
  // The build's highlighted preview stays until the learner reaches for the editor (deferred-editor.ts).
  const editor = createDeferredEditor({
    parent: editorSlot,
    preview,
    previewPath: data.open,
    files: () => session.files.files.get(),
    readOnly: (path) => !data.editable.includes(path),
    onEdit: (path, text) => session.files.edit(path, text),
    keys: [{ key: 'Mod-Enter', run: check }],
    label: (path) => `${path}${data.editable.includes(path) ? '' : ' (read-only)'}`,
  });
  editorSlot.append(help);
  session.files.open(data.open);
  editor.show(data.open);
  // Outside changes (reset, undo reset) reach the editor here; the editor's own edits are already in it.
  let shown = session.files.files.get();
  session.files.files.subscribe((files) => {
    for (const [path, text] of Object.entries(files)) if (shown[path] !== text) editor.replace(path, text);
    shown = files;
  });

  const terminal = createLazyTerminal(slot(root, 'terminal'), `Terminal for the ${data.title} lab`, '');
  bindShell(session, terminal, slot(root, 'terminal'));

  const tabs = bindTabs(root, (path) => {
    session.files.open(path);
    editor.show(path);
  });
  tabs.select(data.open);

  const split = bindSplit(root, slot(root, 'split'), editorSlot, slot(root, 'lower'));
  wireLowerPane({
    root,
    session,
    terminal,
    split,
    lower: slot(root, 'lower'),
    checksPanel: slot(root, 'checks-panel'),
    checksSummary: slot(root, 'checks-summary'),
    checksList: slot(root, 'checks'),
    transcript: slot(root, 'transcript'),
    announce: slot(root, 'announce'),
    next: () => nextStep(root),
    skipToResults: slot<HTMLButtonElement>(root, 'skip-results'),
    output: (write) => createCrashFilter(write, { files: () => Object.keys(data.starter) }),
  });

  session.files.saveState.subscribe((save) => {
    // Whether the learner's last edit is on disk ("saved"), still to be written, or failed: for styling and tests.
    root.dataset['save'] = save.kind;
    if (save.kind === 'failed') notices.show('save', save.message, 'error');
    else notices.hide('save');
  });
  // The page reports a full storage to the lab instead of its own banner (see progress-client.ts).
  const fullBefore = document.documentElement.dataset['storageFull'];
  if (fullBefore) notices.show('save', fullBefore, 'error');
  addEventListener(STORAGE_FULL_EVENT, (event) => notices.show('save', String((event as CustomEvent<string>).detail), 'error'));
  session.files.notice.subscribe((text) => (text ? notices.show('storage', text, 'info') : notices.hide('storage')));
  session.files.recovery.subscribe((kept) => {
    if (!kept) return notices.hide('recovery');
    const when = new Date(kept.savedAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    notices.show('recovery', `Edits from a tab you closed while it disagreed with another tab were kept (${when}).`, 'info', [
      { label: 'Restore those edits', run: () => session.files.restoreRecovery() },
      { label: 'Discard them', run: () => session.files.discardRecovery() },
    ]);
  });
  session.files.conflict.subscribe((other) => {
    if (!other) return notices.hide('tabs');
    notices.show('tabs', 'This lab is also open in another tab, which saved different edits.', 'info', [
      { label: 'Use the other tab’s version', run: () => session.files.takeOther() },
      { label: 'Keep this tab’s version', run: () => session.files.keepMine() },
    ]);
  });

  const start = (command: string, kind: TaskKind): Promise<void> => {
    runCommand = command;
    runKind = kind;
    return session.start();
  };
  bindToolbar({ root, session, data, editor, notices, tabs, status: slot(root, 'status'), openApp: slot<HTMLAnchorElement>(root, 'open-app'), start });
  // After the toolbar's own notice for an unavailable runtime: a lost runner gets a way back.
  session.run.state.subscribe((state) => {
    if (state.reload && state.message) notices.show('runtime', state.message, 'error', { label: 'Reload', run: () => location.reload() });
  });
  // A problem the runtime reported after starting (a process that ignored Stop, the runtime's own error),
  // with the way out when there is one. Shown again only when it changes, so it is announced once.
  let problem: RunState['problem'] = null;
  session.run.state.subscribe((state) => {
    if (state.problem === problem) return;
    problem = state.problem;
    if (!problem) return notices.hide('runtime-problem');
    const restart = { label: 'Restart the lab runtime', run: () => void session.restartRuntime() };
    notices.show('runtime-problem', problem.message, 'error', problem.restart ? restart : undefined);
  });
  root.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
      event.preventDefault();
      check();
    }
  });
  root.dataset['ready'] = 'true';
  const clicked = root.dataset['pendingAction'];
  delete root.dataset['pendingAction'];
  if (clicked) root.querySelector<HTMLButtonElement>(`[data-action="${clicked}"]`)?.click();
  return session;
}

/** The next chapter the learner has not finished, after this lab's (the course is in data-course). */
function nextStep(root: HTMLElement): { href: string; label: string } | null {
  const course = JSON.parse(root.dataset['course'] ?? '[]') as (CourseChapter & { title: string })[];
  let progress;
  try {
    progress = readProgress();
  } catch {
    progress = { v: 1 as const, labs: {} };
  }
  // This lab has just passed, whether or not the write has landed yet.
  const lab = root.dataset['lab'] ?? '';
  progress = { ...progress, labs: { ...progress.labs, [lab]: { status: 'passed' as const, updatedAt: new Date().toISOString() } } };
  const next = nextChapter(course, progress, root.dataset['chapter']) as (CourseChapter & { title: string }) | undefined;
  return next ? { href: `/factors/${next.id}/`, label: next.title } : null;
}

/** How long a new shell may stay silent before typed keys are let through anyway. */
const SHELL_QUIET_MS = 3_000;
/** A shell's first words (banner, then prompt) may come in several pieces: this long without output ends them. */
const SHELL_SETTLE_MS = 150;
const LINE_MODE_HINT = '\x1b[2mType a command and press Enter (for example: ls, cat app.js); Ctrl+C stops it.\x1b[0m\r\n';

/** Opens the runtime's shell when the learner presses "Open a shell" or focuses the shell's terminal. */
function bindShell(session: LabSession, terminal: LazyTerminal, host: HTMLElement): void {
  let opened = false;
  const open = async (): Promise<void> => {
    await terminal.ready();
    // Keys typed while the shell starts are held by the terminal and replayed once input is attached;
    // attaching only once the shell's first words (banner and prompt) have come keeps them after those.
    const hinted = session.run.state.get().adapter === 'local';
    if (hinted) terminal.write(LINE_MODE_HINT);
    let spoke!: () => void;
    let lastOutput = 0;
    const firstOutput = new Promise<void>((resolve) => (spoke = resolve));
    const shell = await session.shell(terminal.size(), () => {
      lastOutput = performance.now();
      spoke();
    });
    if (!shell) {
      opened = false;
      terminal.write('\r\n\x1b[2mThis runtime has no interactive shell; use Run and Check.\x1b[0m\r\n');
      return;
    }
    const quietBy = performance.now() + SHELL_QUIET_MS;
    let exited = false;
    void shell.exit.then(() => (exited = true));
    await Promise.race([firstOutput, shell.exit, new Promise((resolve) => setTimeout(resolve, SHELL_QUIET_MS))]);
    // The banner and the first prompt can come in separate pieces: wait until the output pauses.
    while (lastOutput > 0 && !exited && performance.now() < quietBy) {
      const quiet = performance.now() - lastOutput;
      if (quiet >= SHELL_SETTLE_MS) break;
      await new Promise((resolve) => setTimeout(resolve, SHELL_SETTLE_MS - quiet));
    }
    const lineMode = session.run.state.get().adapter === 'local';
    if (lineMode && !hinted) terminal.write(LINE_MODE_HINT);
    terminal.attachInput(lineMode ? 'line' : 'raw', (data) => shell.write(data), () => shell.interrupt?.());
    void shell.exit.then(() => {
      opened = false;
      terminal.write('\r\n\x1b[2m[shell closed; select the terminal to open a new one]\x1b[0m\r\n');
    });
  };
  host.addEventListener('focusin', (event) => {
    // The output log takes focus to be scrolled, not to start a shell.
    if (opened || (event.target as Element).closest('[data-slot="output"]')) return;
    opened = true;
    open().catch((error: unknown) => {
      opened = false;
      terminal.write(`\r\n\x1b[31mThe shell could not start: ${error instanceof Error ? error.message : String(error)}\x1b[0m\r\n`);
    });
  });
}
