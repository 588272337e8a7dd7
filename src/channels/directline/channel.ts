/** The channel id of our own Direct Line server (the Web Chat widget), on every activity and reference. */
export const DIRECTLINE_CHANNEL_ID = 'directline';
