// Helpers shared by the Node SDK test files that work in projects of their own (fidelity and
// routes): the environment scripts/node-test.sh sets, a fresh auto-provisioned project with its
// SDK client and control API, and the StytchError assertion.
import assert from "node:assert/strict";
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import stytch from "stytch";

export const baseURL = requiredEnv("STYTCH_EMULATOR_URL").replace(/\/+$/, "");
export const runID = `${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
export const strongPassword = `Correct-Horse-Battery-Staple-${runID}-91!`;
export const TIMEOUT = { timeout: 30_000 };

function requiredEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this test through scripts/node-test.sh`);
  return v;
}

export function uniqueEmail(label) {
  return `node-${label}-${runID}-${randomInt(0, 1_000_000)}@example.com`;
}

export function randomPhone() {
  return "+1555" + String(randomInt(0, 10_000_000)).padStart(7, "0");
}

// controlAs calls the emulator's control API with a project's Basic credentials.
export async function controlAs(pid, psecret, method, path, body) {
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

// newProject returns a fresh project-test-<uuid> project (the emulator creates it on first use),
// its SDK client (with the fraud base URL pointed at the emulator too) and its control API.
export function newProject() {
  const pid = `project-test-${randomUUID()}`;
  const psecret = `secret-test-${randomUUID()}`;
  const ctl = (method, path, body) => controlAs(pid, psecret, method, path, body);
  return {
    id: pid,
    secret: psecret,
    client: quietClient(pid, psecret),
    control: ctl,
    messages: async (to) => (await ctl("GET", `/emulator/v1/messages?to=${encodeURIComponent(to)}`)).messages,
    requests: async () => (await ctl("GET", "/emulator/v1/requests")).requests,
  };
}

// quietClient is a stytch.Client on the emulator without the SDK's warning about the custom env.
// custom_base_url must be https in stytch@14.2.0, so the plain-http emulator goes in env.
function quietClient(pid, psecret) {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return new stytch.Client({ project_id: pid, secret: psecret, env: baseURL + "/", fraud_env: baseURL + "/" });
  } finally {
    console.warn = warn;
  }
}

// expectStytchError awaits p, which must reject with a StytchError of the given status and type,
// and returns the error.
export async function expectStytchError(p, status, errorType) {
  let caught;
  await assert.rejects(p, (err) => {
    assert.ok(err instanceof stytch.StytchError, `expected a StytchError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.status_code, status, JSON.stringify(err));
    assert.equal(err.error_type, errorType, JSON.stringify(err));
    assert.ok(err.error_message, "error_message is empty");
    caught = err;
    return true;
  });
  return caught;
}
