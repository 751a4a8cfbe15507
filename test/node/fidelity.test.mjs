// The official Node SDK against the emulator's fidelity to Stytch: sandbox values, error types and
// texts, breach detection, reset-start validation and PKCE, reserved custom claims, and the users
// routes served for real. Each test works in a project of its own (see helpers.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { TIMEOUT, expectStytchError, newProject, randomPhone, strongPassword, uniqueEmail } from "./helpers.mjs";

const sandboxEmailID = "email-test-23873e89-d4ed-4e92-b3b9-e5c7198fa286";
const sandboxPhoneID = "phone-number-test-98cfbe19-6c8f-4b8b-b62a-e78a5a7bdff3";

test("sandbox: fixed method ids, 000000 without a send, started_at with its fraction", TIMEOUT, async () => {
  const { client: c } = newProject();
  for (const method_id of [sandboxEmailID, sandboxPhoneID]) {
    const a = await c.otps.authenticate({ method_id, code: "000000", session_duration_minutes: 5 });
    assert.equal(a.user_id, "user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd");
  }
  assert.equal((await c.otps.email.send({ email: "sandbox@stytch.com" })).email_id, sandboxEmailID);
  assert.equal((await c.otps.email.loginOrCreate({ email: "sandbox@stytch.com" })).email_id, sandboxEmailID);
  assert.equal((await c.otps.sms.send({ phone_number: "+10000000000" })).phone_id, sandboxPhoneID);
  assert.equal((await c.otps.sms.loginOrCreate({ phone_number: "+10000000000" })).phone_id, sandboxPhoneID);
  assert.equal((await c.otps.whatsapp.send({ phone_number: "+10000000000" })).phone_id, sandboxPhoneID);

  // As Stytch's own Node SDK sandbox test asserts it.
  const s = await c.sessions.authenticate({ session_token: "WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY" });
  assert.equal(s.session.started_at, "2021-08-28T00:41:58.935673Z");
  const e = await expectStytchError(
    c.sessions.authenticate({ session_token: "59cnLELtq5cFVS6uYK9f-pAWzBkhqZl8AvLhbhOvKNWw" }),
    404,
    "session_not_found",
  );
  assert.equal(e.error_message, "Session could not be found.");
});

test("sessions: a failed authorization_check is 403 consumer_session_authorization_error", TIMEOUT, async () => {
  const { client: c } = newProject();
  const email = uniqueEmail("authz");
  const created = await c.passwords.create({ email, password: strongPassword, session_duration_minutes: 30 });
  const err = await expectStytchError(
    c.sessions.authenticate({
      session_token: created.session_token,
      authorization_check: { resource_id: "documents", action: "read" },
    }),
    403,
    "consumer_session_authorization_error",
  );
  assert.equal(err.error_message, "The User is not authorized to perform the requested action on that resource.");
});

test("sessions: reserved custom claims are ignored, the stytch.com prefix refused", TIMEOUT, async () => {
  const { client: c } = newProject();
  const created = await c.passwords.create({ email: uniqueEmail("claims"), password: strongPassword, session_duration_minutes: 30 });
  const s = await c.sessions.authenticate({
    session_token: created.session_token,
    session_custom_claims: { sub: "someone-else", iss: "me", jti: "x", plan: "pro" },
  });
  assert.deepEqual(s.session.custom_claims, { plan: "pro" });
  const local = await c.sessions.authenticateJwtLocal({ session_jwt: s.session_jwt });
  assert.equal(local.user_id, created.user_id, "the JWT's sub is still the user");
  await expectStytchError(
    c.sessions.authenticate({ session_token: created.session_token, session_custom_claims: { "https://stytch.com/x": 1 } }),
    400,
    "stytch_claims_in_custom_claims",
  );
});

test("passwords: breach detection is on by default", TIMEOUT, async () => {
  const { client: c, messages } = newProject();
  const sc = await c.passwords.strengthCheck({ password: "letmein", email: uniqueEmail("sc") });
  assert.equal(sc.breached_password, true);
  assert.equal(sc.breach_detection_on_create, true);
  assert.equal(sc.valid_password, false);
  const err = await expectStytchError(c.passwords.create({ email: uniqueEmail("breached"), password: "trustno1" }), 400, "breached_password");
  assert.equal(err.error_message, "password appears in a list of breached passwords.");

  const email = uniqueEmail("reset");
  await c.passwords.create({ email, password: strongPassword });
  await expectStytchError(
    c.passwords.existingPassword.reset({ email, existing_password: strongPassword, new_password: "letmein" }),
    400,
    "breached_password",
  );
  await c.passwords.email.resetStart({ email });
  const msgs = await messages(email);
  await expectStytchError(c.passwords.email.reset({ token: msgs[msgs.length - 1].token, password: "letmein" }), 400, "breached_password");
});

