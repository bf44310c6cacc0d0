// A real OpenID provider (panva's oidc-provider) for Clausier's tests, on 127.0.0.1 only.
//
//   node provider.mjs PORT REDIRECT_URI POST_LOGOUT_REDIRECT_URI
//
// Its issuer is http://127.0.0.1:PORT. Two confidential clients, PKCE (S256) required:
// `clausier` gets its claims from the userinfo endpoint as JSON, `clausier-jwt` as a signed
// JWT, the way ProConnect sends them. Accounts are those of accounts.json (one, like
// ProConnect's, without `email_verified`), their claims given by scopes named like
// ProConnect's (email, given_name, usual_name, siret). The development
// interactions are on: a sign-in form (any password) a test submits over HTTP; a login that
// is no test account is asked to sign in again. No consent is asked: a grant of what the client asked for is made at
// once, as ProConnect does for agents. It prints "ready ISSUER" once listening.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const [port, redirectUri, postLogoutRedirectUri] = process.argv.slice(2);
if (!port || !redirectUri || !postLogoutRedirectUri) {
  console.error('usage: node provider.mjs PORT REDIRECT_URI POST_LOGOUT_REDIRECT_URI');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(readFileSync(new URL('./accounts.json', import.meta.url)));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const client = {
  client_secret: 'secret-de-test-clausier',
  redirect_uris: [redirectUri],
  post_logout_redirect_uris: [postLogoutRedirectUri],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
};

const provider = new Provider(issuer, {
  clients: [
    { ...client, client_id: 'clausier' },
    { ...client, client_id: 'clausier-jwt', userinfo_signed_response_alg: 'RS256' },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['cle-des-cookies-du-fournisseur-de-test'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, jwtUserinfo: { enabled: true } },
  scopes: ['openid', 'email', 'given_name', 'usual_name', 'siret'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    given_name: ['given_name'],
    usual_name: ['usual_name'],
    siret: ['siret'],
  },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
    await grant.save();
    return grant;
  },
});

provider.on('server_error', (ctx, error) => console.error('server_error', error));

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
