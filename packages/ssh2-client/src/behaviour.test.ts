/** The shared behaviour suite (`@tsalive/ssh2-layer`'s `describeAdapter`) against the client adapter. */
import { Socket } from "node:net";
import { TestClock } from "@tsalive/core/testing";
import { describeAdapter, type FakeConnection, fakeProtocol } from "@tsalive/ssh2-layer/testing";
import { Client } from "ssh2";
import type { GlobalReplyCallback, MessageHandlers, Ssh2ClientInternals } from "./_ssh2_internals.ts";
import { attach } from "./attach.ts";

const noop = (): void => {};
const clients = new WeakMap<FakeConnection, Client & Ssh2ClientInternals>();
const channelsOf = new WeakMap<object, Map<number, unknown>>();
type Handlers = { [K in keyof MessageHandlers]-?: NonNullable<MessageHandlers[K]> };

describeAdapter(
  "ssh2-client",
  {
    connection() {
      const protocol = Object.assign(
        fakeProtocol({
          USERAUTH_SUCCESS: noop,
          CHANNEL_REQUEST: noop,
          CHANNEL_OPEN_CONFIRMATION: noop,
          CHANNEL_OPEN_FAILURE: noop,
          CHANNEL_CLOSE: noop,
        }),
        { _onHeader: noop, _authenticated: true },
      );
      const socket = new Socket();
      // ssh2's client reads the socket into its protocol once connected (client.js:771-773).
      socket.on("data", (chunk: Buffer) => protocol.parse(chunk, 0, chunk.length));
      // A real Client, its connection replaced by the fake one (as `connect()` would have set them).
      const client = new Client() as Client & Ssh2ClientInternals;
      const channels = new Map<number, unknown>();
      Object.assign(client, {
        _protocol: protocol,
        _sock: socket,
        _callbacks: [],
        _chanMgr: { get: (id: number) => channels.get(id) },
      });
      const connection = { protocol, socket };
      clients.set(connection, client);
      channelsOf.set(protocol, channels);
      return connection;
    },
    attach(connection, time, probe) {
      const client = clients.get(connection) as Client & Ssh2ClientInternals;
      const liveness = attach(client, { probe, time, tcpKeepAlive: false, emitError: false });
      const timeouts: string[] = [];
      liveness.on("timeout", (error) => timeouts.push(error.code));
      return {
        ...connection,
        timeouts,
        // ssh2's REQUEST_SUCCESS handler shifts the head of `_callbacks` (client.js:501-508).
        replyToGlobal: () => (client._callbacks?.shift() as GlobalReplyCallback | undefined)?.(false),
        ownGlobalRequest() {
          let answered = false;
          client._callbacks?.push(() => {
            answered = true;
          });
          return () => answered;
        },
        detach: () => liveness.detach(),
      };
    },
    // client.js:655-681: ssh2 stays silent on a channel still opening and after exit-status / exit-signal.
    silentStates: ["opening", "exited"],
    requestIn(attached, state) {
      const channels = channelsOf.get(attached.protocol) as Map<number, unknown>;
      const handlers = attached.protocol._handlers as unknown as Handlers;
      if (state === "opening") {
        channels.set(5, noop); // a pending open: its callback
        handlers.CHANNEL_REQUEST(attached.protocol as never, 5, "keepalive@openssh.com", true, undefined);
        channels.set(5, { outgoing: { id: 42, state: "open" }, _exit: {} });
        handlers.CHANNEL_OPEN_CONFIRMATION(attached.protocol as never, { recipient: 5, sender: 42 });
        return 42;
      }
      channels.set(6, { outgoing: { id: 43, state: "open" }, _exit: { code: 0 } });
      handlers.CHANNEL_REQUEST(attached.protocol as never, 6, "keepalive@openssh.com", true, undefined);
      return 43;
    },
  },
  () => new TestClock(),
);
