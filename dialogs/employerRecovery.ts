import type { IdentityFlow } from './identify';

/** Employers: RUC → the legal representative's cédula → questions → employer email → code → link. */
export const EMPLOYER_RECOVERY: IdentityFlow = {
  id: 'employer',
  intro: 'recovery:employerIntro',
  // At the employer's steps a cédula is the legal representative's.
  questions: [
    { name: 'ruc', key: 'ruc', prompt: 'recovery:askRuc', expect: { kind: 'ruc' } },
    {
      name: 'representative',
      key: 'cedula',
      prompt: 'recovery:askRepresentative',
      again: 'recovery:askRepresentativeAgain',
      expect: { kind: 'cedula' },
    },
  ],
  subject: (inputs) => ({ kind: 'employer', ruc: inputs.ruc!, representativeCedula: inputs.cedula! }),
};
