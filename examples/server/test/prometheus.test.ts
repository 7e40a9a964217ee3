/**
 * Integration (a real Prometheus and real OpenSSH clients, on loopback): Prometheus scrapes `tsalive-sshd
 * --metrics` every second while two `ssh` clients are logged in and one is frozen with SIGSTOP, so ClientAlive
 * ends it. Everything is checked through Prometheus's own query API: the connection count, the death counted with
 * close_reason="liveness_timeout", the probes it left unanswered, and the RTT samples of the live client.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import {
  freePort,
  freeze,
  makeTempDir,
  type Spawned,
  skipUnlessPeers,
  spawnProcess,
  startSshClient,
  stopAll,
  waitUntil,
} from "@tsalive/test-support";
import { startTsaliveSshd } from "./_server.ts";

after(stopAll);
const user = process.env.USER ?? "root";
const PROMETHEUS = "/usr/bin/prometheus";
// Under CI=true a missing Prometheus fails the test (scripts/ensure-peers.sh installs it) rather than skipping it.
const skipPrometheus = existsSync(PROMETHEUS) || process.env.CI === "true" ? false : `${PROMETHEUS} is missing`;

/** One instant query through Prometheus's HTTP API: the sample values by their labels. */
async function query(port: number, promql: string): Promise<number[]> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(2000),
  });
  const body = (await response.json()) as { status: string; data?: { result: { value: [number, string] }[] } };
  assert.equal(body.status, "success", JSON.stringify(body));
  return (body.data?.result ?? []).map((sample) => Number(sample.value[1]));
}

/** Waits until the query returns exactly one sample that satisfies `ok`; returns it. */
async function until(port: number, promql: string, ok: (value: number) => boolean, timeout: number) {
  let last: number[] = [];
  await waitUntil(
    async () => {
      last = await query(port, promql);
      return last.length === 1 && ok(last[0] as number);
    },
    { timeout, interval: 250, what: `Prometheus: ${promql} (last ${JSON.stringify(last)})` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last result ${JSON.stringify(last)}`);
  });
  return last[0] as number;
}

describe("tsalive-sshd --metrics, scraped by a real Prometheus", {
  skip: skipUnlessPeers("ssh") || skipPrometheus,
}, () => {
  it("counts the logged-in clients, the frozen one's death by liveness_timeout, and the live one's RTT", async () => {
    const server = await startTsaliveSshd(["ClientAliveInterval 1", "ClientAliveCountMax 2"], [], ["--metrics", "0"]);
    const dir = makeTempDir("tsalive-prometheus-");
    let prometheus: Spawned | undefined;
    const clients: Spawned[] = [];
    try {
      const metricsPort = Number((await server.waitForLog(/Metrics on http:\/\/127\.0\.0\.1:([0-9]+)\/metrics\./))[1]);
      const port = await freePort();
      writeFileSync(
        dir.join("prometheus.yml"),
        [
          "global:",
          "  scrape_interval: 1s",
          "  scrape_timeout: 900ms",
          "scrape_configs:",
          "  - job_name: tsalive-sshd",
          "    static_configs:",
          `      - targets: ["127.0.0.1:${metricsPort}"]`,
          "",
        ].join("\n"),
      );
      // A throwaway instance, never the system service: its own config, storage and loopback port.
      prometheus = spawnProcess(PROMETHEUS, [
        `--config.file=${dir.join("prometheus.yml")}`,
        `--storage.tsdb.path=${dir.join("data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--storage.tsdb.retention.time=1h",
      ]);
      await prometheus.waitForOutput(/Server is ready to receive web requests/, 20_000);
      await until(port, 'up{job="tsalive-sshd"}', (value) => value === 1, 15_000);

      for (let i = 0; i < 2; i++) {
        clients.push(
          startSshClient({ port: server.port, user, identity: server.clientKey.privatePath, command: "sleep 600" }),
        );
      }
      await until(port, "ssh_server_active_connections", (value) => value === 2, 20_000);
      // The frozen client answers nothing: ClientAlive gives up after (2 + 1) · 1 s.
      freeze([(clients[0] as Spawned).pid]);
      await server.waitForLog(/Timeout, client not responding from user \S+ 127\.0\.0\.1 port [0-9]+/, 10_000);
      await until(port, "ssh_server_active_connections", (value) => value === 1, 10_000);
      await until(
        port,
        'ssh_server_connection_duration_count{close_reason="liveness_timeout"}',
        (value) => value === 1,
        10_000,
      );
      // ClientAliveCountMax 2: probes at 1 s and 2 s, death at 3 s. Probe 1 counts as unanswered when probe 2 went
      // out, probe 2 when the connection died with it outstanding; the live client left none.
      await until(port, "ssh_server_probes_unanswered_total", (value) => value === 2, 10_000);
      // The live client answers every probe: at least one RTT sample, each well under a second on loopback.
      await until(port, "ssh_server_probe_rtt_count", (value) => value >= 1, 10_000);
      const [under] = await query(port, 'ssh_server_probe_rtt_bucket{le="1"}');
      const [count] = await query(port, "ssh_server_probe_rtt_count");
      assert.equal(under, count);
      const sent = await query(port, "ssh_server_probes_sent_total");
      assert.ok((sent[0] ?? 0) >= 4, `probes sent ${JSON.stringify(sent)}`);
    } finally {
      for (const client of clients) await client.stop();
      await prometheus?.stop();
      await server.stop();
      dir.remove();
    }
  });
});
