/**
 * Signed stream URLs. The API signs (after checking the user may read the file); the API and
 * torrent-node both verify, with WebCrypto so the same code runs on workerd and Node. A signature
 * binds the file, the user and the expiry: a URL copied to another account, edited or kept past
 * STREAM_URL_TTL is refused.
 */

const encoder = new TextEncoder();
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new Map<string, Promise<HmacKey>>();

function hmacKey(secret: string): Promise<HmacKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keys.set(secret, key);
  }
  return key;
}

const payload = (fileId: string, userId: string, exp: number) =>
  encoder.encode(`sokoul-stream-v1\n${fileId}\n${userId}\n${exp}`);

function base64url(bytes: ArrayBuffer): string {
  let text = '';
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

export interface StreamGrant {
  fileId: string;
  userId: string;
  /** Unix seconds. */
  exp: number;
}

/** The query string (`u=…&exp=…&sig=…`) that grants `userId` the bytes of `fileId` until `exp`. */
export async function signStream(secret: string, grant: StreamGrant): Promise<string> {
  const sig = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret),
    payload(grant.fileId, grant.userId, grant.exp),
  );
  return new URLSearchParams({ u: grant.userId, exp: String(grant.exp), sig: base64url(sig) }).toString();
}

export type StreamCheck = 'ok' | 'forged' | 'expired';

/** Checks a signature in constant time (WebCrypto's HMAC verify), then its expiry. */
export async function verifyStream(
  secret: string,
  fileId: string,
  query: { u: string; exp: string; sig: string },
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<StreamCheck> {
  const exp = Number(query.exp);
  const sig = fromBase64url(query.sig);
  // Only the canonical spelling: 43 characters can carry spare bits that decode to the same bytes.
  if (!Number.isSafeInteger(exp) || !sig || sig.length !== 32 || base64url(sig.buffer) !== query.sig)
    return 'forged';
  const valid = await crypto.subtle.verify('HMAC', await hmacKey(secret), sig, payload(fileId, query.u, exp));
  if (!valid) return 'forged';
  return exp < nowSeconds ? 'expired' : 'ok';
}

/**
 * What the API presents to torrent-node's internal routes: derived from the signing key, so the key
 * itself never travels.
 */
export async function internalToken(secret: string): Promise<string> {
  return base64url(
    await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode('sokoul-internal-v1')),
  );
}
