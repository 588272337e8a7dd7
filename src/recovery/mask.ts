/** Enough of an email to recognise it, not to read it: "maria.andrade@example.com" → "ma***********@e******.com". */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  const keep = local.length > 4 ? 2 : local.length > 1 ? 1 : 0;
  return `${local.slice(0, keep)}${'*'.repeat(Math.max(local.length - keep, 3))}@${host.slice(0, 1)}${'*'.repeat(Math.max(host.length - 1, 3))}${tld}`;
}

/** Only the last digits of a cédula or RUC: "1714307103" → "*******103". */
export function maskNumber(digits: string, visible = 3): string {
  // Short input is hidden whole: showing its last digits would show all of it.
  const shown = visible > 0 && digits.length > visible ? digits.slice(-visible) : '';
  return '*'.repeat(digits.length - shown.length) + shown;
}
