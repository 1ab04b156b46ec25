/** Reading an API from a screen: the answer or the error of the latest request, never a stale one. */
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.ts';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
}

/** GETs `path` whenever it (or `version`, bumped after a write) changes. */
export function useLoad<T>(path: string, version = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null });
  useEffect(() => {
    let current = true;
    setState((previous) => ({ data: previous.data, error: null }));
    call<T>('GET', path).then(
      (data) => current && setState({ data, error: null }),
      (error: unknown) => current && setState({ data: null, error }),
    );
    return () => {
      current = false;
    };
  }, [path, version]);
  return state;
}

/** The range and bucket a chart screen shows, and the query string that asks for them. */
export function useRange(): { range: string; bucket: string; set: (range: string, bucket: string) => void; search: string } {
  const [value, setValue] = useState({ range: '24h', bucket: 'hour' });
  return {
    ...value,
    set: (range, bucket) => setValue({ range, bucket }),
    search: `?range=${encodeURIComponent(value.range)}&bucket=${encodeURIComponent(value.bucket)}`,
  };
}
