// The guide's MFA and step-up flow as a small Express service on the official Stytch Node SDK
// (stytch@14.2.0), the Node twin of examples/goapp: same routes, same answers, same contract
// (app.yaml). A user signs up or in with a password; asks for an SMS code with the session, which
// attaches the phone to the user; submits the code with the session, which steps the session up;
// the app stores the session token Stytch rotated. GET /account needs a password and an SMS
// factor; POST /transfer also an SMS factor at most 5 minutes old, by the app's own clock. A user
// who registers an authenticator app and submits its code opens GET /authenticator (a password
// and a TOTP factor). A user can also sign up or in with an email magic link: POST /magic-link has
// Stytch email a link to the app's redirect URL, GET /authenticate?stytch_token_type=magic_links&token=...,
// which authenticates the token with the session the user has, if any, and stores the session;
// GET /inbox needs a magic link and an SMS factor. The magic links use PKCE: the send keeps a
// one-time code_verifier in a cookie of the browser that asked and gives Stytch its hash, and the
// callback authenticates the token with that verifier, so a link opened in any other browser signs
// nobody in.
//
//   STYTCH_PROJECT_ID=project-test-... STYTCH_SECRET=secret-test-... STYTCH_BASE_URL=http://127.0.0.1:9010 \
//     node server.mjs [--addr 127.0.0.1:8080] [--magic-link-url URL] [--defect keeps-old-token|...]
//
// STYTCH_BASE_URL is the Stytch API it uses (an emulator's URL; https://test.stytch.com when
// unset). --magic-link-url (or MAGIC_LINK_URL) is where the magic links lead: this app's
// GET /authenticate as a browser reaches it; it must be one of the project's redirect URLs (the
// emulator's --redirect-urls); unset, the project's default redirect URL applies
// (http://localhost:3000/authenticate on a new Test project and on the emulator). It prints
// "nodeapp ready on http://ADDR" once it listens. --defect (or NODEAPP_DEFECT) plants one
// integration bug, to prove that the app features catch it.
import { createHash, randomBytes } from "node:crypto";
import express from "express";
import * as stytch from "stytch";

const DEFECTS = [
  "keeps-old-token",
  "skips-factor-check",
  "ignores-factor-age",
  "code-without-session",
  "link-without-session", // the magic-link callback drops the session the user has
  "skips-link-check", // the magic-link page checks the SMS factor only
  "link-keeps-old-token", // the magic-link callback keeps the token it had when the link joined the session
];
const SESSION_COOKIE = "stytch_session";
const PHONE_COOKIE = "mfa_phone_id";
// The PKCE code_verifier of the last magic link the browser asked for, for the callback:
// HttpOnly, Secure, SameSite=Lax (sent on the top-level GET a click in an email makes), scoped to
// the callback's path and living as long as the link.
const VERIFIER_COOKIE = "stytch_pkce_verifier";
const LINK_MINUTES = 60; // the lifetime of the links the app sends, login and sign-up alike
const NOT_THIS_BROWSER = "magic_link_not_asked_for_in_this_browser";
const SESSION_MINUTES = 60;
const STEP_UP_WINDOW_MS = 5 * 60 * 1000;
const CLOCK_SKEW_MS = 60 * 1000; // a factor this far in the future still counts as fresh

