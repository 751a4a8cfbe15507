// The official Stytch Node SDK (stytch@14.2.0, pinned in package.json) against the standalone
// emulator. Run by scripts/node-test.sh, which starts the emulator and sets:
//   STYTCH_EMULATOR_URL  base URL of the emulator, e.g. http://127.0.0.1:41234 (no trailing slash)
//   STYTCH_PROJECT_ID    project the emulator was started with
//   STYTCH_SECRET        that project's secret
//
// The tests run in order (node:test runs a file's top-level tests one after another). The MFA test
// advances the project's virtual clock; the tests before it mint JWTs on real time, so their local
// JWT checks are not skewed, and the test after it does not depend on the clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomInt } from "node:crypto";
import stytch from "stytch";

const baseURL = requiredEnv("STYTCH_EMULATOR_URL").replace(/\/+$/, "");
const projectID = requiredEnv("STYTCH_PROJECT_ID");
const secret = requiredEnv("STYTCH_SECRET");

// custom_base_url must be https in stytch@14.2.0, so the plain-http emulator goes in env
// (docs/stytch-api.md §1.1); a non-standard env only makes the SDK print a warning.
const client = new stytch.Client({ project_id: projectID, secret, env: baseURL + "/" });

const runID = `${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
const password = `Correct-Horse-Battery-Staple-${runID}-91!`;
const TIMEOUT = { timeout: 30_000 };

function requiredEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this test through scripts/node-test.sh`);
  return v;
}

function uniqueEmail(label) {
  return `node-${label}-${runID}@example.com`;
}

function randomPhone() {
  return "+1555" + String(randomInt(0, 10_000_000)).padStart(7, "0");
}

// control calls the emulator's control API with the project's Basic credentials.
async function control(method, path, body) {
  const res = await fetch(baseURL + path, {
    method,
    headers: {
      Authorization: "Basic " + Buffer.from(`${projectID}:${secret}`).toString("base64"),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${method} ${path} -> ${res.status} ${text}`);
  return JSON.parse(text);
}

// latestCode returns the code of the newest message sent to `to`, checking its channel.
async function latestCode(to, channel) {
  const { messages } = await control("GET", `/emulator/v1/messages?to=${encodeURIComponent(to)}`);
  assert.ok(messages.length > 0, `no message was sent to ${to}`);
  const m = messages[messages.length - 1];
  assert.equal(m.channel, channel, `message to ${to}: ${JSON.stringify(m)}`);
  assert.match(m.code, /^\d{6}$/, `message to ${to}: ${JSON.stringify(m)}`);
  return m;
}

// expectStytchError awaits p, which must reject with a StytchError of the given status and type.
async function expectStytchError(p, status, errorType) {
  await assert.rejects(p, (err) => {
    assert.ok(err instanceof stytch.StytchError, `expected a StytchError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.status_code, status, JSON.stringify(err));
    assert.equal(err.error_type, errorType, JSON.stringify(err));
    assert.ok(
      typeof err.request_id === "string" && err.request_id.startsWith("request-id-test-"),
      `request_id ${JSON.stringify(err.request_id)}`,
    );
    assert.ok(err.error_message, "error_message is empty");
    return true;
  });
}

// factorSummary keeps the fields of an authentication factor the tests compare.
function factorSummary(f) {
  const out = { type: f.type, delivery_method: f.delivery_method };
  if (f.phone_number_factor) {
    out.phone_number_factor = {
      phone_id: f.phone_number_factor.phone_id,
      phone_number: f.phone_number_factor.phone_number,
    };
  }
  return out;
}

// assertLocalJwt checks that authenticateJwt verified jwt locally (a remote call would return the
// API's full response, with request_id) and returns the session.
async function assertLocalJwt(jwt, extra = {}) {
  const res = await client.sessions.authenticateJwt({ session_jwt: jwt, ...extra });
  assert.equal(res.session_jwt, jwt);
  assert.equal(res.request_id, undefined, "authenticateJwt fell back to the remote API: local verification failed");
  // authenticateJwtLocal never falls back, so it fails loudly if the JWT does not verify locally.
  const local = await client.sessions.authenticateJwtLocal({ session_jwt: jwt, ...extra });
  assert.deepEqual(local, res.session);
  return res.session;
}

test("passwords, sessions and local JWT verification", TIMEOUT, async () => {
  const email = uniqueEmail("pw");
  const created = await client.passwords.create({ email, password, session_duration_minutes: 30 });
  assert.equal(created.status_code, 200);
  assert.match(created.request_id, /^request-id-test-/);
  assert.match(created.user_id, /^user-test-/);
  assert.ok(created.email_id);
  assert.ok(created.session_token);
  assert.ok(created.session_jwt);
  assert.equal(created.session.user_id, created.user_id);

  const pw = await client.passwords.authenticate({ email, password, session_duration_minutes: 30 });
  assert.equal(pw.user_id, created.user_id);
  assert.ok(pw.session_token);
  assert.ok(pw.session_jwt);
  assert.deepEqual(pw.session.authentication_factors.map(factorSummary), [
    { type: "password", delivery_method: "knowledge" },
  ]);

  const byToken = await client.sessions.authenticate({ session_token: pw.session_token });
  assert.equal(byToken.session.session_id, pw.session.session_id);
  assert.equal(byToken.session.user_id, created.user_id);
  assert.equal(byToken.user.user_id, created.user_id);
  assert.ok(byToken.session_jwt);

  const local = await assertLocalJwt(pw.session_jwt);
  assert.equal(local.session_id, pw.session.session_id);
  assert.equal(local.user_id, created.user_id);
  assert.deepEqual(local.authentication_factors.map(factorSummary), [
    { type: "password", delivery_method: "knowledge" },
  ]);
  assert.ok(local.started_at && local.expires_at, JSON.stringify(local));

  const fresh = await assertLocalJwt(pw.session_jwt, { max_token_age_seconds: 300 });
  assert.equal(fresh.session_id, pw.session.session_id);
  assert.deepEqual(fresh.authentication_factors.map(factorSummary), [
    { type: "password", delivery_method: "knowledge" },
  ]);
});

