import type { ConnectionState } from "./_state.ts";
import { formatPeer } from "./errors.ts";
import {
  type ConnectionInfo,
  type ResolvedServerOptions,
  resolveServerOptions,
  type ServerOptions,
  type ServerOptionsInput,
} from "./options.ts";

/**
 * Why one connection was refused, as the server handle's `refuse` event reports it: its per-connection options
 * function threw (`reason: "threw"`), or returned options that are not valid (`"invalid"`, with the `RangeError`).
 * `phase` says when the function was asked: at the TCP accept, or once the client authenticated.
 */
export interface Refusal {
  readonly info: ConnectionInfo;
  readonly phase: "accept" | "authenticated";
  readonly reason: "threw" | "invalid";
  /** What the function threw, or the `RangeError` its answer gave. */
  readonly error: unknown;
}

/** Thrown by {@linkcode resolveFor}; the connection turns it into a {@linkcode Refusal}. */
export class OptionsRefused {
  readonly reason: Refusal["reason"];
  readonly error: unknown;
  constructor(reason: Refusal["reason"], error: unknown) {
    this.reason = reason;
    this.error = error;
  }
}

/** The options of one connection: the static ones, or the function's answer for `info()` (made only then), checked. */
export function resolveFor(input: ServerOptionsInput, info: () => ConnectionInfo): ResolvedServerOptions {
  if (typeof input !== "function") return resolveServerOptions(input);
  let options: ServerOptions;
  try {
    options = input(info());
  } catch (error) {
    throw new OptionsRefused("threw", error);
  }
  try {
    return resolveServerOptions(options);
  } catch (error) {
    throw new OptionsRefused("invalid", error);
  }
}

/**
 * The log line of a refusal, naming the client as sshd does: `tsalive: refusing connection from user root
 * 127.0.0.1 port 52146 after authentication: the options function threw: Error: no such group`.
 */
export function describeRefusal({ info, phase, reason, error }: Refusal): string {
  const when = phase === "accept" ? "at accept" : "after authentication";
  const why = reason === "threw" ? "the options function threw" : "the options function returned invalid options";
  return `tsalive: refusing connection from ${formatPeer(info)} ${when}: ${why}: ${String(error)}`;
}

/** The fallback when nobody listens for `refuse`: the server says why, and keeps serving. */
export function logRefusal(refusal: Refusal): void {
  console.warn(describeRefusal(refusal));
}

/** An options function failed for a connection that just authenticated: it goes, the server serves on. */
export function refuseAuthenticated(state: ConnectionState, error: OptionsRefused): void {
  const refusal: Refusal = { info: state.info(), phase: "authenticated", reason: error.reason, error: error.error };
  if (state.owner === undefined) logRefusal(refusal);
  else state.owner.refused(refusal);
  state.socket.destroy();
}
