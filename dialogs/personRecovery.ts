import type { IdentityFlow } from './identify';

/** Affiliates and pensioners: cédula → day and month of birth → questions → email → code → link. */
export const PERSON_RECOVERY: IdentityFlow = {
  id: 'person',
  questions: [
    { name: 'cedula', key: 'cedula', prompt: 'recovery:askCedula', expect: { kind: 'cedula' } },
    { name: 'birth', key: 'birth', prompt: 'recovery:askBirth', again: 'recovery:askBirthAgain', expect: { kind: 'dayMonth' } },
  ],
  subject: (inputs) => ({ kind: 'person', cedula: inputs.cedula! }),
};
