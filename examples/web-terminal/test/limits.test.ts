/** Every limit of the web terminal, from a Node WebSocket client against a real sshd: each refusal says why. */
import assert from "node:assert/strict";
import { get } from "node:http";
import { after, before, describe, it } from "node:test";
import { type Sshd, startSshd, stopAll, waitUntil } from "@tsalive/test-support";
import { WebSocket } from "ws";
import { resolveOptions } from "../src/options.ts";
import { ask, type Rig, startRig } from "./_rig.ts";

const OPEN = { t: "open", cols: 80, rows: 24 };

describe("web terminal limits", () => {
  let sshd: Sshd;
  let rig: Rig;
  before(async () => {
    sshd = await startSshd();
    rig = await startRig(sshd, { maxSessions: 1, maxMessageBytes: 1024, helloTimeout: 300 });
  });
  after(async () => {
    await rig?.close();
    await stopAll();
  });

  it("refuses a session past maxSessions", async () => {
    const socket = new WebSocket(`${rig.url.replace(/^http/, "ws")}term`, { origin: new URL(rig.url).origin });
    const ready = new Promise<unknown>((resolve) =>
      socket.once("message", (data) => resolve(JSON.parse(String(data)))),
    );
    socket.once("open", () => socket.send(JSON.stringify(OPEN)));
    assert.equal(((await ready) as { t: string }).t, "ready");
    assert.deepEqual(await ask(rig.url, OPEN), {
      reply: { t: "refused", reason: "too many sessions: 1 at most" },
      code: 4001,
    });
    socket.close(1000);
    await waitUntil(() => rig.terminal.sessions().length === 0, { what: "the clean close to end the session" });
  });

  it("closes a socket that sends a message larger than maxMessageBytes (1009), or nothing at all", async () => {
    const url = `${rig.url.replace(/^http/, "ws")}term`;
    const origin = new URL(rig.url).origin;
    const big = new WebSocket(url, { origin });
    big.once("open", () => big.send("x".repeat(2048)));
    const [code] = await new Promise<[number]>((resolve) => big.once("close", (c) => resolve([c])));
    assert.equal(code, 1009);
    assert.deepEqual(await ask(rig.url, { t: "nonsense" }), {
      reply: { t: "refused", reason: "malformed message" },
      code: 4001,
    });
    const silent = new WebSocket(url, { origin });
    const reply = await new Promise<unknown>((resolve) =>
      silent.once("message", (data) => resolve(JSON.parse(String(data)))),
    );
    assert.deepEqual(reply, { t: "refused", reason: "no open or resume within 300 ms" });
  });

  it("refuses another Host (DNS rebinding) and another Origin", async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(rig.url, { headers: { host: "evil.example" } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).once("error", reject);
    });
    assert.equal(status, 421);
    const page = await fetch(rig.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'; .*connect-src 'self'/);
    // Credentials never reach the page: neither the key nor where it lives.
    const served = (await page.text()) + (await (await fetch(new URL("app.js", rig.url))).text());
    assert.doesNotMatch(served, /PRIVATE KEY|client_key|tsalive-sshd-/);
    assert.deepEqual(await ask(rig.url, OPEN, "http://127.0.0.1:1"), { status: 403 });
  });

  it("checks every option, naming it and the value received", () => {
    const target = {} as never;
    assert.throws(() => resolveOptions({ target, grace: 0 }), {
      name: "RangeError",
      message: 'Cannot start web terminal: "grace" must be an integer from 100 to 86400000, received 0',
    });
    assert.throws(() => resolveOptions({ target, replayBytes: 1.5 }), /"replayBytes" must be an integer/);
    assert.throws(() => resolveOptions({ target, origins: ["*"] }), /"origins" must hold origins/);
    assert.equal(resolveOptions({ target }).host, "127.0.0.1");
  });
});
