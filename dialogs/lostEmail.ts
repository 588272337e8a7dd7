import type { WaterfallStepContext } from 'botbuilder-dialogs';
import type { AskResult } from './ask';
import { FlowDialog, type FlowOptions, type FlowResult } from './flow';
import { localOptions } from './options';
import type { DialogServices } from './services';

/** What the person can ask about once the registered mailbox is lost; each answer is one short idea. */
const TOPICS = ['provider', 'office', 'abroad', 'free', 'agent', 'done'] as const;
/** Questions that, asked here, mean one of the topics ("¿tengo que ir a una oficina?" reads as a turno question). */
const TOPIC_INTENTS = { office: ['faq_turno', 'faq_new_email'], free: ['faq_security'], agent: ['talk_to_agent'], done: ['thanks'] };

/**
 * When the registered mailbox cannot be opened: a short menu of the ways that remain
 * (FACTS.md), one answer at a time, offered again after each until the person is done.
 */
export class LostEmailDialog extends FlowDialog {
  static readonly id = 'lostEmail';

  constructor(services: DialogServices) {
    super(LostEmailDialog.id, services, ['topic']);
    this.addSteps([this.askTopic, this.answer]);
  }

  private askTopic = async (step: WaterfallStepContext) => {
    const again = (step.options as FlowOptions | undefined)?.restarted;
    if (!again) this.services.metrics.stepReached.inc({ step: 'lost_email' });
    return this.ask(step, 'topic', {
      prompt: again ? 'lost:more' : 'lost:pick',
      flow: 'lostEmail',
      expect: { kind: 'choice', choices: localOptions(this.services.texts, this.locale(step), 'lost', TOPICS, TOPIC_INTENTS) },
    });
  };

  private answer = async (step: WaterfallStepContext) => {
    const topic = step.result as AskResult<string>;
    if (!topic.ok) return this.settle(step, topic);
    if (topic.value === 'done') return step.endDialog({ ok: true } satisfies FlowResult);
    if (topic.value === 'agent') {
      if (await this.services.handoff(step.context, 'lost_email')) return step.endDialog({ ok: true, quiet: true } satisfies FlowResult);
      await step.context.sendActivity(this.t(step)('faq:talk_to_agent'));
      return step.endDialog({ ok: true } satisfies FlowResult);
    }
    await step.context.sendActivity(this.t(step)(`lost:${topic.value}`));
    return this.restart(step, {});
  };
}
