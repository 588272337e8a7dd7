/**
 * What botbuilder's `ConversationState` needs from a store, written here so that `store/`
 * does not import botbuilder: the shape is botbuilder's `Storage` (read, write, delete of
 * JSON items carrying an `eTag`), and TypeScript checks the match where `bot/` passes it in.
 */
export interface StoreItem {
  eTag?: string;
  [field: string]: unknown;
}
export type StoreItems = Record<string, StoreItem>;

export interface StateStorage {
  read(keys: string[]): Promise<StoreItems>;
  /** An item whose `eTag` is not `*` and no longer matches is refused with an error. */
  write(changes: StoreItems): Promise<void>;
  delete(keys: string[]): Promise<void>;
}
