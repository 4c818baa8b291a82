/** What the persisted stores (token, current task, submitted labels, class letters) need from Web Storage. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
