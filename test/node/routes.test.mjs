// Every method of the Node SDK's consumer client (stytch@14.2.0) gets an honest answer from the
// emulator: the emulator's own behaviour, or 501 endpoint_not_emulated for a Stytch route it does
// not emulate; never route_not_found or method_not_allowed, and every request is in the project's
// request log. The walk finds the methods by reflection, so a new SDK method is walked too.
import { test } from "node:test";
import assert from "node:assert/strict";
import stytch from "stytch";
import { TIMEOUT, newProject } from "./helpers.mjs";

// Methods that work locally, without a request, and the SDK's internal helpers.
const local = new Set(["sessions.authenticateJwtLocal", "idp.introspectTokenLocal", "m2m.authenticateToken"]);
const skipObjects = new Set(["policyCache", "fetchConfig", "jwtConfig", "jwksClient"]);

// sdkMethods lists [path, object, name] for every method of the client tree.
function sdkMethods(obj, prefix = "") {
  const out = [];
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (skipObjects.has(key) || !v || typeof v !== "object" || Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) {
      continue;
    }
    const proto = Object.getPrototypeOf(v);
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== "constructor" && typeof v[name] === "function") out.push([`${prefix}${key}.${name}`, v, name]);
    }
    out.push(...sdkMethods(v, `${prefix}${key}.`));
  }
  return out;
}

test("every Node SDK method gets the emulator's behaviour or 501 endpoint_not_emulated", TIMEOUT, async () => {
  const p = newProject();
  const c = p.client;
  await c.users.search({ limit: 1 }); // creates the project
  const id = "id-test-00000000-0000-4000-8000-000000000000";
  // One argument with every path parameter and required field the methods read.
  const args = {
    user_id: id, email_id: id, phone_id: id, totp_id: id, password_id: id, crypto_wallet_id: id,
    webauthn_registration_id: id, biometric_registration_id: id, oauth_user_registration_id: id,
    connected_app_id: id, client_id: id, client_secret: "secret", project_id: p.id, domain: "example.com",
    email: "walk@example.com", phone_number: "+15555550199", password: "walk-correct-horse-91!",
    existing_password: "a", new_password: "walk-correct-horse-92!", token: "t", method_id: id, code: "123456",
    totp_code: "123456", recovery_code: "aaaa-bbbb-cccc", session_token: "59cnLELtq5cFVS6uYK9f-pAWzBkhqZl8AvLhbhOvKNWw",
    session_jwt: "not.a.jwt", access_token: "t", profile_id: id, telemetry_id: id, limit: 1,
  };
  const methods = sdkMethods(c);
  assert.ok(methods.length > 90, `the walk found ${methods.length} methods`);
  let walked = 0;
  let notEmulated = 0;
  for (const [path, obj, name] of methods) {
    if (local.has(path)) continue;
    const before = (await p.requests()).length;
    let err;
    try {
      const res = obj[name](name === "getJWKS" ? { project_id: p.id } : args);
      // searchAll returns an iterator: its first page is a request.
      if (res && typeof res.next === "function" && typeof res.then !== "function") await res.next();
      else await res;
    } catch (e) {
      err = e;
    }
    const log = (await p.requests()).slice(before).filter((r) => !r.path.startsWith("/emulator/"));
    if (name === "getJWKS" || (path === "sessions.authenticateJwt" && log.length === 0)) {
      continue; // the JWKS is public: no project, no log entry
    }
    assert.ok(log.length > 0, `${path} made no logged request (error: ${err?.message})`);
    const last = log[log.length - 1];
    assert.ok(last.path.startsWith("/v1/"), `${path}: ${JSON.stringify(last)}`);
    assert.ok(!["route_not_found", "method_not_allowed"].includes(last.error_type), `${path}: ${JSON.stringify(last)}`);
    if (last.status === 501) {
      notEmulated++;
      assert.equal(last.error_type, "endpoint_not_emulated", `${path}: ${JSON.stringify(last)}`);
      if (err instanceof stytch.StytchError) {
        assert.equal(err.error_type, "endpoint_not_emulated", path);
        assert.match(err.error_message, /does not emulate/, path);
      }
    } else {
      assert.notEqual(last.error_type, "endpoint_not_emulated", `${path}: ${JSON.stringify(last)}`);
    }
    walked++;
  }
  assert.ok(walked > 80, `walked ${walked} methods`);
  assert.ok(notEmulated > 20 && walked - notEmulated > 30, `${notEmulated} of ${walked} methods were not emulated`);
});
