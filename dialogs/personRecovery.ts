import { type WaterfallStepContext, WaterfallDialog } from 'botbuilder-dialogs';
import type { DayMonth } from '../src/recovery/types';
import { AskDialog, type AskResult } from './ask';
import { IdentifyDialog, identityInputs } from './identify';
import * as parse from './parsers';
import type { DialogServices } from './services';

interface PersonValues {
  cedula: string;
  birth: DayMonth;
}
const values = (step: WaterfallStepContext) => identityInputs<PersonValues>(step);


/** Affiliates and pensioners: cédula → day and month of birth → questions → email → code → link. */
export class PersonRecoveryDialog extends IdentifyDialog {
  static readonly id = 'person';

  constructor(services: DialogServices) {
    super(PersonRecoveryDialog.id, services);
    this.addDialog(new AskDialog('person.cedula', services, parse.cedula));
    this.addDialog(new AskDialog('person.birth', services, parse.birth));
    this.addDialog(
      new WaterfallDialog('person.steps', [
        this.askCedula,
        this.askBirth,
        this.askChallenge,
        this.checkIdentity,
        (step) => this.afterVerify(step),
      ]),
    );
    this.initialDialogId = 'person.steps';
  }

  private askCedula = async (step: WaterfallStepContext) => {
    return step.beginDialog('person.cedula', { prompt: 'recovery:askCedula' });
  };

  private askBirth = async (step: WaterfallStepContext) => {
    const cedula = step.result as AskResult<string>;
    if (!cedula.ok) return step.endDialog(cedula);
    values(step).cedula = cedula.value;
    return step.beginDialog('person.birth', { prompt: 'recovery:askBirth' });
  };

  private askChallenge = async (step: WaterfallStepContext) => {
    const birth = step.result as AskResult<DayMonth>;
    if (!birth.ok) return step.endDialog(birth);
    values(step).birth = birth.value;
    await step.context.sendActivity(this.services.texts.t(this.locale(step), 'recovery:questionsIntro'));
    return this.askQuestions(step, { kind: 'person', cedula: values(step).cedula });
  };

  private checkIdentity = async (step: WaterfallStepContext) =>
    this.verify(step, { kind: 'person', cedula: values(step).cedula }, values(step).birth);
}
