import { request } from 'node:http';

/** What a raw request got back. */
export interface RawAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * One HTTP request exactly as given (no client-side validation), on its own connection. A
 * body is framed with its length (Node sends DELETE bodies unframed otherwise). A stream that
 * opens (SSE) counts as answered with an empty body. `timeoutMs` bounds the wait.
 */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs?: number,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const framed = body
      ? { ...headers, 'content-length': String(Buffer.byteLength(body)) }
      : headers;
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: framed, agent: false },
      (res) => {
        const contentType = String(res.headers['content-type'] ?? '');
        const status = res.statusCode ?? 0;
        if (contentType.startsWith('text/event-stream')) {
          req.destroy();
          resolve({ status, contentType, body: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status, contentType, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    }
    req.on('error', reject);
    req.end(body);
  });
}
