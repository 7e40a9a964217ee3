/**
 * What each release's `sshd -T` prints for a keyword nobody set (measured with an empty sshd_config on Debian's
 * build of that release; Port, ListenAddress and HostKey are computed instead).
 *
 * @module
 */
import type { OpenSshVersion } from "../openssh_version.ts";

const COMMON: Readonly<Record<string, string>> = {
  addressfamily: "any",
  allowagentforwarding: "yes",
  allowstreamlocalforwarding: "yes",
  allowtcpforwarding: "yes",
  authenticationmethods: "any",
  authorizedkeyscommand: "none",
  authorizedkeyscommanduser: "none",
  authorizedkeysfile: ".ssh/authorized_keys .ssh/authorized_keys2",
  authorizedprincipalscommand: "none",
  authorizedprincipalscommanduser: "none",
  authorizedprincipalsfile: "none",
  banner: "none",
  chrootdirectory: "none",
  clientalivecountmax: "3",
  clientaliveinterval: "0",
  compression: "yes",
  disableforwarding: "no",
  exposeauthinfo: "no",
  fingerprinthash: "SHA256",
  forcecommand: "none",
  gatewayports: "no",
  hostbasedauthentication: "no",
  hostbasedusesnamefrompacketonly: "no",
  hostkeyagent: "none",
  ignorerhosts: "yes",
  ignoreuserknownhosts: "no",
  kbdinteractiveauthentication: "yes",
  logingracetime: "120",
  loglevel: "INFO",
  macs: "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
  maxauthtries: "6",
  maxsessions: "10",
  maxstartups: "10:30:100",
  modulifile: "/etc/ssh/moduli",
  passwordauthentication: "yes",
  permitemptypasswords: "no",
  permitlisten: "any",
  permitopen: "any",
  permittty: "yes",
  permittunnel: "no",
  permituserenvironment: "no",
  permituserrc: "yes",
  persourcemaxstartups: "none",
  persourcenetblocksize: "32:128",
  pidfile: "/run/sshd.pid",
  printlastlog: "yes",
  printmotd: "yes",
  pubkeyauthentication: "yes",
  rekeylimit: "0 0",
  requiredrsasize: "1024",
  securitykeyprovider: "internal",
  streamlocalbindmask: "0177",
  streamlocalbindunlink: "no",
  strictmodes: "yes",
  syslogfacility: "AUTH",
  trustedusercakeys: "none",
  unusedconnectiontimeout: "none",
  usedns: "no",
  usepam: "no",
  versionaddendum: "none",
  x11displayoffset: "10",
  x11forwarding: "no",
  x11uselocalhost: "yes",
  xauthlocation: "/usr/bin/xauth",
};

/** The printed default of each keyword, per release (keys in lower case). */
export const SSHD_DEFAULTS: Readonly<Record<OpenSshVersion, Readonly<Record<string, string>>>> = {
  "9.2": {
    ...COMMON,
    casignaturealgorithms:
      "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    ciphers:
      "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
    gssapiauthentication: "no",
    gssapicleanupcredentials: "yes",
    gssapikexalgorithms:
      "gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,gss-group14-sha1-,gss-gex-sha1-",
    gssapikeyexchange: "no",
    gssapistorecredentialsonrekey: "no",
    gssapistrictacceptorcheck: "yes",
    hostbasedacceptedalgorithms:
      "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    hostkeyalgorithms:
      "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    ipqos: "lowdelay throughput",
    kerberosauthentication: "no",
    kerberosorlocalpasswd: "yes",
    kerberosticketcleanup: "yes",
    kexalgorithms:
      "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
    permitrootlogin: "without-password",
    pubkeyacceptedalgorithms:
      "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    pubkeyauthoptions: "none",
    revokedkeys: "none",
    tcpkeepalive: "yes",
  },
  "10.0": {
    ...COMMON,
    casignaturealgorithms:
      "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    channeltimeout: "none",
    ciphers:
      "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr",
    debianbanner: "yes",
    gssapiauthentication: "no",
    gssapicleanupcredentials: "yes",
    gssapikexalgorithms:
      "gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,gss-group14-sha1-,gss-gex-sha1-",
    gssapikeyexchange: "no",
    gssapistorecredentialsonrekey: "no",
    gssapistrictacceptorcheck: "yes",
    hostbasedacceptedalgorithms:
      "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    hostkeyalgorithms:
      "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    ipqos: "ef cs1",
    kerberosauthentication: "no",
    kerberosorlocalpasswd: "yes",
    kerberosticketcleanup: "yes",
    kexalgorithms:
      "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521",
    pamservicename: "sshd",
    permitrootlogin: "without-password",
    persourcepenalties:
      "crash:90 authfail:5 noauth:1 grace-exceeded:10 refuseconnection:10 max:600 min:15 max-sources4:65536 max-sources6:65536 overflow:permissive overflow6:permissive",
    persourcepenaltyexemptlist: "none",
    pubkeyacceptedalgorithms:
      "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    pubkeyauthoptions: "none",
    refuseconnection: "no",
    revokedkeys: "none",
    sshdauthpath: "/usr/lib/openssh/sshd-auth",
    sshdsessionpath: "/usr/lib/openssh/sshd-session",
    tcpkeepalive: "yes",
  },
  "10.6": {
    ...COMMON,
    agentsocketpath: "user:.ssh/agent",
    casignaturealgorithms:
      "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    channeltimeout: "none",
    ciphers:
      "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr",
    debianbanner: "yes",
    hostbasedacceptedalgorithms:
      "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-mldsa44-ed25519-cert,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256,ssh-mldsa44-ed25519",
    hostkeyalgorithms:
      "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-mldsa44-ed25519-cert,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256,ssh-mldsa44-ed25519",
    ipqos: "ef cs0",
    kexalgorithms:
      "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521",
    pamservicename: "sshd",
    permitrootlogin: "prohibit-password",
    persourcepenalties:
      "crash:90.000000 authfail:5.000000 noauth:1.000000 invaliduser:5.000000 grace-exceeded:10.000000 refuseconnection:10.000000 max:600.000000 min:15.000000 max-sources4:65536 max-sources6:65536 overflow:permissive overflow6:permissive",
    persourcepenaltyexemptlist: "none",
    pubkeyacceptedalgorithms:
      "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-mldsa44-ed25519-cert,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256,ssh-mldsa44-ed25519",
    pubkeyauthoptions: "none max-pk-ok:6",
    refuseconnection: "no",
    sshdauthpath: "/usr/lib/openssh/sshd-auth",
    sshdsessionpath: "/usr/lib/openssh/sshd-session",
    tcpkeepalive: "true",
    warnweakcrypto: "true",
  },
};
