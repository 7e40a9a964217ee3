/**
 * Parse + resolve a generated 5,000-line ssh_config with 500 Host blocks, side by side in one run with the npm
 * `ssh-config` package's parse + compute (the parser behind VS Code Remote-SSH):
 *
 *   pnpm --filter @tsalive/config bench
 *
 * It runs the built package (dist/), as users get it, interleaves the two in rounds, and prints a Markdown table
 * with the median time per parse + resolve and the ratio. Both sides start from the text each time: neither keeps
 * a parsed document between iterations. Each side must find the same HostName, User and Port first (a check that
 * both resolve the same thing, not a claim that ssh-config is right in general: see the README for where it is not).
 */
import { parseConfig, resolveClientConfig, resolveServerConfig } from "@tsalive/config";
import SSHConfig from "ssh-config";

const BLOCKS = 500;
const LINES_PER_BLOCK = 10;

function generate(): string {
  let text = "";
  for (let i = 0; i < BLOCKS - 1; i++) {
    text += `Host web-${i} web-${i}.example.com\n`;
    text += `  HostName 10.${i >> 8}.${i & 255}.1\n`;
    text += `  User deploy${i % 7}\n`;
    text += `  Port ${2200 + (i % 50)}\n`;
    text += `  ServerAliveInterval ${15 + (i % 30)}\n`;
    text += `  ServerAliveCountMax ${1 + (i % 5)}\n`;
    text += `  IdentityFile ~/.ssh/id_web_${i}\n`;
    text += "  TCPKeepAlive no\n";
    text += `  # block ${i}\n`;
    text += "\n";
  }
  text += "Host *\n  ServerAliveInterval 60\n  ServerAliveCountMax 3\n  User nobody\n  Port 22\n";
  text += "  HostName %h.fallback.example\n  ConnectTimeout 10\n  TCPKeepAlive yes\n  # defaults\n\n";
  return text;
}

const text = generate();
const lineCount = text.split("\n").length - 1;
if (lineCount !== BLOCKS * LINES_PER_BLOCK) throw new Error(`generated ${lineCount} lines`);

function ours(host: string) {
  const { values } = resolveClientConfig({
    host,
    localUser: "me",
    home: "/home/me",
    configFile: { file: "/home/me/.ssh/config", text },
  });
  return { hostName: values.hostName, user: values.user, port: String(values.port) };
}

function theirs(host: string) {
  const computed = SSHConfig.parse(text).compute(host);
  const one = (key: string) => {
    const value = computed[key];
    return Array.isArray(value) ? value[0] : value;
  };
  return { hostName: one("HostName"), user: one("User"), port: one("Port") };
}

function parseOnlyOurs() {
  return parseConfig(text, { file: "/home/me/.ssh/config" });
}
function parseOnlyTheirs() {
  return SSHConfig.parse(text);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Median ms per call of each function, measured in interleaved rounds so both see the same machine state. */
function race(fns: readonly (() => unknown)[], rounds: number, perRound: number): number[] {
  for (const fn of fns) for (let i = 0; i < 5; i++) fn(); // warm up the JIT
  const samples: number[][] = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, index) => {
      const start = performance.now();
      for (let i = 0; i < perRound; i++) fn();
      (samples[index] as number[]).push((performance.now() - start) / perRound);
    });
  }
  return samples.map(median);
}

const scenarios = [
  { name: "first block (web-0)", host: "web-0" },
  { name: "middle block (web-250)", host: "web-250" },
  { name: "last named block (web-498)", host: "web-498" },
  { name: "no block but Host * (db-1)", host: "db-1" },
];

const rows: string[][] = [];
for (const { name, host } of scenarios) {
  const a = ours(host);
  const b = theirs(host);
  // ssh-config leaves %h unexpanded; ssh (and tsalive) put the host there.
  const theirHostName = String(b.hostName).replace("%h", host);
  if (a.hostName !== theirHostName || a.user !== b.user || a.port !== b.port) {
    throw new Error(`${host}: tsalive ${JSON.stringify(a)} vs ssh-config ${JSON.stringify(b)}`);
  }
  const [tsalive = 0, sshConfig = 0] = race([() => ours(host), () => theirs(host)], 15, 10);
  rows.push([`parse + resolve: ${name}`, tsalive.toFixed(2), sshConfig.toFixed(2), (sshConfig / tsalive).toFixed(2)]);
}
const [parseOurs = 0, parseTheirs = 0] = race([parseOnlyOurs, parseOnlyTheirs], 15, 10);
rows.push(["parse only", parseOurs.toFixed(2), parseTheirs.toFixed(2), (parseTheirs / parseOurs).toFixed(2)]);

// The server side has no npm counterpart to race: an sshd_config of the same size, 500 Match blocks, timed alone.
let sshdText = "";
for (let i = 0; i < BLOCKS; i++) {
  sshdText += `Match User deploy${i} Address 10.${i >> 8}.${i & 255}.0/24\n  ClientAliveInterval ${15 + (i % 30)}\n`;
  sshdText += `  ClientAliveCountMax ${1 + (i % 5)}\n  UnusedConnectionTimeout ${i}\n  ChannelTimeout session:*=${i}m\n`;
  sshdText += `  PasswordAuthentication no\n  AuthorizedKeysFile /keys/${i}\n  Banner /etc/banner${i}\n  # block ${i}\n\n`;
}
const server = () =>
  resolveServerConfig({
    config: { file: "/etc/ssh/sshd_config", text: sshdText },
    extensions: null,
    connection: { user: "deploy499", host: "h", address: "10.1.243.7" },
  });
if (server().values.clientAliveInterval !== 15 + (499 % 30)) throw new Error("sshd_config resolved wrong");
const [serverMs = 0] = race([server], 15, 10);

console.log(`${lineCount} lines, ${BLOCKS} Host blocks; median ms per call; Node ${process.version}\n`);
console.log("| scenario | @tsalive/config (ms) | ssh-config (ms) | ssh-config / tsalive |");
console.log("| --- | ---: | ---: | ---: |");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
console.log("\nA ratio above 1 means tsalive is faster; below 1, slower.");
console.log(
  `\nsshd_config, ${BLOCKS * LINES_PER_BLOCK} lines, ${BLOCKS} Match blocks, both passes: ${serverMs.toFixed(2)} ms`,
);
