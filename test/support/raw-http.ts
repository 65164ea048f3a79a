import { connect, type Socket } from 'node:net';

/** A raw TCP connection to the hub: for what fetch cannot send (slow headers, a wrong Content-Length, nothing at all). */
export interface RawConnection {
  socket: Socket;
  /** Resolves when the connection closes, with everything the server wrote and the time from connecting. */
  closed: Promise<{ text: string; afterMs: number }>;
}

export async function openRaw(baseUrl: string): Promise<RawConnection> {
  const url = new URL(baseUrl);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const opened = Date.now();
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('utf8')));
  // A reset is also the server closing the connection.
  socket.on('error', () => undefined);
  const closed = new Promise<{ text: string; afterMs: number }>((resolve) =>
    socket.once('close', () => resolve({ text, afterMs: Date.now() - opened })),
  );
  return { socket, closed };
}

/** Sends `request` as it is and waits for the server to answer and close. */
export async function rawExchange(baseUrl: string, request: string): Promise<RawResponse> {
  const connection = await openRaw(baseUrl);
  connection.socket.write(request);
  return parseRawResponse((await connection.closed).text);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** The first HTTP/1.1 response in `text`; a JSON body parsed. */
export function parseRawResponse(text: string): RawResponse {
  return parseRawResponses(text)[0] ?? { status: 0, headers: {}, body: '' };
}

/** Every HTTP/1.1 response in `text` (several on a kept-alive connection), each by its Content-Length. */
export function parseRawResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine = '', ...headerLines] = rest.subarray(0, end).toString('utf8').split('\r\n');
    const headers = Object.fromEntries(
      headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length'] ?? 0);
    const raw = rest.subarray(end + 4, end + 4 + length).toString('utf8');
    rest = rest.subarray(end + 4 + length);
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      /* not JSON: keep the text */
    }
    responses.push({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body });
  }
  return responses;
}
