/** Where the site publishes each lab's build-time files (see src/pages/labs/). */
export function labAssetUrl(path: string): string {
  const base = import.meta.env.BASE_URL.endsWith('/') ? import.meta.env.BASE_URL : `${import.meta.env.BASE_URL}/`;
  return `${base}labs/${path}`;
}
