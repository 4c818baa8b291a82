import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "./api";

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
