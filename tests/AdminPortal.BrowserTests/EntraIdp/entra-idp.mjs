// Test-only OpenID Connect provider shaped like a Microsoft Entra ID v2.0 tenant.
// Built on oidc-provider 9.13 with its development login/consent pages. NEVER use outside tests.
//
// Configured only by environment variables (see README.md). Prints exactly one line
// `ready https://127.0.0.1:PORT/<TENANT_ID>/v2.0` on stdout once it listens; everything else
// goes to stderr. Exits with code 0 on SIGTERM/SIGINT.

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

// oidc-provider prints its NOTICE lines with console.info (stdout). Keep stdout for the ready line.
console.info = console.error;
console.log = console.error;

const { default: Provider } = await import('oidc-provider');

function fail(message) {
  process.stderr.write(`entra-idp: ${message}\n`);
  process.exit(2);
}

function env(name) {
  const value = process.env[name]?.trim();
  if (!value) fail(`environment variable ${name} is required`);
  return value;
}

function list(name) {
  return env(name).split(',').map((s) => s.trim()).filter(Boolean);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const portText = env('IDP_PORT');
const requestedPort = Number(portText);
if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
  fail(`IDP_PORT must be a port number (0 = pick a free one), got "${portText}"`);
}
const TENANT_ID = env('TENANT_ID');
const OTHER_TENANT_ID = env('OTHER_TENANT_ID');
for (const [name, value] of [['TENANT_ID', TENANT_ID], ['OTHER_TENANT_ID', OTHER_TENANT_ID]]) {
  if (!GUID.test(value)) fail(`${name} must be a GUID, got "${value}"`);
}
const CLIENT_ID = env('CLIENT_ID');
const CLIENT_SECRET = env('CLIENT_SECRET');
const REDIRECT_URIS = list('REDIRECT_URIS');
const POST_LOGOUT_REDIRECT_URIS = list('POST_LOGOUT_REDIRECT_URIS');

let tls;
try {
  tls = { cert: readFileSync(env('IDP_CERT')), key: readFileSync(env('IDP_KEY')) };
} catch (err) {
  fail(`cannot read IDP_CERT / IDP_KEY: ${err.message}`);
}

// ---------------------------------------------------------------------------------------------
// Accounts: the devInteractions login name chooses the account (any password).
// ---------------------------------------------------------------------------------------------
const ACCOUNTS = {
  admin: { oid: '6f1c1d0a-8a51-4d2e-9b3f-0a0000000001', name: 'Ada Admin', roles: ['GlobalAdmin'] },
  operator: { oid: '6f1c1d0a-8a51-4d2e-9b3f-0a0000000002', name: 'Oscar Operator', roles: ['SecurityOperator'] },
  reader: { oid: '6f1c1d0a-8a51-4d2e-9b3f-0a0000000003', name: 'Rita Reader', roles: ['SecurityReader'] },
  norole: { oid: '6f1c1d0a-8a51-4d2e-9b3f-0a0000000004', name: 'Noah Norole', roles: [] },
  foreign: {
    oid: '6f1c1d0a-8a51-4d2e-9b3f-0a0000000005', name: 'Fiona Foreign', roles: ['GlobalAdmin'], tid: OTHER_TENANT_ID,
  },
  // An ID token without a tid claim.
  notid: { oid: '6f1c1d0a-8a51-4d2e-9b3f-0a0000000006', name: 'Nina Notid', roles: ['GlobalAdmin'], tid: null },
  // Role values that are not portal roles.
  strange: { oid: '6f1c1d0a-8a51-4d2e-9b3f-0a0000000007', name: 'Sam Strange', roles: ['Owner', 'globaladmin,SecurityReader'] },
};

// Like Entra, `sub` is an opaque value, stable per account and application (not the oid).
// oidc-provider uses the accountId as `sub`, and devInteractions makes the login name the
// accountId, so the login result is rewritten to this opaque id (see interactionFinished below).
const subjectFor = (oid) => createHash('sha256').update(`${oid}|${CLIENT_ID}`).digest('base64url');
const LOGIN_BY_SUBJECT = new Map(Object.entries(ACCOUNTS).map(([login, a]) => [subjectFor(a.oid), login]));

