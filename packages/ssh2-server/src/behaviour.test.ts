/** The shared behaviour suite (`@tsalive/ssh2-layer`'s `describeAdapter`) against the server adapter. */
import { EventEmitter } from "node:events";
import { Socket } from "node:net";
import { TestClock } from "@tsalive/core/testing";
import { describeAdapter, type FakeConnection, fakeProtocol } from "@tsalive/ssh2-layer/testing";
import type { Connection } from "ssh2";
import type { MessageHandlers } from "./_ssh2_internals.ts";
import { attachConnection } from "./attach_connection.ts";

const noop = (): void => {};
const connections = new WeakMap<FakeConnection, Connection>();
const channelsOf = new WeakMap<object, Connection>();

describeAdapter(
  "ssh2-server",
  {
    connection() {
      const protocol = Object.assign(
        fakeProtocol({
          CHANNEL_SUCCESS: noop,
          CHANNEL_FAILURE: noop,
          CHANNEL_REQUEST: noop,
          CHANNEL_OPEN: noop,
          CHANNEL_OPEN_CONFIRMATION: noop,
          CHANNEL_CLOSE: noop,
          CHANNEL_DATA: noop,
          CHANNEL_EXTENDED_DATA: noop,
          USERAUTH_REQUEST: noop,
        }),
        { channelClose: noop, channelOpenConfirm: noop, channelData: noop, channelExtData: noop },
      );
      const socket = new Socket();
      // ssh2's server reads the socket into its protocol (server.js:1214).
      socket.on("data", (chunk: Buffer) => protocol.parse(chunk, 0, chunk.length));
      const channels: Record<number, unknown> = {};
      // An authenticated ssh2 server Connection as far as the adapter reads it (server.js:398-404).
      const connection = Object.assign(new EventEmitter(), {
        _protocol: protocol,
        _sock: socket,
        _chanMgr: { get: (id: number) => channels[id], _channels: channels },
        authenticated: true,
      }) as unknown as Connection;
      const fake = { protocol, socket };
      connections.set(fake, connection);
      channelsOf.set(protocol, connection);
      return fake;
    },
    attach(fake, time, probe) {
      const liveness = attachConnection(connections.get(fake) as Connection, { probe, time, tcpKeepAlive: false });
      const timeouts: string[] = [];
      liveness.on("timeout", (error) => timeouts.push(error.code));
      const handlers = fake.protocol._handlers as { REQUEST_SUCCESS?: (p: unknown, data: null) => void };
      return {
        ...fake,
        timeouts,
        replyToGlobal: () => handlers.REQUEST_SUCCESS?.(fake.protocol, null),
        // ssh2's server sends no want-reply global request of its own: its keepalive's ping is swallowed.
        ownGlobalRequest: () => undefined,
        detach: () => liveness.detach(),
      };
    },
    watchdog(fake, time, timeout) {
      const liveness = attachConnection(connections.get(fake) as Connection, {
        watchdog: { timeout },
        time,
        tcpKeepAlive: false,
      });
      const order: string[] = [];
      liveness.on("timeout", () => order.push("timeout"));
      liveness.on("watchdog", () => order.push(fake.socket.destroyed ? "watchdog after destroy" : "watchdog"));
      const destroy = fake.socket.destroy.bind(fake.socket);
      fake.socket.destroy = (error?: Error) => {
        order.push("destroyed");
        return destroy(error);
      };
      return { order, detach: () => liveness.detach() };
    },
    // server.js:829-1013: ssh2's accept/reject are inert once a session has started, and after the client's EOF.
    silentStates: ["started", "ending"],
    requestIn(attached, state) {
      const connection = channelsOf.get(attached.protocol) as unknown as {
        _chanMgr: { _channels: Record<number, unknown> };
      };
      const local = state === "started" ? 3 : 4;
      const session = {
        _chanInfo: { incoming: { id: local, state: "open" }, outgoing: { id: 40 + local, state: "open" } },
        ...(state === "started" ? { _channel: {} } : { _ending: true }),
      };
      connection._chanMgr._channels[local] = session;
      const handlers = attached.protocol._handlers as {
        CHANNEL_REQUEST: NonNullable<MessageHandlers["CHANNEL_REQUEST"]>;
      };
      handlers.CHANNEL_REQUEST(attached.protocol as never, local, "keepalive@openssh.com", true, undefined);
      return 40 + local;
    },
  },
  () => new TestClock(),
);