test("passwords: reset start validates redirect URLs and locale; PKCE at reset", TIMEOUT, async () => {
  const { client: c, messages } = newProject();
  const email = uniqueEmail("pkce");
  await c.passwords.create({ email, password: strongPassword });
  await expectStytchError(
    c.passwords.email.resetStart({ email, reset_password_redirect_url: "not a url" }),
    400,
    "invalid_password_reset_redirect_url",
  );
  await expectStytchError(c.passwords.email.resetStart({ email, login_redirect_url: "/relative" }), 400, "invalid_login_redirect_url");
  await expectStytchError(c.passwords.email.resetStart({ email, locale: "it" }), 400, "invalid_locale");

  const verifier = "node-code-verifier-0123456789-abcdefghijklmnop";
  const code_challenge = createHash("sha256").update(verifier).digest("base64url");
  await c.passwords.email.resetStart({ email, code_challenge, locale: "pt-br", reset_password_redirect_url: "https://app.example.com/reset" });
  const msgs = await messages(email);
  const token = msgs[msgs.length - 1].token;
  await expectStytchError(c.passwords.email.reset({ token, password: strongPassword + "x" }), 400, "pkce_expected_code_verifier");
  await expectStytchError(
    c.passwords.email.reset({ token, password: strongPassword + "x", code_verifier: "wrong" }),
    400,
    "pkce_mismatch",
  );
  const ok = await c.passwords.email.reset({ token, password: strongPassword + "x", code_verifier: verifier });
  assert.equal(ok.status_code, 200);
});

test("users: exchangePrimaryFactor, deleteExternalId and the registrations never created", TIMEOUT, async () => {
  const { client: c } = newProject();
  const u = await c.users.create({ email: uniqueEmail("exchange"), external_id: `ext-${Date.now()}` });
  const next = uniqueEmail("exchanged");
  const ex = await c.users.exchangePrimaryFactor({ user_id: u.user_id, email_address: next });
  assert.deepEqual(ex.user.emails.map((e) => [e.email, e.verified]), [[next, false]]);
  const phone = randomPhone();
  const ex2 = await c.users.exchangePrimaryFactor({ user_id: u.user_id, phone_number: phone });
  assert.deepEqual(ex2.user.phone_numbers.map((p) => p.phone_number), [phone]);
  assert.deepEqual(ex2.user.emails, []);
  await expectStytchError(c.users.exchangePrimaryFactor({ user_id: u.user_id }), 400, "invalid_exchange_primary_factor_fields");

  const del = await c.users.deleteExternalId({ user_id: u.user_id });
  assert.equal(del.user.external_id, null);
  await expectStytchError(c.users.get({ user_id: u.user.external_id }), 404, "user_not_found");

  const id = "registration-test-00000000-0000-4000-8000-000000000000";
  await expectStytchError(c.users.deleteWebAuthnRegistration({ webauthn_registration_id: id }), 404, "webauthn_registration_not_found");
  await expectStytchError(c.users.deleteBiometricRegistration({ biometric_registration_id: id }), 404, "biometric_registration_not_found");
  await expectStytchError(c.users.deleteCryptoWallet({ crypto_wallet_id: id }), 404, "crypto_wallet_not_found");
  await expectStytchError(c.users.deleteOAuthRegistration({ oauth_user_registration_id: id }), 404, "oauth_user_registration_not_found");
});

test("sessions: the token rotates only when a factor the session did not have is added", TIMEOUT, async () => {
  const { client: c, messages } = newProject();
  const email = uniqueEmail("rotation");
  const created = await c.passwords.create({ email, password: strongPassword, session_duration_minutes: 30 });
  // The same factor again on the session: the token is kept.
  const again = await c.passwords.authenticate({ email, password: strongPassword, session_token: created.session_token });
  assert.equal(again.session_token, created.session_token);
  // A new factor (email OTP): the token rotates, the session stays.
  const sent = await c.otps.email.send({ email, session_token: created.session_token });
  const msgs = await messages(email);
  const stepped = await c.otps.authenticate({ method_id: sent.email_id, code: msgs[msgs.length - 1].code, session_token: created.session_token });
  assert.notEqual(stepped.session_token, created.session_token);
  assert.equal(stepped.session.session_id, created.session.session_id);
  // passwords.sessions.reset keeps the session used, and its token; the user's other sessions go.
  const other = await c.passwords.authenticate({ email, password: strongPassword, session_duration_minutes: 30 });
  const reset = await c.passwords.sessions.reset({ password: strongPassword + "-new", session_token: stepped.session_token });
  assert.equal(reset.session_token, stepped.session_token);
  await c.sessions.authenticate({ session_token: stepped.session_token });
  await expectStytchError(c.sessions.authenticate({ session_token: other.session_token }), 404, "session_not_found");
});
