/** Every intent the assistant understands; locales/<locale>/intents.json has examples for each. */
export const INTENTS = [
  'recover_key',
  'employer_key',
  'no_email_access',
  'code_not_received',
  'faq_forgot_email',
  'faq_new_email',
  'faq_how_long',
  'faq_employer',
  'faq_security',
  'faq_blocked_key',
  'faq_expired_key',
  'faq_biess',
  'faq_key_rules',
  'faq_turno',
  'lives_abroad',
  'talk_to_agent',
  'help',
  'menu',
  'cancel',
  'greeting',
  'thanks',
  'affirm',
  'deny',
  'none',
] as const;

export type Intent = (typeof INTENTS)[number];

export function isIntent(value: string): value is Intent {
  return (INTENTS as readonly string[]).includes(value);
}
