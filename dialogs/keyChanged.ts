import type { TurnContext } from 'botbuilder';
import { type Locale, type Texts, siteUrl } from '../src/i18n';
import { renderLinks } from './choices';

/**
 * What the chat hears once the key is changed on the new-key page: the news, then what to do
 * next — try the key now on the official site, keep it safe, keep the contact data current.
 * The one-tap «¿Te sirvió?» follows (src/survey.ts), asked by the bot.
 */
export async function tellKeyChanged(context: TurnContext, texts: Texts, site: string, locale: Locale): Promise<void> {
  const t = (key: string) => texts.t(locale, key);
  await context.sendActivity(t('common:keyChanged'));
  const tips = `${t('recovery:afterKey.safe')}\n\n${t('recovery:afterKey.contact')}`;
  await context.sendActivity(renderLinks(context.activity.channelId, tips, [{ label: t('recovery:afterKey.try'), url: siteUrl(site) }]));
}
