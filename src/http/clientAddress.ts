import type { IncomingMessage } from 'node:http';

/**
 * The address a request came from, for per-client limits. Behind `trustedHops` proxies (a load
 * balancer, an ingress) the socket shows the last proxy, so the client is the address the
 * outermost trusted proxy wrote in X-Forwarded-For: each proxy appends what it saw, so it is
 * the `trustedHops`-th entry from the right. Entries further left come from the client and
 * are never trusted.
 */
export function clientAddress(req: IncomingMessage, trustedHops: number): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (trustedHops <= 0) return socket;
  const header = req.headers['x-forwarded-for'];
  const chain = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return chain.at(-trustedHops) ?? chain[0] ?? socket;
}
