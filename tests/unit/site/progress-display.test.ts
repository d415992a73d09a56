// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { showProgressError, startProgressDisplay } from '../../../src/components/layout/progress-client.ts';
import { PROGRESS_KEY, setLabStatus } from '../../../src/lib/progress.ts';

/** The placeholders the landing page renders, as static HTML before any script runs. */
const LANDING = `
  <div data-progress-error hidden><span data-progress-error-text></span><button data-progress-reset hidden>Reset progress</button></div>
  <a data-continue href="/factors/01-codebase/" data-course='[{"id":"01-codebase","title":"Codebase"},{"id":"02-dependencies","title":"Dependencies"},{"id":"03-config","title":"Config","lab":"03-config"},{"id":"06-processes","title":"Processes","lab":"06-processes"}]'><span data-label>Start with Codebase</span></a>
  <span data-progress-count data-total="4">0 of 4 chapters finished</span>
  <span data-labs-count data-total="2">0 of 2 labs passed</span>
  <progress data-progress-bar max="4" value="0"></progress>
  <span data-read-status="01-codebase" data-status="not-started"><span data-label>Not read yet</span></span>
  <span data-lab-status="03-config" data-status="not-started"><span data-label>Not started</span></span>
  <span data-lab-status="06-processes" data-status="not-started"><span data-label>Not started</span></span>`;

const q = (selector: string) => document.querySelector<HTMLElement>(selector)!;

beforeEach(() => {
  localStorage.clear();
  document.body.innerHTML = LANDING;
});

describe('the landing page for a new learner', () => {
  it('keeps the server-rendered defaults', () => {
    startProgressDisplay();
    expect(q('[data-lab-status="03-config"]').textContent).toBe('Not started');
    expect(q('[data-continue]').getAttribute('href')).toBe('/factors/01-codebase/');
    expect(q('[data-progress-count]').textContent).toBe('0 of 4 chapters finished');
    expect(q('[data-labs-count]').textContent).toBe('0 of 2 labs passed');
  });
});

describe('a returning learner', () => {
  it('sees saved statuses, chapters read as well as labs passed, and the next unfinished chapter, never a passed one', () => {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify({
      v: 1,
      labs: { '03-config': { status: 'passed', updatedAt: '2030-01-01T00:00:00Z' }, '06-processes': { status: 'in-progress', updatedAt: '2030-01-01T00:00:00Z' } },
      last: { chapter: '03-config', at: '2030-01-01T00:00:00Z' },
      read: { '01-codebase': '2030-01-01T00:00:00Z' },
    }));
    startProgressDisplay();
    expect(q('[data-lab-status="03-config"]').dataset['status']).toBe('passed');
    expect(q('[data-lab-status="03-config"]').textContent).toBe('Passed');
    expect(q('[data-lab-status="06-processes"]').textContent).toBe('In progress');
    expect(q('[data-read-status="01-codebase"]').textContent).toBe('Read');
    expect(q('[data-progress-count]').textContent).toBe('2 of 4 chapters finished');
    expect(q('[data-labs-count]').textContent).toBe('1 of 2 labs passed');
    expect((q('[data-progress-bar]') as HTMLProgressElement).value).toBe(2);
    // The last chapter opened is passed: the way on is the next unfinished one after it.
    expect(q('[data-continue]').getAttribute('href')).toBe('/factors/06-processes/');
    expect(q('[data-continue] [data-label]').textContent).toBe('Next: Processes');
  });

  it('continues with the chapter opened last while it is unfinished', () => {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify({ v: 1, labs: {}, last: { chapter: '02-dependencies', at: '2030-01-01T00:00:00Z' } }));
    startProgressDisplay();
    expect(q('[data-continue]').getAttribute('href')).toBe('/factors/02-dependencies/');
    expect(q('[data-continue] [data-label]').textContent).toBe('Continue with Dependencies');
  });

  it('sees a lab pass without reloading, as the workspace records it', () => {
    startProgressDisplay();
    setLabStatus('06-processes', 'passed');
    expect(q('[data-lab-status="06-processes"]').textContent).toBe('Passed');
  });
});

describe('storage problems are shown, not swallowed', () => {
  it('shows damaged data with a reset that clears it', () => {
    localStorage.setItem(PROGRESS_KEY, '{broken');
    globalThis.confirm = () => true;
    expect(startProgressDisplay()).toBeUndefined();
    expect(q('[data-progress-error]').hidden).toBe(false);
    expect(q('[data-progress-error-text]').textContent).toMatch(/damaged/);
    expect(q('[data-progress-reset]').hidden).toBe(false);
    q('[data-progress-reset]').click();
    expect(q('[data-progress-error]').hidden).toBe(true);
    expect(localStorage.getItem(PROGRESS_KEY)).toBe('{"v":1,"labs":{}}');
  });

  it('offers no reset for failures a reset cannot fix', () => {
    showProgressError(new Error('Progress could not be saved: the browser refused to write site storage.'));
    expect(q('[data-progress-error-text]').textContent).toMatch(/refused/);
    expect(q('[data-progress-reset]').hidden).toBe(true);
  });
});
