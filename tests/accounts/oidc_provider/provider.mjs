// A real OpenID Connect provider (the npm package oidc-provider) on 127.0.0.1 for the
// tests: one confidential client, one test account, and a test-only switch that makes the
// token endpoint hand out a broken ID token (signed with the provider's own key, or not),
// so the tracker's validation is tested against real tokens.
//
// Run: OIDC_PROVIDER_MODULE=<path to oidc-provider/lib/index.js> node provider.mjs
// Prints one JSON line {"issuer": ...} when it listens. POST /_test/mode {"mode": M}
// with M one of: none, wrong_audience, expired, wrong_issuer, bad_signature, wrong_nonce.

import { createServer } from 'node:http';
import { generateKeyPairSync, sign } from 'node:crypto';
import { pathToFileURL } from 'node:url';

// The test session's clock (TRACKER_TEST_TODAY, tests/conftest.py): the tracker checks
// the tokens' times against it, so the provider issues them on the same clock.
const shift = Number(process.env.TRACKER_TEST_CLOCK_SHIFT || 0) * 1000;
if (shift) {
  const realNow = Date.now;
  Date.now = () => realNow() + shift;
}

const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);

const CLIENT_ID = process.env.OIDC_CLIENT_ID || 'tracker';
const CLIENT_SECRET = process.env.OIDC_CLIENT_SECRET || 'tracker-test-secret';
const ACCOUNTS = {
  'anna.andersson': {
    sub: 'anna-0001',
    preferred_username: 'anna.andersson',
    name: 'Anna Andersson',
    email: 'anna.andersson@kommun.example',
    email_verified: true,
    groups: ['alla-anstallda'],
  },
  'karin.karlsson': {
    sub: 'karin-0002',
    preferred_username: 'karin.karlsson',
    name: 'Karin Karlsson',
    email: 'karin.karlsson@kommun.example',
    email_verified: true,
    groups: ['alla-anstallda', 'kvalitet'],
  },
};
const BY_SUB = Object.fromEntries(Object.values(ACCOUNTS).map((a) => [a.sub, a]));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const { privateKey: strangerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };

let mode = 'none';

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unb64 = (part) => JSON.parse(Buffer.from(part, 'base64url').toString());

function forge(idToken, issuer) {
  const [header, payload] = idToken.split('.').map((part, i) => (i < 2 ? unb64(part) : part));
  const now = Math.floor(Date.now() / 1000);
  let key = privateKey;
  if (mode === 'wrong_audience') payload.aud = 'another-application';
  if (mode === 'expired') Object.assign(payload, { iat: now - 7200, exp: now - 3600 });
  if (mode === 'wrong_issuer') payload.iss = `${issuer}/someone-else`;
  if (mode === 'bad_signature') key = strangerKey;
  if (mode === 'wrong_nonce') payload.nonce = 'another-sign-in';
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`;
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      // native: the loopback redirect URI matches on any port (RFC 8252), so the tracker
      // under test may listen wherever the test put it.
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/login/oidc/callback'],
      post_logout_redirect_uris: ['http://127.0.0.1/login'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [jwk] },
    cookies: { keys: ['provider-test-cookie-key'] },
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name', 'groups'],
      email: ['email', 'email_verified'],
    },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 3600,
           Interaction: 3600, Grant: 3600 },
    // The dev login form's "login" is the account id; the subject is the account's own.
    async findAccount(ctx, id) {
      const account = ACCOUNTS[id] || BY_SUB[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ ...account, sub: id }) };
    },
  });
  provider.use(async (ctx, next) => {
    if (ctx.path === '/_test/mode' && ctx.method === 'POST') {
      const chunks = [];
      for await (const chunk of ctx.req) chunks.push(chunk);
      mode = JSON.parse(Buffer.concat(chunks).toString() || '{}').mode || 'none';
      ctx.body = { mode };
      return;
    }
    await next();
    if (ctx.path === '/token' && mode !== 'none' && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: forge(ctx.body.id_token, issuer) };
    }
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer, client_id: CLIENT_ID })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
