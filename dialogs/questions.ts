import { ComponentDialog, type WaterfallStepContext, WaterfallDialog } from 'botbuilder-dialogs';
import type { ChallengeQuestion, Subject } from '../src/recovery/types';
import type { FlowId } from '../src/understanding/actions';
import type { Given } from '../src/understanding/understand';
import { AskDialog, type AskResult } from './ask';
import type { DialogServices } from './services';

export interface QuestionsOptions {
  subject: Subject;
  /** The identity values given so far: a different one typed now is a correction. */
  known: Given;
  flow: FlowId;
  questions?: ChallengeQuestion[];
  answers?: number[];
}

const values = (step: WaterfallStepContext) => step.values as { state: Required<QuestionsOptions> };

/** Asks the challenge questions one by one; ends with the chosen option indexes. */
export class QuestionsDialog extends ComponentDialog {
  static readonly id = 'questions';

  constructor(private readonly services: DialogServices) {
    super(QuestionsDialog.id);
    this.addDialog(new AskDialog('questions.answer', services));
    this.addDialog(new WaterfallDialog('questions.steps', [this.askNext, this.collect]));
    this.initialDialogId = 'questions.steps';
  }

  private askNext = async (step: WaterfallStepContext) => {
    const options = step.options as QuestionsOptions;
    const questions = options.questions ?? (await this.services.identity.questions(options.subject));
    const answers = options.answers ?? [];
    values(step).state = { ...options, questions, answers };
    if (answers.length >= questions.length) return step.endDialog({ ok: true, value: answers, given: {} } satisfies AskResult<number[]>);
    const question = questions[answers.length];
    return step.beginDialog('questions.answer', {
      prompt: question.textKey,
      vars: question.textVars,
      expect: { kind: 'choice', choices: question.options.map((label, i) => ({ value: String(i), label })), dontKnow: true },
      known: options.known,
      progress: true,
      flow: options.flow,
      secret: true,
    });
  };

  private collect = async (step: WaterfallStepContext) => {
    const result = step.result as AskResult<string>;
    if (!result.ok) return step.endDialog(result);
    const state = values(step).state;
    return step.replaceDialog('questions.steps', { ...state, answers: [...state.answers, Number(result.value)] });
  };
}
