import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AgentsConfigError, ServiceHoursError } from '../../src/errors';
import { AgentDirectory, hashPassword } from '../../src/handoff/agents';
import { ServiceHours } from '../../src/handoff/hours';
import { signWebhook } from '../../src/handoff/webhook';

const FAST = { N: 1024, r: 8, p: 1 };

describe('ServiceHours', () => {
  const hours = ServiceHours.parse('mon-fri 08:00-16:30; sat 09:00-12:00', 'America/Guayaquil');
  // Guayaquil is UTC-5 all year.
  const at = (iso: string) => new Date(iso);

  it('is open inside a window and closed outside, in the operator time zone', () => {
    expect(hours.isOpen(at('2025-03-03T13:00:00Z'))).toBe(true); // Monday 08:00
    expect(hours.isOpen(at('2025-03-03T12:59:00Z'))).toBe(false); // Monday 07:59
    expect(hours.isOpen(at('2025-03-03T21:30:00Z'))).toBe(false); // Monday 16:30
    expect(hours.isOpen(at('2025-03-08T15:00:00Z'))).toBe(true); // Saturday 10:00
    expect(hours.isOpen(at('2025-03-09T15:00:00Z'))).toBe(false); // Sunday
  });

  it('tells when agents are back', () => {
    expect(hours.nextOpening(at('2025-03-03T12:00:00Z'))).toEqual({ day: 1, time: '08:00', today: true });
    expect(hours.nextOpening(at('2025-03-07T22:00:00Z'))).toEqual({ day: 6, time: '09:00', today: false });
    expect(hours.nextOpening(at('2025-03-08T18:00:00Z'))).toEqual({ day: 1, time: '08:00', today: false });
  });

  it('refuses specs it cannot read, naming the problem', () => {
    expect(() => ServiceHours.parse('lunes 8-16', 'America/Guayaquil')).toThrow(ServiceHoursError);
    expect(() => ServiceHours.parse('mon 16:00-08:00', 'America/Guayaquil')).toThrow(/after the start/);
    expect(() => ServiceHours.parse('mon 08:00-16:00', 'Mars/Olympus')).toThrow(/time zone/);
    expect(ServiceHours.parse('', 'America/Guayaquil').isOpen(new Date())).toBe(true);
  });
});

describe('AgentDirectory', () => {
  it('accepts the right password only, and the same answer for unknown names', async () => {
    const agents = new AgentDirectory(
      `ana:${await hashPassword('clave-ana-larga', FAST)}; luis:${await hashPassword('clave-luis-larga', FAST)}`,
    );
    expect(agents.size).toBe(2);
    expect(await agents.check('Ana', 'clave-ana-larga')).toEqual({ name: 'ana', displayName: 'Ana', role: 'agent' });
    expect(await agents.check('ana', 'clave-luis-larga')).toBeUndefined();
    expect(await agents.check('pedro', 'clave-ana-larga')).toBeUndefined();
  });

  it('refuses malformed AGENTS with a clear message', () => {
    expect(() => new AgentDirectory('ana:plaintext')).toThrow(AgentsConfigError);
    expect(() => new AgentDirectory('ana:plaintext')).toThrow(/ana/);
    expect(() => new AgentDirectory('Ana Pérez:scrypt$1024$8$1$a$b')).toThrow(/name/);
  });
});

describe('signWebhook', () => {
  it('is HMAC-SHA256 over timestamp and body', () => {
    const expected = createHmac('sha256', 's'.repeat(32)).update('1700000000.{"a":1}').digest('hex');
    expect(signWebhook('s'.repeat(32), '1700000000', '{"a":1}')).toBe(`sha256=${expected}`);
  });
});
