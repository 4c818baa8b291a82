import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorText, type ApiClient, type Round } from "../api";
import { IDLE_POLL_INTERVAL_MS, POLL_INTERVAL_MS, shouldPoll, upsertRound } from "../domain/rounds";
import type { Store } from "./store";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
  /** Replace the data locally (e.g. after a POST) without refetching. */
  setData: (update: (prev: T | null) => T | null) => void;
}

/**
 * Loads `load()` when `key` changes; while `pollWhile(data)` holds, loads it
 * again every `intervalMs` (one request at a time, never overlapping).
 */
export function useLoader<T>(
  load: () => Promise<T>,
  key: unknown,
  options: { intervalMs?: number; pollWhile?: (data: T) => boolean } = {},
): Loaded<T> {
  const [data, setDataState] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const optsRef = useRef(options);
  optsRef.current = options;

  useEffect(() => {
    setDataState(null);
  }, [key]);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async (): Promise<void> => {
      setLoading(true);
      try {
        const result = await loadRef.current();
        if (cancelled) return;
        setDataState(result);
        setError(null);
        const { pollWhile, intervalMs = 2000 } = optsRef.current;
        if (pollWhile?.(result)) timer = setTimeout(() => void run(), intervalMs);
      } catch (err) {
        if (cancelled) return;
        setError(errorText(err));
        // keep polling through transient errors if we were polling
        const { pollWhile, intervalMs = 2000 } = optsRef.current;
        if (pollWhile) timer = setTimeout(() => void run(), intervalMs * 2);
      } finally {
        if (!cancelled) setLoading(false);
      }
    };
    void run();
    return () => {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [key, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((update: (prev: T | null) => T | null) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}

/**
 * A project's rounds, polled: every POLL_INTERVAL_MS while a round is queued or
 * running, every IDLE_POLL_INTERVAL_MS otherwise (another admin may launch one;
 * annotators' submissions move `tasks_done`). One request at a time; after a
 * failure the last list stays on screen with `error` set, and polling goes on.
 */
export function useRounds(
  api: ApiClient,
  projectId: number,
): { rounds: Round[] | null; error: string | null; upsert: (r: Round) => void } {
  const [rounds, setRounds] = useState<Round[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => setRounds(null), [api, projectId]);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      let delay = POLL_INTERVAL_MS;
      try {
        const list = await api.listRounds(projectId);
        if (cancelled) return;
        setRounds(list);
        setError(null);
        if (!shouldPoll(list)) delay = IDLE_POLL_INTERVAL_MS;
      } catch (err) {
        if (cancelled) return;
        setError(errorText(err));
      }
      timer = setTimeout(() => void poll(), delay);
    };
    void poll();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, projectId, tick]);

  // A round just launched, cancelled or retried: show it, and poll again now (at the fast rate).
  const upsert = useCallback((r: Round) => {
    setRounds((prev) => upsertRound(prev ?? [], r));
    setTick((t) => t + 1);
  }, []);
  return { rounds, error, upsert };
}

/** The store's state; the component renders again after every change. */
export function useStore<S, A>(store: Store<S, A>): S {
  const state = store.getState();
  const [, setTick] = useState(0);
  const rendered = useRef(state);
  rendered.current = state;
  useEffect(() => {
    const update = (): void => setTick((t) => t + 1);
    const unsubscribe = store.subscribe(update);
    if (store.getState() !== rendered.current) update(); // changed between render and subscribing
    return unsubscribe;
  }, [store]);
  return state;
}
