/** Text put into HTML (element content or a quoted attribute): nothing in it can open markup. */
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON for a non-executed `<script type="application/json">` block: `<` escaped so it cannot close the tag. */
export const jsonForHtml = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
