// The official Stytch Node SDK (stytch@14.2.0, pinned in package.json) against the standalone
// emulator. Run by scripts/node-test.sh, which starts the emulator and sets:
//   STYTCH_EMULATOR_URL  base URL of the emulator, e.g. http://127.0.0.1:41234 (no trailing slash)
//   STYTCH_PROJECT_ID    project the emulator was started with
//   STYTCH_SECRET        that project's secret
//
// The first four tests share that project and run in order (node:test runs a file's top-level tests
// one after another). The MFA test advances the project's virtual clock; the tests before it mint
// JWTs on real time, so their local JWT checks are not skewed, and the test after it does not depend
// on the clock.
//
// Every later test ("endpoint coverage") works in a project of its own, project-test-<uuid> with a
// fresh secret, which the emulator creates on first use because node-test.sh starts it with
// --auto-provision. Each of those tests is independent of the others and of the order, and its
// virtual clock starts on real time, whatever the MFA test did to the shared project's clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac, randomBytes, randomInt, randomUUID } from "node:crypto";
import stytch from "stytch";

const baseURL = requiredEnv("STYTCH_EMULATOR_URL").replace(/\/+$/, "");
const projectID = requiredEnv("STYTCH_PROJECT_ID");
const secret = requiredEnv("STYTCH_SECRET");

// custom_base_url must be https in stytch@14.2.0, so the plain-http emulator goes in env
// (stytch@14.2.0's dist/shared/client.js); a non-standard env only makes the SDK print a warning.
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

// control calls the emulator's control API with the shared project's Basic credentials.
function control(method, path, body) {
  return controlAs(projectID, secret, method, path, body);
}

