import { defineCollection } from 'astro:content';
import { chapterSchema } from './schemas/chapter.ts';
import { chapterLoader } from './schemas/chapter-loader.ts';

/** One entry per `content/chapters/NN-slug.mdx`; the id is the file name, e.g. `03-config`. */
const chapters = defineCollection({
  loader: chapterLoader({ base: './content/chapters' }),
  schema: chapterSchema,
});

export const collections = { chapters };
