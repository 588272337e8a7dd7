import { ComponentDialog, type WaterfallStepContext, WaterfallDialog } from 'botbuilder-dialogs';
import type { ChallengeAnswer, ChallengeQuestion, Subject } from '../src/recovery/types';
import type { FlowId } from '../src/understanding/actions';
import type { Given } from '../src/understanding/understand';
import { AskDialog, type AskResult } from './ask';
import type { DialogServices } from './services';
import { turnLocale } from './turnLocale';

export interface QuestionsOptions {
  subject: Subject;
  /** The identity values given so far: a different one typed now is a correction. */
  known: Given;
  flow: FlowId;
  questions?: ChallengeQuestion[];
  /** Options chosen, and whether each typed answer was right: a typed answer's text is never kept. */
  answers?: ChallengeAnswer[];
}

/** The questions as fetched on the first step; later steps carry them in their options. */
const fetched = (step: WaterfallStepContext) => step.values as { questions?: ChallengeQuestion[] };

/**
 * Asks the security questions one by one, after a word on how to answer them; ends with the
 * chosen option indexes and, for typed questions, whether the directory found each right.
 */
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
    // Said once, before the first question: the kinds of questions decide how to answer them.
    if (!options.questions) {
      const t = this.services.texts.for(turnLocale(step.context, this.services.config.DEFAULT_LOCALE));
      const typed = questions.some((q) => q.kind === 'typed');
      await step.context.sendActivity(t(typed ? 'recovery:questionsIntroTyped' : 'recovery:questionsIntro'));
    }
    const answers = options.answers ?? [];
    // Kept only when just fetched: the state is saved every turn, and the options hold them after.
    if (!options.questions) fetched(step).questions = questions;
    if (answers.length >= questions.length)
      return step.endDialog({ ok: true, value: answers, given: {} } satisfies AskResult<ChallengeAnswer[]>);
    const question = questions[answers.length];
    return step.beginDialog('questions.answer', {
      prompt: question.textKey,
      vars: question.textVars,
      expect:
        question.kind === 'typed'
          ? { kind: 'text', dontKnow: true }
          : { kind: 'choice', choices: question.options.map((label, i) => ({ value: String(i), label })), dontKnow: true },
      known: options.known,
      progress: true,
      flow: options.flow,
      secret: true,
    });
  };

  private collect = async (step: WaterfallStepContext) => {
    const result = step.result as AskResult<string>;
    if (!result.ok) return step.endDialog(result);
    const options = step.options as QuestionsOptions;
    const questions = options.questions ?? fetched(step).questions ?? [];
    const answers = options.answers ?? [];
    const question = questions[answers.length];
    // A state saved by an older version kept its questions elsewhere: they are asked again.
    if (!question) return step.replaceDialog('questions.steps', { ...options, questions: undefined });
    // A typed answer goes to the directory now and is dropped: only whether it was right is kept.
    const answer: ChallengeAnswer =
      question.kind === 'typed'
        ? { typedRight: await this.services.identity.checkTyped(options.subject, question.id, result.value) }
        : Number(result.value);
    return step.replaceDialog('questions.steps', { ...options, questions, answers: [...answers, answer] } satisfies QuestionsOptions);
  };
}
