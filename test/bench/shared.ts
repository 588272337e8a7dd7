/** What the runner and the load generator share: the scenario request, its result, the WhatsApp test account. */

export type Path = 'messages' | 'whatsapp' | 'directline' | 'echo' | 'sample';

export interface ScenarioRequest {
  type: 'run';
  path: Path;
  url: string;
  concurrency: number;
  /** Stop starting people after this many recoveries... */
  maxRecoveries: number;
  /** ...or after this many seconds, whichever comes first. */
  maxSeconds: number;
  /** Whole recoveries run (and not measured) before the measured part. */
  warmupRecoveries: number;
  /** Turns and recoveries in the first seconds are not counted (JIT, connection set-up). */
  warmupSeconds: number;
}

export interface ScenarioResult {
  turns: number;
  /** The load generator's own CPU per measured turn (signing, the Twilio and SMTP stand-ins): it shares the 2 cores. */
  loadGeneratorCpuMsPerTurn: number;
  /** Turns in the warm-up (not in `turns`). */
  warmupTurns: number;
  recoveries: number;
  conversations: number;
  errors: number;
  errorSamples: string[];
  seconds: number;
  turnsPerSecond: number;
  recoveriesPerSecond: number;
  /** p50 and p99 by step (named for the question the turn ends with). */
  stepsMs: Record<string, { p50: number; p99: number }>;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
}

export const WHATSAPP = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'bench-auth-token-0123456789abcdef',
  sender: 'whatsapp:+14155238886',
  publicBaseUrl: 'https://asistente.example.org',
};
