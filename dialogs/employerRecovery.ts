import { type WaterfallStepContext, WaterfallDialog } from 'botbuilder-dialogs';
import type { Subject } from '../src/recovery/types';
import { AskDialog, type AskResult } from './ask';
import { IdentifyDialog, identityInputs } from './identify';
import * as parse from './parsers';
import type { DialogServices } from './services';

interface EmployerValues {
  ruc: string;
  representative: string;
}
const values = (step: WaterfallStepContext) => identityInputs<EmployerValues>(step);


/** Employers: RUC → the legal representative's cédula → questions → employer email → code → link. */
export class EmployerRecoveryDialog extends IdentifyDialog {
  static readonly id = 'employer';

  constructor(services: DialogServices) {
    super(EmployerRecoveryDialog.id, services);
    this.addDialog(new AskDialog('employer.ruc', services, parse.ruc));
    this.addDialog(new AskDialog('employer.representative', services, parse.cedula));
    this.addDialog(
      new WaterfallDialog('employer.steps', [
        this.askRuc,
        this.askRepresentative,
        this.askChallenge,
        this.checkIdentity,
        (step) => this.afterVerify(step),
      ]),
    );
    this.initialDialogId = 'employer.steps';
  }

  private subject(step: WaterfallStepContext): Subject {
    return { kind: 'employer', ruc: values(step).ruc, representativeCedula: values(step).representative };
  }

  private askRuc = async (step: WaterfallStepContext) => {
    await step.context.sendActivity(this.services.texts.t(this.locale(step), 'recovery:employerIntro'));
    return step.beginDialog('employer.ruc', { prompt: 'recovery:askRuc' });
  };

  private askRepresentative = async (step: WaterfallStepContext) => {
    const ruc = step.result as AskResult<string>;
    if (!ruc.ok) return step.endDialog(ruc);
    values(step).ruc = ruc.value;
    return step.beginDialog('employer.representative', { prompt: 'recovery:askRepresentative' });
  };

  private askChallenge = async (step: WaterfallStepContext) => {
    const representative = step.result as AskResult<string>;
    if (!representative.ok) return step.endDialog(representative);
    values(step).representative = representative.value;
    await step.context.sendActivity(this.services.texts.t(this.locale(step), 'recovery:questionsIntro'));
    return this.askQuestions(step, this.subject(step));
  };

  private checkIdentity = async (step: WaterfallStepContext) => this.verify(step, this.subject(step), undefined);
}
