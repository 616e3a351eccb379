// A real OpenID provider (npm oidc-provider) on loopback, for Berth's SSO
// tests. Usage: node end2end/oidc-provider.mjs <port> <berth-base-url>
// Prints `ready <issuer>` once it listens.
//
// Accounts: any name typed at its sign-in page signs in (its development
// interactions); `alice` belongs to group `berth-ops`, `bob` to
// `berth-viewers`, anyone else to none.
//
// For negative tests, `POST /__test/mode` with a body of `none`, `tamper`
// (the next ID token's signature is broken), `wrong-nonce` (the next ID
// token is re-signed with the provider's own key but another nonce) or
// `claims:{json}` (the next ID token, validly re-signed, with these claims
// merged in: another username, groups, `amr`).

import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';

const [port, berth] = process.argv.slice(2);
if (!port || !berth) {
  console.error('usage: node end2end/oidc-provider.mjs <port> <berth-base-url>');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const GROUPS = { alice: ['berth-ops'], bob: ['berth-viewers'] };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'berth',
      client_secret: 'berth-test-secret',
      redirect_uris: [`${berth}/auth/oidc/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email'],
    groups: ['groups'],
  },
  // Claims go into the ID token itself, not only the userinfo endpoint.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          preferred_username: id,
          name: id,
          email: `${id}@example.test`,
          groups: GROUPS[id] ?? [],
        };
      },
    };
  },
});
provider.proxy = false;

let mode = 'none';

// Mutates the next ID token the token endpoint hands out.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || mode === 'none' || !ctx.body?.id_token) return;
  const token = ctx.body.id_token;
  if (mode === 'tamper') {
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    payload.sub = `${payload.sub}-admin`;
    ctx.body.id_token = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
  } else if (mode.startsWith('claims:')) {
    const claims = decodeJwt(token);
    const header = decodeProtectedHeader(token);
    ctx.body.id_token = await new SignJWT({ ...claims, ...JSON.parse(mode.slice('claims:'.length)) })
      .setProtectedHeader(header)
      .sign(privateKey);
  } else if (mode === 'wrong-nonce') {
    const claims = decodeJwt(token);
    const header = decodeProtectedHeader(token);
    ctx.body.id_token = await new SignJWT({ ...claims, nonce: 'not-the-nonce-berth-sent' })
      .setProtectedHeader(header)
      .sign(privateKey);
  }
  mode = 'none';
});

const callback = provider.callback();
const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__test/mode') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      mode = body.trim() || 'none';
      res.writeHead(204).end();
    });
    return;
  }
  callback(req, res);
});
server.listen(Number(port), '127.0.0.1', () => console.log(`ready ${issuer}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
