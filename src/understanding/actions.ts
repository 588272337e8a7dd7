import type { Intent } from '../nlu/intents';

export type FlowId = 'person' | 'employer' | 'lostEmail' | 'faq';
export type Command = 'cancel' | 'menu' | 'help' | 'agent';

/**
 * What each intent asks the assistant to do, wherever it comes: this table, beside the
 * intents, is the one list of interruptions, commands and frequent questions.
 * - flow: start that flow from the menu; mid-flow, `answer` (if any) is said and the step resumes.
 * - answer: say that sentence and resume the step (frequent questions).
 * - command: leave, restart, help or a person.
 * - smalltalk: a short reply; never beats an answer to the question asked.
 * - reply: only means something as the answer to a yes/no question.
 */
export type IntentAction =
  | { kind: 'flow'; flow: FlowId; answer?: string }
  | { kind: 'answer'; answer: string }
  | { kind: 'command'; command: Command }
  | { kind: 'smalltalk'; answer: string }
  | { kind: 'reply' };

const ACTIONS: Partial<Record<Intent, IntentAction>> = {
  recover_key: { kind: 'flow', flow: 'person' },
  employer_key: { kind: 'flow', flow: 'employer' },
  no_email_access: { kind: 'flow', flow: 'lostEmail', answer: 'faq:no_email_access' },
  code_not_received: { kind: 'answer', answer: 'faq:code_not_received' },
  lives_abroad: { kind: 'answer', answer: 'lost:abroad' },
  talk_to_agent: { kind: 'command', command: 'agent' },
  help: { kind: 'command', command: 'help' },
  menu: { kind: 'command', command: 'menu' },
  cancel: { kind: 'command', command: 'cancel' },
  greeting: { kind: 'smalltalk', answer: 'common:hello' },
  thanks: { kind: 'smalltalk', answer: 'common:youreWelcome' },
  affirm: { kind: 'reply' },
  deny: { kind: 'reply' },
};

/** Frequent questions are the intents named `faq_…`; each is answered by `faq:<intent>`. */
export function actionOf(intent: string): IntentAction | undefined {
  const listed = ACTIONS[intent as Intent];
  if (listed) return listed;
  return intent.startsWith('faq_') ? { kind: 'answer', answer: `faq:${intent}` } : undefined;
}

/** The frequent-question intents, in the order the FAQ menu lists them. */
export function faqTopics(intents: readonly string[]): string[] {
  return intents.filter((intent) => intent.startsWith('faq_'));
}
