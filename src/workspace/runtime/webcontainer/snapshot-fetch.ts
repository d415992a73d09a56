/**
 * Fetches the `node_modules` snapshot a lab mounts. The site ships it gzip-compressed under a `.bin`
 * name, which every static host serves as `application/octet-stream` and none compresses or decodes:
 * the page decompresses it here. A host that does decode it (or a proxy that compressed it again and the
 * browser undid that) hands over plain bytes, which are used as they are; gzip's magic number tells.
 */

/** What the site publishes about a lab's snapshot (see src/pages/labs/[lab]/webcontainer.json.ts). */
export interface SnapshotRef {
  /** Path under the site's `labs/` folder, named by the snapshot's content, so it can be cached forever. */
  path: string;
  /** Bytes on the wire (gzip), and once decompressed. */
  wireBytes: number;
  bytes: number;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('this browser cannot decompress downloads (no DecompressionStream); update it to a current version');
  }
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function fetchSnapshot(url: string, signal?: AbortSignal, fetcher: typeof fetch = fetch): Promise<Uint8Array> {
  const response = await fetcher(url, signal ? { signal } : {});
  if (!response.ok) throw new Error(`${url} answered ${response.status}; the site build may be incomplete`);
  const body = new Uint8Array(await response.arrayBuffer());
  return isGzip(body) ? gunzip(body) : body;
}
