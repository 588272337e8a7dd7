import type { WaterfallStepContext } from 'botbuilder-dialogs';
import type { Subject } from '../src/recovery/types';
import type { Given } from '../src/understanding/understand';
import type { AskResult } from './ask';
import type { FlowOptions } from './flow';
import { IdentifyDialog } from './identify';
import type { DialogServices } from './services';

interface EmployerInputs {
  ruc?: string;
  representative?: string;
}

/** Employers: RUC → the legal representative's cédula → questions → employer email → code → link. */
export class EmployerRecoveryDialog extends IdentifyDialog<EmployerInputs> {
  static readonly id = 'employer';

  constructor(services: DialogServices) {
    super(EmployerRecoveryDialog.id, services, ['ruc', 'representative']);
    this.addSteps([this.start, this.askRuc, this.askRepresentative, this.askChallenge, this.checkIdentity, (step) => this.afterVerify(step)]);
  }

  /** At the employer's steps a cédula is the legal representative's. */
  protected absorb(inputs: EmployerInputs, given: Given): void {
    if (given.ruc) inputs.ruc = given.ruc;
    if (given.cedula) inputs.representative = given.cedula;
  }

  protected asGiven(inputs: EmployerInputs): Given {
    return { ruc: inputs.ruc, cedula: inputs.representative };
  }

  private subject(step: WaterfallStepContext): Subject {
    const inputs = this.inputs(step);
    return { kind: 'employer', ruc: inputs.ruc!, representativeCedula: inputs.representative! };
  }

  private askRuc = async (step: WaterfallStepContext) => {
    const inputs = this.inputs(step);
    if (!(step.options as FlowOptions).restarted) await step.context.sendActivity(this.t(step)('recovery:employerIntro'));
    return this.askFor(step, 'ruc', inputs.ruc, 'recovery:askRuc', { kind: 'ruc' });
  };

  private askRepresentative = async (step: WaterfallStepContext) => {
    const ruc = step.result as AskResult<string>;
    if (!ruc.ok) return this.settle(step, ruc);
    const inputs = this.inputs(step);
    // The number typed at the RUC step is the RUC; a cédula beside it is the representative's.
    this.absorb(inputs, { ...ruc.given, ruc: ruc.value });
    return this.askFor(step, 'representative', inputs.representative, 'recovery:askRepresentative', { kind: 'cedula' }, 'recovery:askRepresentativeAgain');
  };

  private askChallenge = async (step: WaterfallStepContext) => {
    const representative = step.result as AskResult<string>;
    if (!representative.ok) return this.settle(step, representative);
    this.absorb(this.inputs(step), { cedula: representative.value });
    return this.askQuestions(step, this.subject(step));
  };

  private checkIdentity = async (step: WaterfallStepContext) => this.verify(step, this.subject(step), undefined);
}
