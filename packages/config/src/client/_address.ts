/**
 * What `getaddrinfo(AI_NUMERICHOST)` then `getnameinfo(NI_NUMERICHOST)` make of a host name in glibc: the
 * canonical text of a numeric address (`15` → `0.0.0.15`, `::FFFF:1.2.3.4` → `::ffff:1.2.3.4`), or `undefined`
 * when it is not one. ssh canonicalises address host names this way before printing or connecting.
 */
export function numericHost(name: string, family: "any" | "inet" | "inet6"): string | undefined {
  if (family !== "inet6") {
    const v4 = parseIPv4(name);
    if (v4 !== undefined) return formatIPv4(v4);
  }
  if (family !== "inet") {
    const v6 = parseIPv6(name);
    if (v6 !== undefined) return formatIPv6(v6);
  }
  return undefined;
}

/** glibc inet_aton, exact: 1–4 parts, each decimal, 0-octal or 0x-hex; the last part fills the remaining bytes. */
function parseIPv4(s: string): number | undefined {
  const parts: number[] = [];
  let i = 0;
  for (;;) {
    const c = s[i];
    if (c === undefined || !/[0-9]/.test(c)) return undefined;
    let base = 10;
    let value = 0;
    if (c === "0") {
      i++;
      if (s[i] === "x" || s[i] === "X") {
        base = 16;
        i++;
        if (!/[0-9a-fA-F]/.test(s[i] ?? "")) return undefined;
      } else {
        base = 8;
      }
    }
    for (;;) {
      const d = s[i];
      if (d === undefined) break;
      if (/[0-9]/.test(d)) {
        if (base === 8 && (d === "8" || d === "9")) return undefined;
        value = value * base + Number(d);
      } else if (base === 16 && /[a-fA-F]/.test(d)) {
        value = value * 16 + Number.parseInt(d, 16);
      } else {
        break;
      }
      if (value > 0xffffffff) return undefined;
      i++;
    }
    if (s[i] === ".") {
      if (parts.length >= 3 || value > 0xff) return undefined;
      parts.push(value);
      i++;
      continue;
    }
    if (i !== s.length) return undefined;
    const max = [0xffffffff, 0xffffff, 0xffff, 0xff][parts.length] as number;
    if (value > max) return undefined;
    return parts.reduce((acc, part, index) => acc + part * 2 ** (24 - 8 * index), 0) + value;
  }
}

function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join(".");
}

/** inet_pton(AF_INET6): eight 16-bit words, `::` once, an optional dotted IPv4 tail. */
function parseIPv6(s: string): number[] | undefined {
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === "") return [];
    const words: number[] = [];
    const groups = part.split(":");
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g] as string;
      if (g === groups.length - 1 && group.includes(".")) {
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(group)) return undefined;
        const octets = group.split(".").map(Number);
        if (
          octets.some(
            (o, k) =>
              o > 255 ||
              ((group.split(".")[k] as string).length > 1 && (group.split(".")[k] as string).startsWith("0")),
          )
        ) {
          return undefined;
        }
        words.push(
          ((octets[0] as number) << 8) | (octets[1] as number),
          ((octets[2] as number) << 8) | (octets[3] as number),
        );
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
        words.push(Number.parseInt(group, 16));
      }
    }
    return words;
  };
  const head = parse(halves[0] as string);
  const tail = halves.length === 2 ? parse(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  if (head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** glibc inet_ntop6: the longest run of two or more zero words becomes `::`; IPv4-mapped/compatible tails dotted. */
function formatIPv6(words: number[]): string {
  let best = { base: -1, len: 0 };
  let current = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (current.base === -1) current = { base: i, len: 1 };
      else current.len++;
      if (current.len > best.len) best = { ...current };
    } else {
      current = { base: -1, len: 0 };
    }
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      const w6 = words[6] as number;
      const w7 = words[7] as number;
      out += `${w6 >> 8}.${w6 & 0xff}.${w7 >> 8}.${w7 & 0xff}`;
      break;
    }
    out += (words[i] as number).toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ":";
  return out;
}
