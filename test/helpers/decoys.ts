import { DEMO_ACCOUNTS_FILE } from '../../src/paths';
import { loadDemoData } from '../../src/recovery/demoDirectory';
import { bundledDecoyVocabulary, decoyQuestions } from '../../src/recovery/identityCheck';
import { cedulaCheckDigit } from '../../src/recovery/identity';

/** The kinds of a number's decoy questions under `secret`: "choice+choice", "choice+typed" or "typed+typed". */
export const decoyKinds = (cedula: string, secret: string) =>
  decoyQuestions({ kind: 'person', cedula }, bundledDecoyVocabulary(), secret)
    .map((b) => b.question.kind)
    .join('+');

/**
 * Valid cédulas (Chimborazo, a running serial) that the demo file does not hold and whose
 * decoys, under `secret`, ask these kinds of questions: a stranger of each shape.
 */
export function strangersAsked(kinds: string, secret: string, count = 1): Array<{ kind: 'person'; cedula: string }> {
  const registered = new Set(loadDemoData(DEMO_ACCOUNTS_FILE).persons.map((p) => p.cedula));
  const found: Array<{ kind: 'person'; cedula: string }> = [];
  for (let serial = 100_000; serial < 200_000 && found.length < count; serial++) {
    const nine = `060${serial}`;
    const cedula = `${nine}${cedulaCheckDigit(nine)}`;
    if (!registered.has(cedula) && decoyKinds(cedula, secret) === kinds) found.push({ kind: 'person', cedula });
  }
  if (found.length < count) throw new Error(`fewer than ${count} strangers asked ${kinds}`);
  return found;
}
