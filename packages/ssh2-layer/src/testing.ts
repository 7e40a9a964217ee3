/**
 * For the adapters' tests only: the fake ssh2 Protocol and the one behaviour suite they both run.
 *
 * @module
 */

export {
  type Advance,
  type Attached,
  describeAdapter,
  type FakeConnection,
  type Harness,
} from "./_behaviour.ts";
export { type FakeProtocol, fakeProtocol } from "./_fake_protocol.ts";
