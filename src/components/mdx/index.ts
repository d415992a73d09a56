/** Components chapter authors use in MDX without importing them; the chapter page passes this map. */
import Aside from './Aside.astro';

export { Aside };
export const mdxComponents = { Aside };
