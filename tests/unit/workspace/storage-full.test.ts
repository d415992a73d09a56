// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { showProgressError } from '../../../src/components/layout/progress-client.ts';
import { ProgressStorageError, STORAGE_FULL_EVENT, setLabStatus } from '../../../src/lib/progress.ts';

/** The page banner as ProgressError.astro renders it, optionally with a lab below. */
function page(withLab: boolean): HTMLElement {
  document.body.innerHTML = `
    <div data-progress-error hidden><p data-progress-error-text></p><button data-progress-reset hidden>Reset progress</button></div>
    ${withLab ? '<section data-lab-workspace data-lab="03-config"></section>' : ''}`;
  return document.querySelector<HTMLElement>('[data-progress-error]')!;
}

/** A storage that is full, as browsers report it. */
const fullStorage = {
  getItem: () => null,
  setItem: () => {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  },
  removeItem: () => undefined,
} as unknown as Storage;

function fullError(): ProgressStorageError {
  try {
    setLabStatus('03-config', 'in-progress', fullStorage);
  } catch (error) {
    return error as ProgressStorageError;
  }
  throw new Error('a full storage should refuse the write');
}

describe('a full browser storage', () => {
  afterEach(() => {
    delete document.documentElement.dataset['storageFull'];
  });

  it('is marked as full, not damaged', () => {
    const error = fullError();
    expect(error).toMatchObject({ full: true, damaged: false });
    expect(error.message).toMatch(/used up its browser storage/);
  });

  it('on a lab page is left to the lab’s notice: no page banner', () => {
    const banner = page(true);
    const heard: string[] = [];
    const listener = (event: Event): number => heard.push((event as CustomEvent<string>).detail);
    addEventListener(STORAGE_FULL_EVENT, listener);
    showProgressError(fullError());
    removeEventListener(STORAGE_FULL_EVENT, listener);
    expect(banner.hidden).toBe(true);
    expect(heard).toEqual([expect.stringMatching(/used up its browser storage/)]);
    expect(document.documentElement.dataset['storageFull']).toBe(heard[0]);
  });

  it('elsewhere shows the banner once, without offering to reset progress', () => {
    const banner = page(false);
    showProgressError(fullError());
    expect(banner.hidden).toBe(false);
    expect(banner.querySelector<HTMLButtonElement>('[data-progress-reset]')!.hidden).toBe(true);
  });

  it('damaged progress still gets the banner with its reset, even on a lab page', () => {
    const banner = page(true);
    showProgressError(new ProgressStorageError('Your saved progress is damaged.', { damaged: true }));
    expect(banner.hidden).toBe(false);
    expect(banner.querySelector<HTMLButtonElement>('[data-progress-reset]')!.hidden).toBe(false);
  });
});