test("wrong password: StytchError 401 unauthorized_credentials", TIMEOUT, async () => {
  const email = uniqueEmail("wrongpw");
  await client.passwords.create({ email, password });
  await expectStytchError(
    client.passwords.authenticate({ email, password: password + "-wrong" }),
    401,
    "unauthorized_credentials",
  );
});

test("MFA: password session stepped up with SMS OTP (issue 3)", TIMEOUT, async () => {
  const email = uniqueEmail("mfa");
  const created = await client.passwords.create({ email, password });

  // Verify the email first (the guide assumes a verified email).
  const sent = await client.otps.email.send({ email });
  assert.equal(sent.email_id, created.email_id);
  const emailMsg = await latestCode(email, "email");
  assert.equal(emailMsg.method_id, created.email_id);
  const verified = await client.otps.authenticate({ method_id: sent.email_id, code: emailMsg.code });
  assert.equal(verified.user_id, created.user_id);
  assert.ok(verified.user.emails.some((e) => e.email_id === created.email_id && e.verified), JSON.stringify(verified.user.emails));

  // First factor: the password, with a 60-minute session.
  const pw = await client.passwords.authenticate({ email, password, session_duration_minutes: 60 });
  assert.deepEqual(pw.session.authentication_factors.map(factorSummary), [
    { type: "password", delivery_method: "knowledge" },
  ]);

  // Second factor: an SMS OTP attached to that session.
  const phone = randomPhone();
  const smsSent = await client.otps.sms.send({ phone_number: phone, session_token: pw.session_token });
  assert.equal(smsSent.user_id, created.user_id);
  assert.ok(smsSent.phone_id);
  const smsMsg = await latestCode(phone, "sms");
  assert.equal(smsMsg.method_id, smsSent.phone_id);
  const stepped = await client.otps.authenticate({
    method_id: smsSent.phone_id,
    code: smsMsg.code,
    session_token: pw.session_token,
  });
  assert.equal(stepped.user_id, created.user_id);
  assert.equal(stepped.session.session_id, pw.session.session_id);
  const twoFactors = [
    { type: "password", delivery_method: "knowledge" },
    {
      type: "otp",
      delivery_method: "sms",
      phone_number_factor: { phone_id: smsSent.phone_id, phone_number: phone },
    },
  ];
  assert.deepEqual(stepped.session.authentication_factors.map(factorSummary), twoFactors);

  // The session token rotates on step-up; the new one works.
  assert.ok(stepped.session_token);
  assert.notEqual(stepped.session_token, pw.session_token);
  const byNew = await client.sessions.authenticate({ session_token: stepped.session_token });
  assert.equal(byNew.session.session_id, pw.session.session_id);
  assert.deepEqual(byNew.session.authentication_factors.map(factorSummary), twoFactors);

  // The original token still works during the grace period...
  const byOld = await client.sessions.authenticate({ session_token: pw.session_token });
  assert.equal(byOld.session.session_id, pw.session.session_id);

  // ...and the new JWT verifies locally with both factors (checked before the clock moves, so
  // that its iat and the real clock agree).
  const local = await assertLocalJwt(stepped.session_jwt);
  assert.equal(local.session_id, pw.session.session_id);
  assert.deepEqual(local.authentication_factors.map(factorSummary), twoFactors);
  const fresh = await assertLocalJwt(stepped.session_jwt, { max_token_age_seconds: 300 });
  assert.deepEqual(fresh.authentication_factors.map(factorSummary), twoFactors);

  // After the grace period the original token is gone; the new one still works.
  await control("POST", "/emulator/v1/clock", { advance: "61s" });
  await expectStytchError(client.sessions.authenticate({ session_token: pw.session_token }), 404, "session_not_found");
  const after = await client.sessions.authenticate({ session_token: stepped.session_token });
  assert.equal(after.session.session_id, pw.session.session_id);
  assert.deepEqual(after.session.authentication_factors.map(factorSummary), twoFactors);

  // The stepped-up JWT (minted before the clock moved) still verifies locally with both factors.
  const later = await assertLocalJwt(stepped.session_jwt);
  assert.deepEqual(later.authentication_factors.map(factorSummary), twoFactors);
});

test("wrong OTP code: StytchError 404 otp_code_not_found", TIMEOUT, async () => {
  const email = uniqueEmail("wrongotp");
  const sent = await client.otps.email.loginOrCreate({ email });
  const msg = await latestCode(email, "email");
  const wrong = String((Number(msg.code) + 1) % 1_000_000).padStart(6, "0");
  await expectStytchError(
    client.otps.authenticate({ method_id: sent.email_id, code: wrong }),
    404,
    "otp_code_not_found",
  );
});
