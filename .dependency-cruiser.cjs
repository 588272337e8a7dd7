/* global module */
/**
 * The layers of ../shared/DESIGN.md, checked on every `npm test` (`npm run deps`):
 *
 *   entries      src/index.ts, src/chat.ts          start the app
 *   composition  src/app.ts                         builds every part, imports anything
 *   channels     src/channels/                      wire formats in, bot.run(ctx)
 *   bot          src/bot/                           turn order, the ActivityHandler
 *   handoff      src/handoff/                       tickets, agents; reaches the bot only through bot/ports.ts
 *   survey       src/survey.ts                      «¿Te sirvió?», asked by the bot and by the handoff
 *   dialogs      dialogs/                           the conversation
 *   pages        src/web/                           static pages, new-key page, metrics endpoint
 *   domain       src/recovery/, src/understanding/, src/nlu/   no botbuilder
 *   stores       src/store/                         memory or Redis, the conversation lock
 *   base         src/config.ts, log, metrics, i18n, errors, hashing, sealing, paths, inFlight, src/http/
 *
 * Each layer imports only layers below it; botbuilder stays in channels, bot and dialogs, and
 * in handoff and the survey as types (where a TurnContext is the contract), plus the two
 * handoff files that build Bot Framework activities. The app builds the channels' gateways
 * first, then the handoff and the bot, then the channels' routes; marks that several layers
 * read on an activity (a question's secret answer, an agent's words) live in
 * src/recovery/mask.ts, below all of them.
 */
const BOTBUILDER = '^node_modules/(botbuilder|botbuilder-core|botbuilder-dialogs|botframework-connector|botframework-schema)/';
const BASE = '^src/(config|configSafety|log|metrics|i18n|errors|hashing|sealing|paths|inFlight)\\.ts$|^src/http/';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import cycle: split the shared part out.', from: {}, to: { circular: true } },
    {
      name: 'botbuilder-in-its-layers',
      severity: 'error',
      comment:
        'botbuilder is imported only in src/channels, src/bot, dialogs and src/handoff (DESIGN.md), so a move to another SDK touches only those.',
      from: { path: '^(src|dialogs)/', pathNot: '^(src/(channels|bot|handoff)/|dialogs/|src/survey\\.ts$)' },
      to: { path: BOTBUILDER },
    },
    {
      name: 'handoff-botbuilder-types-only',
      severity: 'error',
      comment:
        "handoff uses botbuilder types as its contract with the bot. Two files build Bot Framework's own shapes, which no port would do more than forward: agentMessage.ts an agent's card (CardFactory), service.ts the handoff-initiation event for a contact centre (EventFactory), a ticket's conversation reference, and which turns come from Azure's channels (CloudAdapterBase).",
      from: { path: '^src/(handoff/|survey\\.ts$)', pathNot: '^src/handoff/(agentMessage|service)\\.ts$' },
      to: { path: BOTBUILDER, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'survey-below-bot-and-handoff',
      severity: 'error',
      comment: 'The survey is handed how to show choices; it imports no bot, dialog, channel, handoff or page.',
      from: { path: '^src/survey\\.ts$' },
      to: { path: '^(src/(bot|channels|handoff|web)/|dialogs/)' },
    },
    {
      name: 'app-only-from-entries',
      severity: 'error',
      comment: 'The composition root is started by the entries, never imported by a part.',
      from: { pathNot: '^src/(index|chat)\\.ts$' },
      to: { path: '^src/app\\.ts$' },
    },
    {
      name: 'channels-below-app',
      severity: 'error',
      comment:
        "A channel gets its turns from the app (listen(server, bot)); it knows no dialog, page or handoff (an agent's message is known by its mark in src/recovery/mask.ts).",
      from: { path: '^src/channels/' },
      to: { path: '^(src/(bot|web|handoff)/|dialogs/)' },
    },
    {
      name: 'bot-knows-no-channel-nor-handoff',
      severity: 'error',
      comment: 'The bot gets its interceptor and recorder through its constructor (bot/ports.ts).',
      from: { path: '^src/bot/' },
      to: { path: '^src/(channels|handoff|web)/' },
    },
    {
      name: 'handoff-reaches-the-bot-through-ports',
      severity: 'error',
      comment: 'handoff implements bot/ports.ts and is handed what it needs; it imports no dialog, channel or page.',
      from: { path: '^src/handoff/' },
      to: { path: '^(src/(bot|channels)/|dialogs/)', pathNot: '^src/bot/ports\\.ts$' },
    },
    {
      name: 'dialogs-below-bot',
      severity: 'error',
      from: { path: '^dialogs/' },
      to: { path: '^src/(bot|channels|handoff|web|http|store)/' },
    },
    {
      name: 'pages-below-bot',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^(src/(bot|channels|handoff)/|dialogs/)' },
    },
    {
      name: 'domain-without-bot',
      severity: 'error',
      comment: 'recovery, understanding and nlu are plain TypeScript: no bot, channel, dialog, handoff or page.',
      from: { path: '^src/(recovery|understanding|nlu)/' },
      to: { path: ['^(src/(bot|channels|handoff|web)/|dialogs/)', BOTBUILDER] },
    },
    {
      name: 'stores-at-the-bottom',
      severity: 'error',
      comment: 'The stores (and the conversation lock) import only the base.',
      from: { path: '^src/store/' },
      to: { path: '^(src|dialogs)/', pathNot: `^src/store/|${BASE}` },
    },
    {
      name: 'base-imports-no-layer',
      severity: 'error',
      comment:
        'The base is used by every layer. One contract: config.ts checks AGENTS and SERVICE_HOURS with the very parsers the handoff runs (handoff/agents.ts, hours.ts: plain TypeScript importing only the base), so the start refuses exactly what the handoff could not read; a copy of their grammar in the base could drift from them.',
      from: { path: BASE },
      to: { path: '^(src|dialogs)/', pathNot: `${BASE}|^src/handoff/(agents|hours)\\.ts$` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
