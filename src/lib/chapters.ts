/** The course in order, as pages need it: chapters sorted by factor, with their neighbours and URLs. */
import { getCollection, type CollectionEntry } from 'astro:content';

export type Chapter = CollectionEntry<'chapters'>;

export const chapterUrl = (chapter: Chapter | string) => `/factors/${typeof chapter === 'string' ? chapter : chapter.id}/`;

/** Two-digit factor number as the course prints it, e.g. `03`. */
export const factorNumber = (chapter: Chapter) => String(chapter.data.factor).padStart(2, '0');

export async function getChapters(): Promise<Chapter[]> {
  const chapters = await getCollection('chapters');
  return chapters.sort((a, b) => a.data.factor - b.data.factor);
}

export interface Neighbours {
  previous: Chapter | undefined;
  next: Chapter | undefined;
}

export function neighbours(chapters: readonly Chapter[], id: string): Neighbours {
  const index = chapters.findIndex((c) => c.id === id);
  return { previous: index > 0 ? chapters[index - 1] : undefined, next: index >= 0 ? chapters[index + 1] : undefined };
}
