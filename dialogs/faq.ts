import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { INTENTS } from '../src/nlu/intents';
import { faqTopics } from '../src/understanding/actions';
import type { AskResult } from './ask';
import { FlowDialog, type FlowResult } from './flow';
import { localOptions, yesNoOptions } from './options';
import type { DialogServices } from './services';

/** The frequent questions are the intents named `faq_…` (src/understanding/actions.ts). */
export const FAQ_TOPICS = faqTopics(INTENTS);

/** Frequent questions: pick one, read the answer, maybe ask another. */
export class FaqDialog extends FlowDialog {
  static readonly id = 'faq';

  constructor(services: DialogServices) {
    super(FaqDialog.id, services, ['topic', 'more']);
    this.addSteps([this.askTopic, this.answer, this.next]);
  }

  private askTopic = async (step: WaterfallStepContext) => {
    const intents = Object.fromEntries(FAQ_TOPICS.map((topic) => [topic, [topic]]));
    return this.ask(step, 'topic', {
      prompt: 'faq:pick',
      expect: { kind: 'choice', choices: localOptions(this.services.texts, this.locale(step), 'faq', FAQ_TOPICS, intents) },
    });
  };

  private answer = async (step: WaterfallStepContext) => {
    const topic = step.result as AskResult<string>;
    if (!topic.ok) return this.settle(step, topic);
    this.services.metrics.stepReached.inc({ step: topic.value });
    await step.context.sendActivity(this.t(step)(`faq:${topic.value}`));
    return this.ask(step, 'more', {
      prompt: 'faq:more',
      expect: { kind: 'choice', choices: yesNoOptions(this.services.texts, this.locale(step)) },
      unclear: 'yes_no',
    });
  };

  private next = async (step: WaterfallStepContext) => {
    const more = step.result as AskResult<string>;
    if (more.ok && more.value === 'yes') return step.replaceDialog(this.stepsId);
    if (!more.ok) return this.settle(step, more);
    return step.endDialog({ ok: true } satisfies FlowResult);
  };
}
