/**
 * Which `Host` headers this server answers as itself. A page from evil.example whose DNS name is later
 * rebound to 127.0.0.1 reaches us with `Host: evil.example:4321`; refusing that name keeps such a page from
 * reading the runner token or driving the runner.
 */
import { hostname, networkInterfaces } from 'node:os';
import { isLoopback } from './config.ts';

export interface HostGuard {
  /** True when `host` (a Host header) names this server. */
  allows(host: string | undefined): boolean;
  /** The origin a page served under `host` has, e.g. `http://localhost:4321`. */
  originOf(host: string): string;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

function bracket(name: string): string {
  return name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
}

export function createHostGuard(options: { host: string; port: number; allowRemote: boolean; siteUrl?: URL | undefined }): HostGuard {
  const names = new Set<string>();
  const wildcard = WILDCARDS.has(options.host);
  if (isLoopback(options.host) || wildcard) {
    for (const name of ['localhost', '127.0.0.1', '[::1]']) names.add(name);
  }
  names.add(bracket(options.host.toLowerCase()));
  if (wildcard && options.allowRemote) {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) {
      for (const address of list ?? []) names.add(bracket(address.address.toLowerCase()));
    }
  }

  const allowed = new Set<string>();
  for (const name of names) {
    allowed.add(`${name}:${options.port}`);
    if (options.port === 80) allowed.add(name);
  }
  if (options.siteUrl) {
    // Behind a proxy the public name and port differ from the bound ones; SITE_URL says what they are.
    allowed.add(options.siteUrl.host.toLowerCase());
    if (!options.siteUrl.port) allowed.add(`${options.siteUrl.hostname.toLowerCase()}:${options.siteUrl.protocol === 'https:' ? 443 : 80}`);
  }

  return {
    allows: (host) => host !== undefined && allowed.has(host.toLowerCase()),
    originOf: (host) => {
      const site = options.siteUrl;
      const scheme = site && site.host.toLowerCase() === host.toLowerCase() ? site.protocol : 'http:';
      return `${scheme}//${host.toLowerCase()}`;
    },
  };
}
