/**
 * Integration (a real OpenSSH sshd on loopback): `instrumentClient` on an @tsalive/ssh2-client handle records
 * probes, their RTT and the connection's duration by close.reason from real traffic: `local_close` for a
 * connection the application ended after `closing()`, `liveness_timeout` for one whose sshd was frozen.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { attach } from "@tsalive/ssh2-client";
import { freeze, skipUnlessPeers, startSshd, stopAll, thaw, waitUntil } from "@tsalive/test-support";
import ssh2 from "ssh2";
import { instrumentClient } from "../src/index.ts";

after(stopAll);

const INTERVAL = 300;

describe("instrumentClient against a real sshd", { skip: skipUnlessPeers("sshd") }, () => {
  it("counts probes and RTT, and ends connections with local_close and liveness_timeout", async () => {
    const sshd = await startSshd();
    const reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 2 ** 30,
    });
    const provider = new MeterProvider({ readers: [reader] });
    const client = new ssh2.Client();
    client.on("error", () => undefined);
    const liveness = attach(client, { probe: { interval: INTERVAL, countMax: 2 }, allowFastIntervals: true });
    const recording = instrumentClient(liveness, client, { meter: provider.getMeter("test") });
    const connect = async () => {
      const ready = new Promise<void>((resolve) => client.once("ready", () => resolve()));
      client.connect({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey: sshd.clientKey.privateKey });
      await ready;
    };
    const closed = () => new Promise<void>((resolve) => client.once("close", () => resolve()));
    const collect = async () => {
      const { resourceMetrics } = await reader.collect();
      const all = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
      return new Map(all.map((metric) => [metric.descriptor.name, metric]));
    };
    let frozen: number[] = [];
    try {
      await connect();
      // An idle session: ServerAlive probes it, and sshd answers each.
      await waitUntil(() => (liveness.stats().monitor?.replies ?? 0) >= 2, { timeout: 10_000, what: "2 replies" });
      let byName = await collect();
      assert.equal(byName.get("ssh.client.active_connections")?.dataPoints[0]?.value, 1);
      const rtt = byName.get("ssh.client.probe.rtt")?.dataPoints[0]?.value as { count: number; max: number };
      assert.ok(rtt.count >= 2, `rtt samples ${rtt.count}`);
      assert.ok(rtt.max > 0 && rtt.max < 1, `rtt max ${rtt.max} s`);
      recording.closing();
      const first = closed();
      client.end();
      await first;

      // The same Client again; this time its sshd freezes, and ServerAlive gives up after (2 + 1) · 300 ms.
      await connect();
      frozen = sshd.allPids();
      const second = closed();
      freeze(frozen);
      await second;
      byName = await collect();
      assert.equal(byName.get("ssh.client.active_connections")?.dataPoints[0]?.value, 0);
      const reasons = (byName.get("ssh.client.connection.duration")?.dataPoints ?? []).map(
        (point) => point.attributes["close.reason"],
      );
      assert.deepEqual(reasons.sort(), ["liveness_timeout", "local_close"]);
      const unanswered = byName.get("ssh.client.probes.unanswered")?.dataPoints[0]?.value;
      assert.equal(unanswered, 2, "probe 1 when probe 2 went out, probe 2 at the close");
    } finally {
      thaw(frozen);
      recording.stop();
      liveness.detach();
      client.end();
      await provider.shutdown();
      await sshd.stop();
    }
  });
});