async function findAccount(ctx, accountId) {
  const login = LOGIN_BY_SUBJECT.get(accountId);
  if (!login) return undefined; // unknown login name: the sign-in fails
  const account = ACCOUNTS[login];
  return {
    accountId,
    async claims() {
      return {
        sub: accountId,
        oid: account.oid,
        tid: account.tid === null ? undefined : (account.tid ?? TENANT_ID),
        preferred_username: `${login}@contoso.test`,
        name: account.name,
        roles: [...account.roles],
        ver: '2.0',
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Pages we replace (the defaults print notices and ask "are you sure?" on logout).
// ---------------------------------------------------------------------------------------------
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// RP-initiated logout: sign out straight away. The provider's confirmation form is submitted by a
// tiny script with logout=yes; without JavaScript a "Yes, sign me out" button is shown instead.
async function logoutSource(ctx, form) {
  const autoForm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>Signing out</title>
  <script>document.addEventListener('DOMContentLoaded', function () { document.forms[0].submit(); });</script>
</head>
<body>
  <h1>Signing out&hellip;</h1>
  ${autoForm}
  <noscript><button type="submit" form="op.logoutForm" id="logout-yes">Yes, sign me out</button></noscript>
</body>
</html>`;
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign-out Success</title></head>
<body><h1>Sign-out Success</h1><p>You have been signed out.</p></body></html>`;
}

async function renderError(ctx, out, error) {
  process.stderr.write(`entra-idp: error page: ${out.error}: ${out.error_description ?? ''}${error?.error_detail ? ` (${error.error_detail})` : ''}\n`);
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>oops! something went wrong</title></head>
<body><h1>oops! something went wrong</h1>
<pre id="error">${Object.entries(out).map(([k, v]) => `${esc(k)}: ${esc(v)}`).join('\n')}</pre></body></html>`;
}

// ---------------------------------------------------------------------------------------------
// Server: HTTPS on 127.0.0.1. With IDP_PORT=0 the port is chosen first, then the provider is
// built (the issuer contains the port).
// ---------------------------------------------------------------------------------------------
let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = createServer(tls, (req, res) => handler(req, res));

server.on('error', (err) => {
  process.stderr.write(`entra-idp: ${err.message}\n`);
  process.exit(1);
});

await new Promise((resolve) => server.listen(requestedPort, '127.0.0.1', resolve));
const { port } = server.address();
const origin = `https://127.0.0.1:${port}`;
const issuer = `${origin}/${TENANT_ID}/v2.0`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomBytes(12).toString('base64url'),
  use: 'sig',
  alg: 'RS256',
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: REDIRECT_URIS,
    post_logout_redirect_uris: POST_LOGOUT_REDIRECT_URIS,
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  findAccount,
  claims: {
    openid: ['sub', 'oid', 'tid', 'roles', 'ver'],
    profile: ['name', 'preferred_username'],
  },
  scopes: ['openid', 'profile', 'offline_access'],
  responseTypes: ['code'],
  ttl: {
    AccessToken: 3600, AuthorizationCode: 60, Grant: 8 * 3600, IdToken: 3600, Interaction: 3600, Session: 8 * 3600,
  },
  conformIdTokenClaims: false, // put the claims above into the ID token, not only userinfo
  clientBasedCORS: () => false,
  renderError,
  routes: {
    authorization: '/oauth2/v2.0/authorize',
    token: '/oauth2/v2.0/token',
    end_session: '/oauth2/v2.0/logout',
    jwks: '/discovery/v2.0/keys',
    userinfo: '/oidc/userinfo',
  },
  features: {
    devInteractions: { enabled: true },
    pushedAuthorizationRequests: { enabled: false }, // .NET 10 uses PAR when advertised and fails
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    introspection: { enabled: false },
    revocation: { enabled: false },
    userinfo: { enabled: true },
  },
});

// Static clients are validated lazily: check now so a bad REDIRECT_URIS fails at start-up.
try {
  if (!await provider.Client.find(CLIENT_ID)) throw new Error('client not found');
} catch (err) {
  fail(`client configuration rejected: ${err.error_description ?? err.message}`);
}

// devInteractions finishes the login with { accountId: <login name> }: swap in the opaque id.
// An unknown login name ends the request with access_denied, sent back to the client.
const interactionFinished = provider.interactionFinished.bind(provider);
provider.interactionFinished = (req, res, result, options) => {
  let next = result;
  if (result?.login?.accountId !== undefined) {
    const login = String(result.login.accountId).trim().toLowerCase();
    next = ACCOUNTS[login]
      ? { ...result, login: { ...result.login, accountId: subjectFor(ACCOUNTS[login].oid) } }
      : {
        error: 'access_denied',
        error_description: `unknown test account "${login}" (known: ${Object.keys(ACCOUNTS).join(', ')})`,
      };
  }
  return interactionFinished(req, res, next, options);
};

// Everything lives under /<TENANT_ID>. The provider is mounted there: strip the prefix from
// req.url and keep the full path in req.originalUrl, from which oidc-provider derives its mount
// path (so generated URLs are /<TENANT_ID>/oauth2/v2.0/... ). Discovery is served at
// /<TENANT_ID>/v2.0/.well-known/openid-configuration like Entra's.
const callback = provider.callback();
const prefix = `/${TENANT_ID}`;
handler = (req, res) => {
  const url = req.url ?? '/';
  if (!url.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) {
    res.statusCode = 404;
    res.setHeader('content-type', 'text/plain');
    res.end('not found (every endpoint is under /<TENANT_ID>/)\n');
    return;
  }
  let rest = url.slice(prefix.length);
  if (rest.startsWith('/v2.0/.well-known/')) rest = rest.slice('/v2.0'.length);
  req.originalUrl = prefix + rest;
  req.url = rest;
  callback(req, res);
};

provider.on('server_error', (ctx, err) => process.stderr.write(`entra-idp: server_error: ${err.stack}\n`));

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

process.stdout.write(`ready ${issuer}\n`);
