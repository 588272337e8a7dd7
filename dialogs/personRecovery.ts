import type { WaterfallStepContext } from 'botbuilder-dialogs';
import type { DayMonth } from '../src/recovery/types';
import type { Given } from '../src/understanding/understand';
import type { AskResult } from './ask';
import { IdentifyDialog } from './identify';
import type { DialogServices } from './services';

interface PersonInputs {
  cedula?: string;
  birth?: DayMonth;
}

/** Affiliates and pensioners: cédula → day and month of birth → questions → email → code → link. */
export class PersonRecoveryDialog extends IdentifyDialog<PersonInputs> {
  static readonly id = 'person';

  constructor(services: DialogServices) {
    super(PersonRecoveryDialog.id, services, ['cedula', 'birth']);
    this.addSteps([this.start, this.askCedula, this.askBirth, this.askChallenge, this.checkIdentity, (step) => this.afterVerify(step)]);
  }

  protected absorb(inputs: PersonInputs, given: Given): void {
    if (given.cedula) inputs.cedula = given.cedula;
    if (given.birth) inputs.birth = given.birth;
  }

  protected asGiven(inputs: PersonInputs): Given {
    return { ...inputs };
  }

  private askCedula = async (step: WaterfallStepContext) =>
    this.askFor(step, 'cedula', this.inputs(step).cedula, 'recovery:askCedula', { kind: 'cedula' });

  private askBirth = async (step: WaterfallStepContext) => {
    const cedula = step.result as AskResult<string>;
    if (!cedula.ok) return this.settle(step, cedula);
    const inputs = this.inputs(step);
    this.absorb(inputs, { ...cedula.given, cedula: cedula.value });
    return this.askFor(step, 'birth', inputs.birth, 'recovery:askBirth', { kind: 'dayMonth' }, 'recovery:askBirthAgain');
  };

  private askChallenge = async (step: WaterfallStepContext) => {
    const birth = step.result as AskResult<DayMonth>;
    if (!birth.ok) return this.settle(step, birth);
    const inputs = this.inputs(step);
    this.absorb(inputs, { ...birth.given, birth: birth.value });
    return this.askQuestions(step, { kind: 'person', cedula: inputs.cedula! });
  };

  private checkIdentity = async (step: WaterfallStepContext) =>
    this.verify(step, { kind: 'person', cedula: this.inputs(step).cedula! }, this.inputs(step).birth);
}
