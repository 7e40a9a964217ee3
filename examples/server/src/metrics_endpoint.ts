import { createServer } from "node:http";
import type { Meter } from "@opentelemetry/api";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { MetricsAddress } from "./argv.ts";

/** A running Prometheus endpoint and the meter whose instruments it exposes. */
export interface MetricsEndpoint {
  readonly meter: Meter;
  /** The address bound (the real port when 0 was asked for). */
  readonly address: MetricsAddress;
  close(): Promise<void>;
}

/**
 * Serves the OpenTelemetry SDK's metrics in Prometheus's text format at `http://ADDR:PORT/metrics`. OTel's own
 * Prometheus exporter, not prom-client: the instruments are OpenTelemetry ones (`@tsalive/metrics`), and the
 * exporter is a reader of the same SDK, so the names, units and histogram buckets are exactly those an OTLP
 * collector would receive. Its request handler runs on our own HTTP server so that port 0 works and the bound
 * port can be logged.
 */
export async function startMetricsEndpoint(address: MetricsAddress): Promise<MetricsEndpoint> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const http = createServer((request, response) => {
    if (request.method === "GET" && request.url?.split("?")[0] === "/metrics") {
      exporter.getMetricsRequestHandler(request, response);
      return;
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen({ host: address.host, port: address.port }, () => {
      http.removeListener("error", reject);
      resolve();
    });
  });
  const bound = http.address() as { port: number };
  return {
    meter: provider.getMeter("@tsalive/metrics"),
    address: { host: address.host, port: bound.port },
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await provider.shutdown();
    },
  };
}
