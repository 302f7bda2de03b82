/**
 * The njs module nginx runs on every edge request that carries a signature: the signed-URL check of protocols/signing.ts,
 * the same scheme byte for byte (`v1|<name>|<exp>|`, the IP-bound two-half form, two keys during a
 * rotation). `verdict` answers `none` (no signature: the origin decides, as for public streams), `ok`,
 * or the failure reason the origin would give (`missing`, `bad_signature`, `expired`, `wrong_ip`).
 * The keys come from `$sign_key_current` / `$sign_key_previous`, set in the generated config. A request
 * with a read JWT (`?jwt=`) and no signature is checked against the host's JWT keys (`$jwt_keys`,
 * HS256 by kid): `ok`, `bad_token`, `expired`, `wrong_stream` or `wrong_ip`.
 */
export const NJS_SIGNING_SCRIPT = `import crypto from 'crypto';

function mac(key, message) {
  return crypto.createHmac('sha256', key).update(message).digest();
}

function arg(r, name) {
  var value = r.args[name];
  return Array.isArray(value) ? value[0] : value;
}

function same(a, b, from, to) {
  if (b.length !== to - from) return false;
  var diff = 0;
  for (var i = 0; i < b.length; i++) diff |= a[from + i] ^ b[i];
  return diff === 0;
}

function normalizeIp(ip) {
  return ip.indexOf('::ffff:') === 0 && ip.indexOf('.') !== -1 ? ip.slice(7) : ip;
}

function part(text) {
  return JSON.parse(Buffer.from(text, 'base64url').toString());
}

// A read JWT of the host (HS256, keys by kid from $jwt_keys): 'ok', or why not.
function jwtVerdict(r, token) {
  var match = /^\\/live\\/([^\\/]+)\\//.exec(r.uri);
  if (!match || token.length > 4096) return 'bad_token';
  var parts = token.split('.');
  if (parts.length !== 3) return 'bad_token';
  var header;
  var claims;
  try {
    header = part(parts[0]);
    claims = part(parts[1]);
  } catch (e) {
    return 'bad_token';
  }
  if (!header || header.alg !== 'HS256' || typeof header.kid !== 'string') return 'bad_token';
  var secret = null;
  var keys = (r.variables.jwt_keys || '').split(',');
  for (var i = 0; i < keys.length; i++) {
    var colon = keys[i].indexOf(':');
    if (colon > 0 && keys[i].slice(0, colon) === header.kid) secret = keys[i].slice(colon + 1);
  }
  if (secret === null) return 'bad_token';
  var expected = crypto.createHmac('sha256', Buffer.from(secret, 'base64url')).update(parts[0] + '.' + parts[1]).digest();
  if (!same(Buffer.from(parts[2], 'base64url'), expected, 0, 32)) return 'bad_token';
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return 'expired';
  if (claims.act !== 'read') return 'bad_token';
  var streams = Array.isArray(claims.streams) ? claims.streams : [];
  if (streams.indexOf(decodeURIComponent(match[1])) < 0 && streams.indexOf('*') < 0) return 'wrong_stream';
  if (typeof claims.ip === 'string' && claims.ip !== '' && normalizeIp(claims.ip) !== normalizeIp(r.remoteAddress)) return 'wrong_ip';
  return 'ok';
}

function verdict(r) {
  var exp = arg(r, 'exp');
  var sig = arg(r, 'sig');
  var ipFlag = arg(r, 'ip');
  var jwt = arg(r, 'jwt');
  if (exp === undefined && sig === undefined && jwt !== undefined) return jwtVerdict(r, jwt);
  if (exp === undefined && sig === undefined) return 'none';
  if (exp === undefined || sig === undefined) return 'missing';
  if (!/^\\d{1,12}$/.test(exp) || (ipFlag !== undefined && ipFlag !== '1') || !/^[A-Za-z0-9_-]{43}$/.test(sig)) {
    return 'bad_signature';
  }
  // Signed for a stream (/live/<name>/) or a recording (/vod/<id>/, signed as "vod/<id>").
  var match = /^\\/(live|vod)\\/([^\\/]+)\\//.exec(r.uri);
  if (!match) return 'bad_signature';
  var name = match[1] === 'vod' ? 'vod/' + match[2] : match[2];
  var given = Buffer.from(sig, 'base64url');
  var keys = [r.variables.sign_key_current, r.variables.sign_key_previous].filter(function (k) { return k; });
  var expired = Number(exp) * 1000 <= Date.now();
  for (var i = 0; i < keys.length; i++) {
    var key = keys[i];
    if (ipFlag === undefined) {
      if (!same(given, mac(key, 'v1|' + name + '|' + exp + '|'), 0, 32)) continue;
      return expired ? 'expired' : 'ok';
    }
    if (!same(given, mac(key, 'v1|' + name + '|' + exp + '|ip').slice(0, 16), 0, 16)) continue;
    if (expired) return 'expired';
    var addr = mac(key, 'v1|' + name + '|' + exp + '|ip=' + normalizeIp(r.remoteAddress)).slice(0, 16);
    return same(given, addr, 16, 32) ? 'ok' : 'wrong_ip';
  }
  return 'bad_signature';
}

export default { verdict };
`;
