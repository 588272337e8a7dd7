import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress } from '../../src/http/clientAddress';

const request = (forwardedFor?: string | string[], socket = '10.0.0.9') =>
  ({
    socket: { remoteAddress: socket },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('is the socket address when no proxy is trusted, whatever the header says', () => {
    expect(clientAddress(request('203.0.113.5'), 0)).toBe('10.0.0.9');
  });

  it('is the entry the outermost trusted proxy wrote, counted from the right', () => {
    expect(clientAddress(request('203.0.113.5'), 1)).toBe('203.0.113.5');
    expect(clientAddress(request('1.2.3.4, 203.0.113.5'), 1)).toBe('203.0.113.5');
    expect(clientAddress(request('1.2.3.4, 203.0.113.5, 10.0.0.2'), 2)).toBe('203.0.113.5');
    expect(clientAddress(request(['1.2.3.4', '203.0.113.5']), 1)).toBe('203.0.113.5');
  });

  it('falls back to the leftmost entry or the socket when the chain is shorter than the hops', () => {
    expect(clientAddress(request('203.0.113.5'), 2)).toBe('203.0.113.5');
    expect(clientAddress(request(undefined), 1)).toBe('10.0.0.9');
    expect(clientAddress(request(' , '), 1)).toBe('10.0.0.9');
  });
});