function flag(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const defect = flag("--defect", process.env.NODEAPP_DEFECT || "none");
if (defect !== "none" && !DEFECTS.includes(defect)) {
  console.error(`nodeapp: unknown defect "${defect}" (known: none, ${DEFECTS.join(", ")})`);
  process.exit(1);
}
const [host, port] = splitAddr(flag("--addr", "127.0.0.1:8080"));
const magicLinkURL = flag("--magic-link-url", process.env.MAGIC_LINK_URL || "");
// The verifier cookie's path: the callback as the browser reaches it.
const linkPath = callbackPath(magicLinkURL);
if (!process.env.STYTCH_PROJECT_ID || !process.env.STYTCH_SECRET) {
  console.error("nodeapp: set STYTCH_PROJECT_ID and STYTCH_SECRET (and STYTCH_BASE_URL for an emulator)");
  process.exit(1);
}

const config = { project_id: process.env.STYTCH_PROJECT_ID, secret: process.env.STYTCH_SECRET };
if (process.env.STYTCH_BASE_URL) {
  // The SDK takes any base URL as env; it must end with a slash.
  config.env = process.env.STYTCH_BASE_URL.replace(/\/*$/, "/");
}
const client = new stytch.Client(config);

const app = express();
app.use(express.json({ limit: "16kb" }));

app.post("/signup", async (req, res) => {
  const { email, password } = req.body ?? {};
  if (!email || !password) return res.status(400).json({ error: "bad_request" });
  try {
    const r = await client.passwords.create({ email, password, session_duration_minutes: SESSION_MINUTES });
    setSession(res, r.session_token);
    res.json({ user_id: r.user_id });
  } catch (err) {
    refuse(res, 400, "sign_up_failed", err);
  }
});

app.post("/login", async (req, res) => {
  const { email, password } = req.body ?? {};
  if (!email || !password) return res.status(400).json({ error: "bad_request" });
  try {
    const r = await client.passwords.authenticate({ email, password, session_duration_minutes: SESSION_MINUTES });
    setSession(res, r.session_token);
    res.json({ user_id: r.user_id });
  } catch (err) {
    refuse(res, 401, "invalid_credentials", err);
  }
});

// Sends an SMS code with the session, which attaches the phone number to the session's user.
app.post("/mfa/sms/send", async (req, res) => {
  const token = cookie(req, SESSION_COOKIE);
  if (!token) return res.status(401).json({ error: "unauthenticated" });
  const { phone_number } = req.body ?? {};
  if (!phone_number) return res.status(400).json({ error: "bad_request" });
  try {
    const r = await client.otps.sms.send({ phone_number, session_token: token });
    res.cookie(PHONE_COOKIE, r.phone_id, cookieOptions());
    res.json({ phone_id: r.phone_id });
  } catch (err) {
    refuse(res, 400, "send_failed", err);
  }
});

// Authenticates the code with the session: Stytch adds the SMS factor to the session and, since
// the session did not have it, rotates its token; the app stores the new one.
app.post("/mfa/sms/verify", async (req, res) => {
  const token = cookie(req, SESSION_COOKIE);
  const phoneID = cookie(req, PHONE_COOKIE);
  if (!token || !phoneID) return res.status(401).json({ error: "unauthenticated" });
  const { code } = req.body ?? {};
  if (!code) return res.status(400).json({ error: "bad_request" });
  const params = { method_id: phoneID, code, session_duration_minutes: SESSION_MINUTES };
  if (defect !== "code-without-session") params.session_token = token;
  try {
    const r = await client.otps.authenticate(params);
    if (defect !== "keeps-old-token") setSession(res, r.session_token);
    res.json({ user_id: r.user_id });
  } catch (err) {
    refuse(res, 401, "invalid_code", err);
  }
});

// Has Stytch email the user a login link, or a sign-up link (and a new user) to an address no user
// has; both lead to the app's redirect URL. The send starts a PKCE flow (Stytch's PKCE guide for
// magic links): a fresh code_verifier goes into the asking browser's verifier cookie, its hash to
// Stytch as code_challenge; a send Stytch refuses leaves the cookie as it was.
app.post("/magic-link", async (req, res) => {
  const { email } = req.body ?? {};
  if (!email) return res.status(400).json({ error: "bad_request" });
  const { verifier, challenge } = newPKCE();
  const params = {
    email,
    login_expiration_minutes: LINK_MINUTES,
    signup_expiration_minutes: LINK_MINUTES,
    code_challenge: challenge,
  };
  if (magicLinkURL) {
    params.login_magic_link_url = magicLinkURL;
    params.signup_magic_link_url = magicLinkURL;
  }
  try {
    await client.magicLinks.email.loginOrCreate(params);
    res.cookie(VERIFIER_COOKIE, verifier, { ...verifierCookieOptions(), maxAge: LINK_MINUTES * 60 * 1000 });
    res.json({ sent: "true" });
  } catch (err) {
    refuse(res, 400, "send_failed", err);
  }
});

// The redirect URL the links lead to, with ?stytch_token_type=magic_links&token=...: it
// authenticates the token with the code_verifier of the browser's verifier cookie and with the
// session the user has, if any, so that the magic-link factor joins the factors they already
// proved, and stores the session Stytch returns. A browser without the verifier (not the one that
// asked for the link) is refused before Stytch is asked: its session, if any, stays as it was. The
// verifier cookie is cleared after each attempt. A session Stytch no longer knows is dropped: the
// link then starts a new one. The retry relies on Stytch refusing the session before it uses the
// link, as the emulator does; that Stytch does so is unconfirmed.
app.get("/authenticate", async (req, res) => {
  const token = typeof req.query.token === "string" ? req.query.token : "";
  const type = req.query.stytch_token_type;
  if (!token || (type !== undefined && type !== "magic_links")) return res.status(400).json({ error: "bad_request" });
  const verifier = cookie(req, VERIFIER_COOKIE);
  if (!verifier) return res.status(401).json({ error: NOT_THIS_BROWSER });
  res.clearCookie(VERIFIER_COOKIE, verifierCookieOptions());
  const params = { token, code_verifier: verifier, session_duration_minutes: SESSION_MINUTES };
  const session = cookie(req, SESSION_COOKIE);
  if (session && defect !== "link-without-session") params.session_token = session;
  try {
    let r;
    try {
      r = await client.magicLinks.authenticate(params);
    } catch (err) {
      if (!params.session_token || err?.error_type !== "session_not_found") throw err;
      delete params.session_token;
      r = await client.magicLinks.authenticate(params);
    }
    if (defect !== "link-keeps-old-token" || !params.session_token) setSession(res, r.session_token);
    res.json({ user_id: r.user_id });
  } catch (err) {
    refuse(res, 401, "invalid_magic_link", err);
  }
});

// newPKCE returns a one-time PKCE code_verifier, 32 random bytes in unpadded base64url, and its
// code_challenge, the unpadded base64url SHA-256 of the verifier (Stytch takes no plain challenges
// and, for magic links, no code_challenge_method).
function newPKCE() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

app.post("/logout", async (req, res) => {
  const token = cookie(req, SESSION_COOKIE);
  if (token) {
    try {
      await client.sessions.revoke({ session_token: token });
    } catch (err) {
      log("sessions.revoke", err); // a session already gone is signed out all the same
    }
  }
  res.clearCookie(SESSION_COOKIE, cookieOptions());
  res.clearCookie(PHONE_COOKIE, cookieOptions());
  res.json({ signed_out: "true" });
});

// Registers an authenticator app for the signed-in user; the answer carries the secret the
// user's authenticator app takes (a QR code in a real app).
app.post("/mfa/totp/register", requireMFA({ need: [] }), async (req, res) => {
  try {
    const r = await client.totps.create({ user_id: req.session.user_id });
    res.json({ totp_id: r.totp_id, secret: r.secret });
  } catch (err) {
    refuse(res, 400, "register_failed", err);
  }
});

// Authenticates the authenticator app's code with the session, which adds the TOTP factor and
// rotates the token; the app stores the new one.
app.post("/mfa/totp/verify", requireMFA({ need: [] }), async (req, res) => {
  const { code } = req.body ?? {};
  if (!code) return res.status(400).json({ error: "bad_request" });
  try {
    const r = await client.totps.authenticate({
      user_id: req.session.user_id,
      totp_code: code,
      session_token: cookie(req, SESSION_COOKIE),
      session_duration_minutes: SESSION_MINUTES,
    });
    setSession(res, r.session_token);
    res.json({ user_id: r.user_id });
  } catch (err) {
    refuse(res, 401, "invalid_code", err);
  }
});

const PASSWORD = ["password", "knowledge"];
const SMS = ["otp", "sms"];
const TOTP = ["totp", "authenticator_app"];
const MAGIC_LINK = ["magic_link", "email"];
const protectedNeeds = defect === "skips-factor-check" ? [] : [PASSWORD, SMS];
app.get("/account", requireMFA({ need: protectedNeeds }), page);
app.post("/transfer", requireMFA({ need: protectedNeeds, stepUp: defect !== "ignores-factor-age" }), page);
app.get("/authenticator", requireMFA({ need: [PASSWORD, TOTP] }), page);
app.get("/inbox", requireMFA({ need: defect === "skips-link-check" ? [SMS] : [MAGIC_LINK, SMS] }), page);

// requireMFA lets a request through only if its session, authenticated with Stytch, has the
// factors need lists (none: any signed-in session), and with stepUp an SMS factor authenticated
// within the window.
function requireMFA({ need, stepUp = false }) {
  return async (req, res, next) => {
    const token = cookie(req, SESSION_COOKIE);
    if (!token) return res.status(401).json({ error: "unauthenticated" });
    let session;
    try {
      const r = await client.sessions.authenticate({ session_token: token });
      session = r.session;
      setSession(res, r.session_token);
    } catch (err) {
      log("sessions.authenticate", err);
      if (err?.status_code >= 400 && err?.status_code < 500) {
        res.clearCookie(SESSION_COOKIE, cookieOptions());
        return res.status(401).json({ error: "unauthenticated" });
      }
      return res.status(502).json({ error: "upstream_error" });
    }
    const factors = session.authentication_factors ?? [];
    const has = ([type, method]) => factors.find((f) => f.type === type && f.delivery_method === method);
    const sms = has(SMS);
    if (need.some((f) => !has(f))) {
      return res.status(403).json({ error: "missing_factor" });
    }
    if (stepUp) {
      const at = Date.parse(sms?.last_authenticated_at ?? "");
      const age = Date.now() - at;
      if (Number.isNaN(at) || age > STEP_UP_WINDOW_MS || age < -CLOCK_SKEW_MS) {
        return res.status(403).json({ error: "stale_factor" });
      }
    }
    req.session = session;
    next();
  };
}

function page(req, res) {
  res.json({ page: req.path, user_id: req.session.user_id });
}

function setSession(res, token) {
  if (token) res.cookie(SESSION_COOKIE, token, cookieOptions());
}

function cookieOptions() {
  return { path: "/", httpOnly: true, secure: true, sameSite: "lax" };
}

function verifierCookieOptions() {
  return { ...cookieOptions(), path: linkPath };
}

// callbackPath is the path of the redirect URL u as the browser reaches it (the app's own
// /authenticate when u is unset).
function callbackPath(u) {
  if (!u) return "/authenticate";
  try {
    return new URL(u).pathname || "/";
  } catch {
    console.error(`nodeapp: --magic-link-url ${JSON.stringify(u)}: want an absolute URL, e.g. https://app.example.com/authenticate`);
    process.exit(1);
  }
}

// cookie returns a request cookie's value ("" when absent). A value that is not percent-encoded
// text counts as absent: decodeURIComponent throws on it, and a throw in an async Express 4
// handler is an unhandled rejection, which ends the process.
function cookie(req, name) {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join("="));
    } catch {
      return "";
    }
  }
  return "";
}

function refuse(res, status, reason, err) {
  log(reason, err);
  res.status(status).json({ error: reason });
}

function log(what, err) {
  console.error(`nodeapp: stytch refused ${what}: ${err?.error_type ?? err?.message ?? err}`);
}

function splitAddr(addr) {
  const i = addr.lastIndexOf(":");
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

const server = app.listen(port, host, () => {
  const a = server.address();
  console.log(`nodeapp ready on http://${a.address}:${a.port} (defect: ${defect})`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