// controlAs calls the emulator's control API with a project's Basic credentials.
async function controlAs(pid, psecret, method, path, body) {
  const res = await fetch(baseURL + path, {
    method,
    headers: {
      Authorization: "Basic " + Buffer.from(`${pid}:${psecret}`).toString("base64"),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${method} ${path} -> ${res.status} ${text}`);
  return JSON.parse(text);
}

// latestCode returns the newest message sent to `to` in the shared project (or through ctl, a
// project's control function), checking that it is an OTP of the given channel with a 6-digit code.
async function latestCode(to, channel, ctl = control) {
  const { messages } = await ctl("GET", `/emulator/v1/messages?to=${encodeURIComponent(to)}`);
  assert.ok(messages.length > 0, `no message was sent to ${to}`);
  const m = messages[messages.length - 1];
  assert.equal(m.channel, channel, `message to ${to}: ${JSON.stringify(m)}`);
  assert.equal(m.type, "otp", `message to ${to}: ${JSON.stringify(m)}`);
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
async function assertLocalJwt(jwt, extra = {}, c = client) {
  const res = await c.sessions.authenticateJwt({ session_jwt: jwt, ...extra });
  assert.equal(res.session_jwt, jwt);
  assert.equal(res.request_id, undefined, "authenticateJwt fell back to the remote API: local verification failed");
  // authenticateJwtLocal never falls back, so it fails loudly if the JWT does not verify locally.
  const local = await c.sessions.authenticateJwtLocal({ session_jwt: jwt, ...extra });
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

test("MFA: password session stepped up with SMS OTP", TIMEOUT, async () => {
  const email = uniqueEmail("mfa");
  const created = await client.passwords.create({ email, password, session_duration_minutes: 60 });

  // Verify the email first (the guide assumes a verified email), with the sign-up session as in
  // Stytch's "email verification after password creation" guide: without a session of the user,
  // Stytch would take the code for a passwordless login and make the password need a reset.
  const sent = await client.otps.email.send({ email });
  assert.equal(sent.email_id, created.email_id);
  const emailMsg = await latestCode(email, "email");
  assert.equal(emailMsg.method_id, created.email_id);
  const verified = await client.otps.authenticate({
    method_id: sent.email_id,
    code: emailMsg.code,
    session_token: created.session_token,
  });
  assert.equal(verified.user_id, created.user_id);
  assert.ok(verified.user.emails.some((e) => e.email_id === created.email_id && e.verified), JSON.stringify(verified.user.emails));
  assert.equal(verified.session.session_id, created.session.session_id, "the email factor joins the sign-up session");

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

// ---------------------------------------------------------------------------------------------
// Endpoint coverage: every endpoint the emulator serves, driven through the Node SDK, each test in
// a project of its own (see the header).
// ---------------------------------------------------------------------------------------------

// A bcrypt hash (cost 4) of migratedPassword, for passwords.migrate; Node has no bcrypt built in.
// Provenance: generated once with golang.org/x/crypto/bcrypt v0.59.0 (the version in go.mod) by a
// throwaway program, bcrypt.GenerateFromPassword([]byte(migratedPassword), 4), whose own
// bcrypt.CompareHashAndPassword check passed.
const migratedPassword = "Migrated-Bcrypt-Password-2024!";
const migratedBcryptHash = "$2a$04$DroQ5Mhs64GW8qGPWDEGA.MmLi5ua1pWzaR7w56dDsOc6dFtFcZAO";

// newProject returns a fresh project of the emulator (auto-provisioned on its first request): its
// SDK client, its control API and a few helpers bound to it.
function newProject() {
  const pid = `project-test-${randomUUID()}`;
  const psecret = `secret-test-${randomUUID()}`;
  const ctl = (method, path, body) => controlAs(pid, psecret, method, path, body);
  return {
    id: pid,
    client: quietClient(pid, psecret),
    control: ctl,
    latestCode: (to, channel) => latestCode(to, channel, ctl),
    messages: async (to) => (await ctl("GET", `/emulator/v1/messages?to=${encodeURIComponent(to)}`)).messages,
    // now is the project's virtual time (GET /emulator/v1/clock).
    now: async () => new Date((await ctl("GET", "/emulator/v1/clock")).now),
    advance: (d) => ctl("POST", "/emulator/v1/clock", { advance: d }),
  };
}

// quietClient is a stytch.Client like `client`, without the SDK's warning about the custom env,
// which the shared client has already printed once.
function quietClient(pid, psecret) {
  const warn = console.warn;
  console.warn = (msg, ...rest) => {
    if (typeof msg === "string" && msg.startsWith("[Stytch] Warning: Using a custom 'env' value")) return;
    warn(msg, ...rest);
  };
  try {
    return new stytch.Client({ project_id: pid, secret: psecret, env: baseURL + "/" });
  } finally {
    console.warn = warn;
  }
}

// assertMeta checks the request_id and status_code every successful response carries.
function assertMeta(res, status = 200) {
  assert.equal(res.status_code, status, JSON.stringify(res));
  assert.match(res.request_id, /^request-id-test-/);
}

// base32Decode decodes an RFC 4648 base32 string (padding optional), as TOTP secrets are written.
function base32Decode(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, "").toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${JSON.stringify(s)}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// totpCode is the RFC 6238 code (HMAC-SHA1, 30 s steps, 6 digits) of a base32 secret at time `at`,
// as an authenticator app computes it.
function totpCode(base32Secret, at) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at.getTime() / 1000 / 30)));
  const mac = createHmac("sha1", base32Decode(base32Secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(bin).padStart(6, "0");
}

// authFactors maps a session's factors to the fields the coverage tests compare.
function authFactors(session) {
  return session.authentication_factors.map((f) => {
    const out = { type: f.type, delivery_method: f.delivery_method };
    for (const k of ["email_factor", "phone_number_factor", "authenticator_app_factor", "recovery_code_factor"]) {
      if (f[k]) out[k] = f[k];
    }
    return out;
  });
}

test("coverage: users create, get, update, search, delete", TIMEOUT, async () => {
  const { client: c } = newProject();
  const email = uniqueEmail("users");
  const phone = randomPhone();
  const externalID = `ext-${runID}`;

  const created = await c.users.create({
    email,
    phone_number: phone,
    name: { first_name: "Ada", last_name: "Lovelace" },
    trusted_metadata: { plan: "free", seats: 1 },
    untrusted_metadata: { theme: "dark" },
    external_id: externalID,
  });
  assertMeta(created, 201);
  assert.match(created.user_id, /^user-test-/);
  assert.match(created.email_id, /^email-test-/);
  assert.match(created.phone_id, /^phone-number-test-/);
  assert.equal(created.status, "active");
  assert.equal(created.user.user_id, created.user_id);
  assert.deepEqual(created.user.emails, [{ email_id: created.email_id, email, verified: false }]);
  assert.deepEqual(created.user.phone_numbers, [{ phone_id: created.phone_id, phone_number: phone, verified: false }]);
  assert.deepEqual(created.user.name, { first_name: "Ada", middle_name: "", last_name: "Lovelace" });
  assert.deepEqual(created.user.roles, ["stytch_user"]);
  assert.equal(created.user.password, null);
  assert.deepEqual(created.user.totps, []);

  // A second user with the same email is refused.
  await expectStytchError(c.users.create({ email }), 400, "duplicate_email");

  const got = await c.users.get({ user_id: created.user_id });
  assertMeta(got);
  assert.equal(got.user_id, created.user_id);
  assert.equal(got.status, "active");
  assert.deepEqual(got.emails, created.user.emails);
  assert.deepEqual(got.phone_numbers, created.user.phone_numbers);
  assert.deepEqual(got.trusted_metadata, { plan: "free", seats: 1 });
  assert.deepEqual(got.untrusted_metadata, { theme: "dark" });
  assert.equal(got.external_id, externalID);
  assert.equal(got.created_at, created.user.created_at);
  // The external_id stands in for the user_id.
  const byExternal = await c.users.get({ user_id: externalID });
  assert.equal(byExternal.user_id, created.user_id);

  // Metadata is merged key by key; a null value deletes its key.
  const updated = await c.users.update({
    user_id: created.user_id,
    name: { first_name: "Augusta", middle_name: "Ada", last_name: "King" },
    trusted_metadata: { plan: "pro", seats: null },
    untrusted_metadata: { locale: "en-GB" },
  });
  assertMeta(updated);
  assert.equal(updated.user_id, created.user_id);
  assert.deepEqual(updated.emails, created.user.emails);
  assert.deepEqual(updated.phone_numbers, created.user.phone_numbers);
  assert.deepEqual(updated.user.name, { first_name: "Augusta", middle_name: "Ada", last_name: "King" });
  assert.deepEqual(updated.user.trusted_metadata, { plan: "pro" });
  assert.deepEqual(updated.user.untrusted_metadata, { theme: "dark", locale: "en-GB" });
  const afterUpdate = await c.users.get({ user_id: created.user_id });
  assert.deepEqual(afterUpdate.name, updated.user.name);
  assert.deepEqual(afterUpdate.trusted_metadata, { plan: "pro" });

  // A second user, for search. The project is fresh, so it holds exactly these two (the sandbox
  // fixture user is not listed by search).
  const other = await c.users.create({ email: uniqueEmail("users-other") });
  assertMeta(other, 201);

  const all = await c.users.search({});
  assertMeta(all);
  assert.equal(all.results_metadata.total, 2);
  assert.deepEqual(all.results.map((u) => u.user_id).sort(), [created.user_id, other.user_id].sort());
  assert.equal(all.results_metadata.next_cursor, null);

  const byEmail = await c.users.search({
    query: { operator: "AND", operands: [{ filter_name: "email_address", filter_value: [email] }] },
  });
  assert.equal(byEmail.results_metadata.total, 1);
  assert.equal(byEmail.results[0].user_id, created.user_id);
  assert.deepEqual(byEmail.results[0].phone_numbers, created.user.phone_numbers);

  const either = await c.users.search({
    query: {
      operator: "OR",
      operands: [
        { filter_name: "phone_number", filter_value: [phone] },
        { filter_name: "user_id", filter_value: [other.user_id] },
      ],
    },
  });
  assert.equal(either.results_metadata.total, 2);

  // Pagination: one user per page, the cursor leads to the other one and then ends.
  const page1 = await c.users.search({ limit: 1 });
  assert.equal(page1.results.length, 1);
  assert.equal(page1.results_metadata.total, 2);
  assert.ok(page1.results_metadata.next_cursor, JSON.stringify(page1.results_metadata));
  const page2 = await c.users.search({ limit: 1, cursor: page1.results_metadata.next_cursor });
  assert.equal(page2.results.length, 1);
  assert.notEqual(page2.results[0].user_id, page1.results[0].user_id);
  assert.equal(page2.results_metadata.next_cursor, null);

  await expectStytchError(
    c.users.search({ query: { operator: "AND", operands: [{ filter_name: "no_such_filter", filter_value: [] }] } }),
    400,
    "user_search_filter_name_not_recognized",
  );

  const deleted = await c.users.delete({ user_id: created.user_id });
  assertMeta(deleted);
  assert.equal(deleted.user_id, created.user_id);
  await expectStytchError(c.users.get({ user_id: created.user_id }), 404, "user_not_found");
  await expectStytchError(c.users.delete({ user_id: created.user_id }), 404, "user_not_found");
  const remaining = await c.users.search({});
  assert.equal(remaining.results_metadata.total, 1);
  assert.equal(remaining.results[0].user_id, other.user_id);
  // The deleted user's email is free again.
  const again = await c.users.create({ email });
  assert.notEqual(again.user_id, created.user_id);
});

test("coverage: users deleteEmail, deletePhoneNumber, deletePassword, deleteTOTP", TIMEOUT, async () => {
  const { client: c } = newProject();
  const email = uniqueEmail("delete");
  const phone = randomPhone();
  const created = await c.users.create({ email, phone_number: phone });
  // migrate gives the existing user a password (user_created false).
  const migrated = await c.passwords.migrate({ email, hash: migratedBcryptHash, hash_type: "bcrypt" });
  assert.equal(migrated.user_created, false);
  assert.equal(migrated.user_id, created.user_id);
  const passwordID = migrated.user.password.password_id;
  assert.match(passwordID, /^password-test-/);
  const totp = await c.totps.create({ user_id: created.user_id });

  const before = await c.users.get({ user_id: created.user_id });
  assert.equal(before.emails.length, 1);
  assert.equal(before.phone_numbers.length, 1);
  assert.deepEqual(before.totps, [{ totp_id: totp.totp_id, verified: false }]);
  assert.equal(before.password.password_id, passwordID);

  const noTOTP = await c.users.deleteTOTP({ totp_id: totp.totp_id });
  assertMeta(noTOTP);
  assert.equal(noTOTP.user_id, created.user_id);
  assert.deepEqual(noTOTP.user.totps, []);
  await expectStytchError(c.users.deleteTOTP({ totp_id: totp.totp_id }), 404, "totp_not_found");

  // The password works until it is deleted.
  const pw = await c.passwords.authenticate({ email, password: migratedPassword });
  assert.equal(pw.user_id, created.user_id);
  const noPassword = await c.users.deletePassword({ password_id: passwordID });
  assertMeta(noPassword);
  assert.equal(noPassword.user_id, created.user_id);
  assert.equal(noPassword.user.password, null);
  await expectStytchError(c.passwords.authenticate({ email, password: migratedPassword }), 400, "no_user_password");
  await expectStytchError(c.users.deletePassword({ password_id: passwordID }), 404, "password_not_found");

  const noPhone = await c.users.deletePhoneNumber({ phone_id: created.phone_id });
  assertMeta(noPhone);
  assert.equal(noPhone.user_id, created.user_id);
  assert.deepEqual(noPhone.user.phone_numbers, []);
  assert.equal(noPhone.user.emails.length, 1);
  await expectStytchError(c.otps.sms.send({ phone_number: phone }), 404, "phone_number_not_found");
  await expectStytchError(c.users.deletePhoneNumber({ phone_id: created.phone_id }), 404, "phone_number_not_found");

  const noEmail = await c.users.deleteEmail({ email_id: created.email_id });
  assertMeta(noEmail);
  assert.equal(noEmail.user_id, created.user_id);
  assert.deepEqual(noEmail.user.emails, []);
  await expectStytchError(c.otps.email.send({ email }), 404, "email_not_found");
  await expectStytchError(c.users.deleteEmail({ email_id: created.email_id }), 404, "email_not_found");

  // The user itself remains, with nothing left on it.
  const after = await c.users.get({ user_id: created.user_id });
  assert.deepEqual(after.emails, []);
  assert.deepEqual(after.phone_numbers, []);
  assert.deepEqual(after.totps, []);
  assert.equal(after.password, null);
});

test("coverage: passwords strengthCheck and migrate (bcrypt)", TIMEOUT, async () => {
  const { client: c } = newProject();

  const weak = await c.passwords.strengthCheck({ password: "sunflower7" });
  assertMeta(weak);
  assert.equal(weak.valid_password, false);
  assert.ok(weak.score < 3, JSON.stringify(weak));
  assert.equal(weak.strength_policy, "zxcvbn");
  assert.equal(weak.breached_password, false);
  assert.ok(weak.feedback.warning || weak.feedback.suggestions.length > 0, JSON.stringify(weak.feedback));

  const strong = await c.passwords.strengthCheck({ password, email: uniqueEmail("strength") });
  assertMeta(strong);
  assert.equal(strong.valid_password, true);
  assert.ok(strong.score >= 3, JSON.stringify(strong));
  assert.equal(strong.strength_policy, "zxcvbn");
  // A weak password is refused on create with the same verdict.
  await expectStytchError(c.passwords.create({ email: uniqueEmail("weak"), password: "sunflower7" }), 400, "weak_password");

  const email = uniqueEmail("migrate");
  const migrated = await c.passwords.migrate({
    email,
    hash: migratedBcryptHash,
    hash_type: "bcrypt",
    set_email_verified: true,
    name: { first_name: "Grace", last_name: "Hopper" },
    trusted_metadata: { imported_from: "legacy" },
  });
  assertMeta(migrated);
  assert.equal(migrated.user_created, true);
  assert.match(migrated.user_id, /^user-test-/);
  assert.match(migrated.email_id, /^email-test-/);
  assert.deepEqual(migrated.user.emails, [{ email_id: migrated.email_id, email, verified: true }]);
  assert.match(migrated.user.password.password_id, /^password-test-/);
  assert.deepEqual(migrated.user.name, { first_name: "Grace", middle_name: "", last_name: "Hopper" });
  assert.deepEqual(migrated.user.trusted_metadata, { imported_from: "legacy" });

  // The imported hash authenticates the known password (and only it).
  await expectStytchError(
    c.passwords.authenticate({ email, password: migratedPassword + "x" }),
    401,
    "unauthorized_credentials",
  );
  const pw = await c.passwords.authenticate({ email, password: migratedPassword, session_duration_minutes: 30 });
  assertMeta(pw);
  assert.equal(pw.user_id, migrated.user_id);
  assert.ok(pw.session_token && pw.session_jwt);
  assert.deepEqual(authFactors(pw.session), [{ type: "password", delivery_method: "knowledge" }]);
  // ...and keeps working once the emulator has re-hashed it on that first success.
  const again = await c.passwords.authenticate({ email, password: migratedPassword });
  assert.equal(again.user_id, migrated.user_id);

  // Migrating again updates the same user.
  const remigrated = await c.passwords.migrate({ email, hash: migratedBcryptHash, hash_type: "bcrypt" });
  assert.equal(remigrated.user_created, false);
  assert.equal(remigrated.user_id, migrated.user_id);
  assert.equal(remigrated.user.password.password_id, migrated.user.password.password_id);

  await expectStytchError(
    c.passwords.migrate({ email: uniqueEmail("badhash"), hash: "not-a-bcrypt-hash", hash_type: "bcrypt" }),
    400,
    "invalid_bcrypt_hash",
  );
  await expectStytchError(
    c.passwords.migrate({ email: uniqueEmail("badtype"), hash: migratedBcryptHash, hash_type: "rot13" }),
    400,
    "invalid_hash_type",
  );
});

test("coverage: passwords email.resetStart and email.reset", TIMEOUT, async () => {
  const p = newProject();
  const c = p.client;
  const email = uniqueEmail("reset-email");
  const created = await c.passwords.create({ email, password, session_duration_minutes: 30 });

  const started = await c.passwords.email.resetStart({ email, reset_password_expiration_minutes: 15 });
  assertMeta(started);
  assert.equal(started.user_id, created.user_id);
  assert.equal(started.email_id, created.email_id);
  const msgs = (await p.messages(email)).filter((m) => m.type === "password_reset");
  assert.equal(msgs.length, 1, JSON.stringify(msgs));
  const msg = msgs[0];
  assert.equal(msg.channel, "email");
  assert.equal(msg.method_id, created.email_id);
  assert.equal(msg.user_id, created.user_id);
  assert.ok(msg.token, JSON.stringify(msg));
  assert.equal(Date.parse(msg.expires_at) - Date.parse(msg.sent_at), 15 * 60 * 1000);

  await expectStytchError(c.passwords.email.resetStart({ email: uniqueEmail("nobody") }), 404, "email_not_found");
  // The new password must pass the strength policy; a refused attempt leaves the token usable.
  await expectStytchError(c.passwords.email.reset({ token: msg.token, password: "sunflower7" }), 400, "weak_password");

  const newPassword = `Reset-${password}`;
  const reset = await c.passwords.email.reset({ token: msg.token, password: newPassword, session_duration_minutes: 30 });
  assertMeta(reset);
  assert.equal(reset.user_id, created.user_id);
  assert.ok(reset.session_token && reset.session_jwt);
  assert.notEqual(reset.session.session_id, created.session.session_id);
  assert.deepEqual(authFactors(reset.session), [{ type: "password", delivery_method: "knowledge" }]);
  // The reset proves the email.
  assert.deepEqual(reset.user.emails, [{ email_id: created.email_id, email, verified: true }]);

  // The user's earlier sessions are revoked, the token is single-use, and only the new password works.
  await expectStytchError(c.sessions.authenticate({ session_token: created.session_token }), 404, "session_not_found");
  await c.sessions.authenticate({ session_token: reset.session_token });
  await expectStytchError(
    c.passwords.email.reset({ token: msg.token, password: `Again-${password}` }),
    401,
    "unable_to_auth_password_reset_token",
  );
  await expectStytchError(c.passwords.authenticate({ email, password }), 401, "unauthorized_credentials");
  const pw = await c.passwords.authenticate({ email, password: newPassword });
  assert.equal(pw.user_id, created.user_id);
});

test("coverage: passwords existingPassword.reset", TIMEOUT, async () => {
  const { client: c } = newProject();
  const email = uniqueEmail("reset-existing");
  const created = await c.passwords.create({ email, password, session_duration_minutes: 30 });
  const newPassword = `Existing-${password}`;

  await expectStytchError(
    c.passwords.existingPassword.reset({ email, existing_password: password + "-wrong", new_password: newPassword }),
    401,
    "unauthorized_credentials",
  );
  await expectStytchError(
    c.passwords.existingPassword.reset({ email, existing_password: password, new_password: "sunflower7" }),
    400,
    "weak_password",
  );

  const reset = await c.passwords.existingPassword.reset({
    email,
    existing_password: password,
    new_password: newPassword,
    session_duration_minutes: 45,
  });
  assertMeta(reset);
  assert.equal(reset.user_id, created.user_id);
  assert.ok(reset.session_token && reset.session_jwt);
  assert.notEqual(reset.session.session_id, created.session.session_id);
  assert.deepEqual(authFactors(reset.session), [{ type: "password", delivery_method: "knowledge" }]);
  assert.equal(reset.user.password.password_id, created.user.password.password_id, "password_id is kept");

  await expectStytchError(c.sessions.authenticate({ session_token: created.session_token }), 404, "session_not_found");
  await expectStytchError(c.passwords.authenticate({ email, password }), 401, "unauthorized_credentials");
  const pw = await c.passwords.authenticate({ email, password: newPassword });
  assert.equal(pw.user_id, created.user_id);
});

test("coverage: passwords sessions.reset (recent password factor)", TIMEOUT, async () => {
  const p = newProject();
  const c = p.client;
  const email = uniqueEmail("reset-session");
  const created = await c.passwords.create({ email, password, session_duration_minutes: 60 });
  // A second session of the same user, which the reset revokes.
  const other = await c.passwords.authenticate({ email, password, session_duration_minutes: 60 });
  assert.notEqual(other.session.session_id, created.session.session_id);

  await expectStytchError(c.passwords.sessions.reset({ password: `Session-${password}` }), 400, "no_session_arguments");

  const newPassword = `Session-${password}`;
  const reset = await c.passwords.sessions.reset({ session_token: created.session_token, password: newPassword });
  assertMeta(reset);
  assert.equal(reset.user_id, created.user_id);
  assert.equal(reset.session.session_id, created.session.session_id, "the reset keeps the caller's session");
  assert.ok(reset.session_token && reset.session_jwt);
  assert.deepEqual(authFactors(reset.session), [{ type: "password", delivery_method: "knowledge" }]);

  await expectStytchError(c.sessions.authenticate({ session_token: other.session_token }), 404, "session_not_found");
  const live = await c.sessions.get({ user_id: created.user_id });
  assert.deepEqual(live.sessions.map((s) => s.session_id), [created.session.session_id]);
  await expectStytchError(c.passwords.authenticate({ email, password }), 401, "unauthorized_credentials");
  await c.passwords.authenticate({ email, password: newPassword });

  // Six minutes later (this project's clock only) the password factor is too old for a reset.
  await p.advance("6m");
  await expectStytchError(
    c.passwords.sessions.reset({ session_token: reset.session_token, password: `Later-${password}` }),
    400,
    "session_too_old_to_reset_password",
  );
});

// otpChannelFlow drives loginOrCreate, send and authenticate of one OTP channel (sms, whatsapp or
// email); the SDK calls are passed in so that each appears by name in this file.
async function otpChannelFlow(p, { channel, contact, loginOrCreate, send }) {
  const c = p.client;
  const idField = channel === "email" ? "email_id" : "phone_id";
  const factorOf = (id) =>
    channel === "email"
      ? { type: "otp", delivery_method: "email", email_factor: { email_id: id, email_address: contact } }
      : { type: "otp", delivery_method: channel, phone_number_factor: { phone_id: id, phone_number: contact } };

  // login_or_create makes the user, with the contact unverified.
  const first = await loginOrCreate({ [channel === "email" ? "email" : "phone_number"]: contact });
  assertMeta(first);
  assert.equal(first.user_created, true);
  assert.match(first.user_id, /^user-test-/);
  const methodID = first[idField];
  assert.ok(methodID, JSON.stringify(first));
  const msg1 = await p.latestCode(contact, channel);
  assert.equal(msg1.method_id, methodID);
  assert.equal(msg1.user_id, first.user_id);

  const auth1 = await c.otps.authenticate({ method_id: methodID, code: msg1.code, session_duration_minutes: 30 });
  assertMeta(auth1);
  assert.equal(auth1.user_id, first.user_id);
  assert.equal(auth1.method_id, methodID);
  assert.ok(auth1.session_token && auth1.session_jwt);
  assert.deepEqual(authFactors(auth1.session), [factorOf(methodID)]);
  const verified = channel === "email" ? auth1.user.emails : auth1.user.phone_numbers;
  assert.equal(verified.length, 1);
  assert.equal(verified[0].verified, true, JSON.stringify(verified));
  // A code is single-use.
  await expectStytchError(c.otps.authenticate({ method_id: methodID, code: msg1.code }), 401, "unable_to_auth_otp_code");

  // login_or_create again logs the same user in.
  const second = await loginOrCreate({ [channel === "email" ? "email" : "phone_number"]: contact });
  assert.equal(second.user_created, false);
  assert.equal(second.user_id, first.user_id);
  assert.equal(second[idField], methodID);

  // send to the (now known) contact; its code replaces the previous one and adds to the session.
  const sent = await send({ [channel === "email" ? "email" : "phone_number"]: contact, expiration_minutes: 5 });
  assertMeta(sent);
  assert.equal(sent.user_id, first.user_id);
  assert.equal(sent[idField], methodID);
  const msg2 = await p.latestCode(contact, channel);
  assert.equal(Date.parse(msg2.expires_at) - Date.parse(msg2.sent_at), 5 * 60 * 1000);
  assert.equal((await p.messages(contact)).length, 3);
  const auth2 = await c.otps.authenticate({ method_id: methodID, code: msg2.code, session_token: auth1.session_token });
  assert.equal(auth2.session.session_id, auth1.session.session_id);
  assert.deepEqual(authFactors(auth2.session), [factorOf(methodID)], "the same method is one factor");

  // send to an unknown contact without a user is refused.
  const unknown = channel === "email" ? uniqueEmail(`unknown-${channel}`) : randomPhone();
  await expectStytchError(
    send({ [channel === "email" ? "email" : "phone_number"]: unknown }),
    404,
    channel === "email" ? "email_not_found" : "phone_number_not_found",
  );
  return { userID: first.user_id, methodID, session: auth2 };
}

test("coverage: otps sms loginOrCreate, send, authenticate", TIMEOUT, async () => {
  const p = newProject();
  await otpChannelFlow(p, {
    channel: "sms",
    contact: randomPhone(),
    loginOrCreate: (params) => p.client.otps.sms.loginOrCreate(params),
    send: (params) => p.client.otps.sms.send(params),
  });
  // SMS goes to +1 numbers only by default.
  await expectStytchError(
    p.client.otps.sms.loginOrCreate({ phone_number: "+447700900123" }),
    400,
    "invalid_phone_number_country_code",
  );
});

test("coverage: otps whatsapp loginOrCreate, send, authenticate", TIMEOUT, async () => {
  const p = newProject();
  await otpChannelFlow(p, {
    channel: "whatsapp",
    contact: randomPhone(),
    loginOrCreate: (params) => p.client.otps.whatsapp.loginOrCreate(params),
    send: (params) => p.client.otps.whatsapp.send(params),
  });
  // WhatsApp is not limited to +1 numbers.
  const intl = await p.client.otps.whatsapp.loginOrCreate({ phone_number: "+447700900123" });
  assert.equal(intl.user_created, true);
});

test("coverage: otps email loginOrCreate, send, authenticate", TIMEOUT, async () => {
  const p = newProject();
  await otpChannelFlow(p, {
    channel: "email",
    contact: uniqueEmail("otp-email"),
    loginOrCreate: (params) => p.client.otps.email.loginOrCreate(params),
    send: (params) => p.client.otps.email.send(params),
  });
  await expectStytchError(p.client.otps.email.loginOrCreate({ email: "not-an-email" }), 400, "invalid_email");
});

test("coverage: totps create, authenticate, recoveryCodes, recover", TIMEOUT, async () => {
  // The code computation itself, checked against RFC 6238 appendix B (SHA-1, T = 59 s; the RFC's
  // 8-digit 94287082 truncated to 6 digits).
  assert.equal(totpCode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", new Date(59_000)), "287082");

  const p = newProject();
  const c = p.client;
  const user = await c.users.create({ email: uniqueEmail("totp") });

  const created = await c.totps.create({ user_id: user.user_id });
  assertMeta(created);
  assert.equal(created.user_id, user.user_id);
  assert.match(created.totp_id, /^totp-test-/);
  assert.match(created.secret, /^[A-Z2-7]{32}$/);
  assert.ok(created.qr_code.startsWith("data:image/png;base64,"), created.qr_code.slice(0, 40));
  assert.equal(created.recovery_codes.length, 10);
  for (const rc of created.recovery_codes) assert.match(rc, /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
  assert.equal(new Set(created.recovery_codes).size, 10);
  assert.deepEqual(created.user.totps, [{ totp_id: created.totp_id, verified: false }]);

  // Recovery codes are listed, but cannot be used before the registration is verified.
  const pending = await c.totps.recoveryCodes({ user_id: user.user_id });
  assertMeta(pending);
  assert.deepEqual(pending.totps, [{ totp_id: created.totp_id, verified: false, recovery_codes: created.recovery_codes }]);
  await expectStytchError(
    c.totps.recover({ user_id: user.user_id, recovery_code: created.recovery_codes[0] }),
    401,
    "unable_to_authenticate_recovery_code",
  );

  // The code at the emulator's (project) clock.
  const code = totpCode(created.secret, await p.now());
  const wrong = String((Number(code) + 500_000) % 1_000_000).padStart(6, "0");
  await expectStytchError(c.totps.authenticate({ user_id: user.user_id, totp_code: wrong }), 401, "unable_to_authenticate_totp");

  const auth = await c.totps.authenticate({ user_id: user.user_id, totp_code: code, session_duration_minutes: 30 });
  assertMeta(auth);
  assert.equal(auth.user_id, user.user_id);
  assert.equal(auth.totp_id, created.totp_id);
  assert.ok(auth.session_token && auth.session_jwt);
  const totpFactor = {
    type: "totp",
    delivery_method: "authenticator_app",
    authenticator_app_factor: { totp_id: created.totp_id },
  };
  assert.deepEqual(authFactors(auth.session), [totpFactor]);
  assert.deepEqual(auth.user.totps, [{ totp_id: created.totp_id, verified: true }]);
  // A code (time step) cannot be used twice.
  await expectStytchError(
    c.totps.authenticate({ user_id: user.user_id, totp_code: code }),
    400,
    "totp_code_already_authenticated",
  );
  // One registration per user once verified.
  await expectStytchError(c.totps.create({ user_id: user.user_id }), 400, "active_totp_exists");

  // Thirty seconds later on the project clock the next code is accepted.
  await p.advance("30s");
  const next = totpCode(created.secret, await p.now());
  const auth2 = await c.totps.authenticate({ user_id: user.user_id, totp_code: next, session_token: auth.session_token });
  assert.equal(auth2.session.session_id, auth.session.session_id);
  assert.deepEqual(authFactors(auth2.session), [totpFactor]);

  const codes = await c.totps.recoveryCodes({ user_id: user.user_id });
  assertMeta(codes);
  assert.equal(codes.user_id, user.user_id);
  assert.deepEqual(codes.totps, [{ totp_id: created.totp_id, verified: true, recovery_codes: created.recovery_codes }]);

  // A recovery code adds its factor to the session and is then spent.
  const rc = created.recovery_codes[3];
  const recovered = await c.totps.recover({ user_id: user.user_id, recovery_code: rc, session_token: auth2.session_token });
  assertMeta(recovered);
  assert.equal(recovered.user_id, user.user_id);
  assert.equal(recovered.totp_id, created.totp_id);
  assert.equal(recovered.session.session_id, auth.session.session_id);
  const factors = authFactors(recovered.session);
  assert.equal(factors.length, 2, JSON.stringify(factors));
  assert.deepEqual(factors[0], totpFactor);
  assert.equal(factors[1].type, "recovery_codes");
  assert.equal(factors[1].delivery_method, "recovery_code");
  assert.match(factors[1].recovery_code_factor.totp_recovery_code_id, /\S/);
  await expectStytchError(
    c.totps.recover({ user_id: user.user_id, recovery_code: rc }),
    401,
    "unable_to_authenticate_recovery_code",
  );
  const left = await c.totps.recoveryCodes({ user_id: user.user_id });
  assert.deepEqual(left.totps[0].recovery_codes, created.recovery_codes.filter((x) => x !== rc));
  await expectStytchError(
    c.totps.recover({ user_id: user.user_id, recovery_code: code }),
    400,
    "totp_code_used_as_recovery_code",
  );
});

test("coverage: sessions get, authenticate, authenticateJwt, revoke", TIMEOUT, async () => {
  const p = newProject();
  const c = p.client;
  const email = uniqueEmail("sessions");
  const created = await c.passwords.create({ email, password, session_duration_minutes: 30 });
  const second = await c.passwords.authenticate({ email, password, session_duration_minutes: 60 });
  const third = await c.passwords.authenticate({ email, password, session_duration_minutes: 90 });
  const ids = [created, second, third].map((r) => r.session.session_id);
  assert.equal(new Set(ids).size, 3);

  const listed = await c.sessions.get({ user_id: created.user_id });
  assertMeta(listed);
  assert.deepEqual(listed.sessions.map((s) => s.session_id).sort(), [...ids].sort());
  for (const s of listed.sessions) {
    assert.equal(s.user_id, created.user_id);
    assert.deepEqual(authFactors(s), [{ type: "password", delivery_method: "knowledge" }]);
  }
  await expectStytchError(c.sessions.get({ user_id: "user-test-00000000-0000-4000-8000-000000000000" }), 404, "user_not_found");

  // authenticate by token: extends the session and merges custom claims.
  const byToken = await c.sessions.authenticate({
    session_token: second.session_token,
    session_duration_minutes: 120,
    session_custom_claims: { tier: "gold" },
  });
  assertMeta(byToken);
  assert.equal(byToken.session.session_id, second.session.session_id);
  assert.equal(byToken.session_token, second.session_token);
  assert.deepEqual(byToken.session.custom_claims, { tier: "gold" });
  assert.equal(byToken.user.user_id, created.user_id);
  assert.ok(Date.parse(byToken.session.expires_at) > Date.parse(second.session.expires_at));
  // ...and by JWT.
  const byJwt = await c.sessions.authenticate({ session_jwt: byToken.session_jwt });
  assert.equal(byJwt.session.session_id, second.session.session_id);
  assert.deepEqual(byJwt.session.custom_claims, { tier: "gold" });

  // authenticateJwt verifies locally (this project's clock is on real time)...
  const local = await c.sessions.authenticateJwt({ session_jwt: byToken.session_jwt });
  assert.equal(local.request_id, undefined, "authenticateJwt fell back to the remote API");
  assert.equal(local.session.session_id, second.session.session_id);
  assert.equal(local.session.user_id, created.user_id);
  assert.deepEqual(local.session.custom_claims, { tier: "gold" });
  assert.deepEqual(local.session.roles, ["stytch_user"]);
  const viaHelper = await assertLocalJwt(byToken.session_jwt, { max_token_age_seconds: 300 }, c);
  assert.equal(viaHelper.session_id, second.session.session_id);
  // ...or remotely when max_token_age_seconds is 0.
  const remote = await c.sessions.authenticateJwt({ session_jwt: byToken.session_jwt, max_token_age_seconds: 0 });
  assertMeta(remote);
  assert.equal(remote.session.session_id, second.session.session_id);
  // A JWT of another project does not verify here, locally or remotely.
  await expectStytchError(
    newProject().client.sessions.authenticateJwt({ session_jwt: byToken.session_jwt }),
    400,
    "unable_to_parse_session_jwt",
  );

  // revoke by session_id, by token and by JWT.
  const r1 = await c.sessions.revoke({ session_id: created.session.session_id });
  assertMeta(r1);
  await expectStytchError(c.sessions.authenticate({ session_token: created.session_token }), 404, "session_not_found");
  const r2 = await c.sessions.revoke({ session_token: third.session_token });
  assertMeta(r2);
  await expectStytchError(c.sessions.authenticate({ session_token: third.session_token }), 404, "session_not_found");
  const r3 = await c.sessions.revoke({ session_jwt: byToken.session_jwt });
  assertMeta(r3);
  await expectStytchError(c.sessions.authenticate({ session_token: second.session_token }), 404, "session_not_found");
  await expectStytchError(c.sessions.revoke({ session_id: created.session.session_id }), 404, "session_not_found");
  await expectStytchError(c.sessions.revoke({}), 400, "no_session_revoke_arguments");

  // A revoked session's JWT still verifies locally until it expires (it is stateless), but the
  // remote check knows the session is gone.
  const stale = await c.sessions.authenticateJwtLocal({ session_jwt: byToken.session_jwt });
  assert.equal(stale.session_id, second.session.session_id);
  await expectStytchError(
    c.sessions.authenticateJwt({ session_jwt: byToken.session_jwt, max_token_age_seconds: 0 }),
    404,
    "session_not_found",
  );
  const none = await c.sessions.get({ user_id: created.user_id });
  assert.deepEqual(none.sessions, []);
});

// latestLink returns the newest magic-link message to `to` in project p, checking that its URL
// carries the token the way Stytch appends it (stytch_token_type=magic_links&token=…).
async function latestLink(p, to) {
  const msgs = (await p.messages(to)).filter((m) => m.type === "magic_link");
  assert.ok(msgs.length > 0, `no magic link was sent to ${to}`);
  const m = msgs[msgs.length - 1];
  const u = new URL(m.url);
  assert.equal(u.searchParams.get("stytch_token_type"), "magic_links", JSON.stringify(m));
  assert.equal(u.searchParams.get("token"), m.token, JSON.stringify(m));
  return m;
}

test("coverage: magicLinks email.loginOrCreate, email.send, authenticate (login, expiry, reuse, PKCE)", TIMEOUT, async () => {
  const p = newProject();
  const c = p.client;
  const email = uniqueEmail("ml");

  const created = await c.magicLinks.email.loginOrCreate({ email, create_user_as_pending: true, signup_template_id: "tpl" });
  assertMeta(created);
  assert.equal(created.user_created, true);
  const signup = await latestLink(p, email);
  assert.equal(signup.link_type, "signup");
  assert.equal(signup.template_id, "tpl");
  assert.ok(signup.url.startsWith("http://localhost:3000/authenticate?stytch_token_type=magic_links&token="), signup.url);

  // The app reads the token from the URL it was redirected to.
  const token = new URL(signup.url).searchParams.get("token");
  const auth = await c.magicLinks.authenticate({ token, session_duration_minutes: 30 });
  assertMeta(auth);
  assert.equal(auth.user_id, created.user_id);
  assert.equal(auth.method_id, created.email_id);
  assert.equal(auth.reset_sessions, false);
  assert.equal(auth.user.status, "active");
  assert.deepEqual(auth.user.emails, [{ email_id: created.email_id, email, verified: true }]);
  assert.deepEqual(authFactors(auth.session), [
    { type: "magic_link", delivery_method: "email", email_factor: { email_id: created.email_id, email_address: email } },
  ]);
  await assertLocalJwt(auth.session_jwt, {}, c);
  await expectStytchError(c.magicLinks.authenticate({ token }), 401, "unable_to_auth_magic_link");

  // An active user gets login links; they expire on the virtual clock.
  const sent = await c.magicLinks.email.send({ email, login_expiration_minutes: 5 });
  assertMeta(sent);
  assert.equal(sent.user_id, created.user_id);
  const login = await latestLink(p, email);
  assert.equal(login.link_type, "login");
  await p.advance("5m");
  await expectStytchError(c.magicLinks.authenticate({ token: login.token }), 401, "unable_to_auth_magic_link");
  await expectStytchError(c.magicLinks.email.send({ email: uniqueEmail("ml-nobody") }), 404, "email_not_found");
  await expectStytchError(
    c.magicLinks.email.send({ email, login_magic_link_url: "https://elsewhere.example.com/authenticate" }),
    400,
    "no_match_for_provided_magic_link_url",
  );

  // PKCE: the link only works with the verifier of the challenge sent.
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  await c.magicLinks.email.loginOrCreate({ email, code_challenge: challenge });
  const pkce = await latestLink(p, email);
  await expectStytchError(c.magicLinks.authenticate({ token: pkce.token }), 400, "pkce_expected_code_verifier");
  await expectStytchError(c.magicLinks.authenticate({ token: pkce.token, code_verifier: "x" + verifier }), 400, "pkce_mismatch");
  const ok = await c.magicLinks.authenticate({ token: pkce.token, code_verifier: verifier });
  assert.equal(ok.session, null, "no session without session_duration_minutes");
  assert.equal(ok.session_token, "");
});

test("coverage: magicLinks email.invite, email.revokeInvite, create (embeddable)", TIMEOUT, async () => {
  const p = newProject();
  const c = p.client;
  const email = uniqueEmail("ml-invite");
  const invited = await c.magicLinks.email.invite({ email, name: { first_name: "Ada" }, invite_template_id: "tpl-inv" });
  assertMeta(invited);
  const invite = await latestLink(p, email);
  assert.equal(invite.link_type, "invite");
  const pending = await c.users.get({ user_id: invited.user_id });
  assert.equal(pending.status, "pending");
  const accepted = await c.magicLinks.authenticate({ token: invite.token, session_duration_minutes: 10 });
  assert.equal(accepted.user.status, "active");
  await expectStytchError(c.magicLinks.email.invite({ email }), 400, "duplicate_email");

  const other = uniqueEmail("ml-revoke");
  await c.magicLinks.email.invite({ email: other });
  const revokedLink = await latestLink(p, other);
  const revoked = await c.magicLinks.email.revokeInvite({ email: other });
  assertMeta(revoked);
  await expectStytchError(c.magicLinks.authenticate({ token: revokedLink.token }), 404, "magic_link_not_found");
  await expectStytchError(c.magicLinks.email.revokeInvite({ email: other }), 404, "email_not_found");

  const made = await c.magicLinks.create({ user_id: accepted.user_id, expiration_minutes: 5 });
  assertMeta(made);
  assert.match(made.token, /^[A-Za-z0-9_-]{43}=$/);
  const embedded = await c.magicLinks.authenticate({ token: made.token, session_token: accepted.session_token });
  assert.deepEqual(
    embedded.session.authentication_factors.map((f) => `${f.type}/${f.delivery_method}`).sort(),
    ["magic_link/email", "magic_link/embedded"],
  );
});

test("coverage: magicLinks sandbox values", TIMEOUT, async () => {
  const c = newProject().client;
  const sandboxUser = "user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd";
  for (const call of [
    () => c.magicLinks.email.send({ email: "sandbox@stytch.com", login_magic_link_url: "http://localhost:8000/login" }),
    () => c.magicLinks.email.loginOrCreate({ email: "sandbox@stytch.com" }),
    () => c.magicLinks.email.invite({ email: "sandbox@stytch.com", invite_magic_link_url: "http://localhost:8000/invite" }),
  ]) {
    const res = await call();
    assert.equal(res.user_id, sandboxUser);
  }
  assertMeta(await c.magicLinks.email.revokeInvite({ email: "sandbox@stytch.com" }));
  const ok = await c.magicLinks.authenticate({ token: "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94=" });
  assert.equal(ok.user_id, sandboxUser);
  await expectStytchError(
    c.magicLinks.authenticate({ token: "3pzjQpgksDlGKWEwUq2Up--hCHC_0oamfLHyfspKDFU=" }),
    401,
    "unable_to_auth_magic_link",
  );
  await expectStytchError(
    c.magicLinks.authenticate({ token: "CprTtwhnRNiMBiUS2jSLcWYrfuO2POeBNdo5HhW6qTM=" }),
    404,
    "magic_link_not_found",
  );
});
