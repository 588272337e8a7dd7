import { type WaterfallStepContext, WaterfallDialog } from 'botbuilder-dialogs';
import type { AskResult } from './ask';
import { AskDialog } from './ask';
import { FlowDialog, type FlowResult } from './flow';
import { yesNoOptions } from './options';
import type { DialogServices } from './services';

/** When the registered mailbox cannot be opened: the ways that remain (FACTS.md), and a person if agents serve. */
export class LostEmailDialog extends FlowDialog {
  static readonly id = 'lostEmail';

  constructor(services: DialogServices) {
    super(LostEmailDialog.id, services, 'lostEmail.steps');
    this.addDialog(new AskDialog('lostEmail.offerAgent', services));
    this.addDialog(new WaterfallDialog('lostEmail.steps', [this.explain, this.handOver]));
  }

  private explain = async (step: WaterfallStepContext) => {
    const t = this.t(step);
    this.services.metrics.stepReached.inc({ step: 'lost_email' });
    for (const key of ['lost:intro', 'lost:provider', 'lost:office', 'lost:abroad', 'lost:free']) await step.context.sendActivity(t(key));
    if (!this.services.handoff) return step.endDialog({ ok: true } satisfies FlowResult);
    return this.ask(step, 'lostEmail.offerAgent', {
      prompt: 'handoff:offer',
      expect: { kind: 'choice', choices: yesNoOptions(this.services.texts, this.locale(step)) },
      unclear: 'yes_no',
    });
  };

  private handOver = async (step: WaterfallStepContext) => {
    const answer = step.result as AskResult<string>;
    if (!answer.ok || answer.value !== 'yes') return step.endDialog({ ok: true } satisfies FlowResult);
    if (this.services.handoff && (await this.services.handoff(step.context, 'lost_email')))
      return step.endDialog({ ok: true, quiet: true } satisfies FlowResult);
    await step.context.sendActivity(this.t(step)('faq:talk_to_agent'));
    return step.endDialog({ ok: true } satisfies FlowResult);
  };
}
