/** The local CA and its leaf certificates: files and modes, SAN, validity, key usage, chain. */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { chmod, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import {
  BACKDATE_MS,
  LEAF_VALIDITY_MS,
  LeafCertificates,
  loadCa,
  loadOrCreateCa,
  mintLeaf,
  REMINT_BEFORE_MS,
  type LocalCa,
} from "../../cli/mitm/certificates.ts";

const HOUR = 3600_000;

describe("the local CA", () => {
  let home: string;
  let dir: string;
  let ca: LocalCa;

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "edgevault-ca-test-"));
    dir = path.join(home, "edgevault", "ca");
    ca = await loadOrCreateCa(dir);
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("is created on first use: directory 0700, ca.pem 0644, ca-key.pem 0600, nothing else left behind", async () => {
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(ca.certPath)).mode & 0o777, 0o644);
    assert.equal((await stat(ca.keyPath)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(dir)).sort(), ["ca-key.pem", "ca.pem"]);
    assert.deepEqual(await readdir(path.dirname(dir)), ["ca"]);
  });

  it("is an ECDSA P-256 root: CA:true critical, keyCertSign|cRLSign, self-signed, about 10 years", async () => {
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.ok(cert.verify(cert.publicKey), "self-signed");
    const parsed = new x509.X509Certificate(ca.certPem);
    const basic = parsed.getExtension(x509.BasicConstraintsExtension);
    assert.equal(basic?.ca, true);
    assert.equal(basic?.critical, true);
    const usage = parsed.getExtension(x509.KeyUsagesExtension);
    assert.equal(usage?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    assert.equal(usage?.critical, true);
    const years = (parsed.notAfter.getTime() - parsed.notBefore.getTime()) / (365 * 24 * HOUR);
    assert.ok(years > 9.99 && years < 10.01, `validity ${years} years`);
  });

  it("is loaded, not regenerated, on the next use; two concurrent first uses agree on one CA", async () => {
    const again = await loadOrCreateCa(dir);
    assert.equal(again.certPem, ca.certPem);
    const fresh = path.join(home, "race", "ca");
    const [a, b] = await Promise.all([loadOrCreateCa(fresh), loadOrCreateCa(fresh)]);
    assert.equal(a.certPem, b.certPem);
    assert.deepEqual((await readdir(path.dirname(fresh))).sort(), ["ca"]);
  });

  it("refuses a key file that group or others can read, and says how to fix it", async () => {
    await chmod(ca.keyPath, 0o644);
    try {
      await assert.rejects(loadCa(dir), (error: Error) => {
        assert.match(error.message, /can be read by other users \(mode 0644\)/);
        assert.ok(error.message.includes(`chmod 600 ${ca.keyPath}`));
        return true;
      });
      await chmod(ca.keyPath, 0o640);
      await assert.rejects(loadOrCreateCa(dir), /mode 0640/);
    } finally {
      await chmod(ca.keyPath, 0o600);
    }
    assert.equal((await loadCa(dir))?.certPem, ca.certPem);
  });

  describe("leaf certificates", () => {
    it("carry the host as a DNS SAN, EKU serverAuth, digitalSignature, CA:false, and chain to the CA", async () => {
      const now = Date.now();
      const leaf = await mintLeaf(ca, "api.example.com", now);
      const cert = new X509Certificate(leaf.certPem);
      assert.equal(cert.subjectAltName, "DNS:api.example.com");
      assert.equal(cert.checkHost("api.example.com"), "api.example.com");
      assert.equal(cert.checkHost("other.example.com"), undefined);
      assert.equal(cert.ca, false);
      assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"]); // node reports the EKU here
      assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
      assert.ok(cert.checkIssued(new X509Certificate(ca.certPem)));
      assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey), "signed by the CA key");

      const parsed = new x509.X509Certificate(leaf.certPem);
      assert.equal(parsed.getExtension(x509.BasicConstraintsExtension)?.ca, false);
      assert.equal(parsed.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
      assert.deepEqual([...(parsed.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], [x509.ExtendedKeyUsage.serverAuth]);
      const chain = await new x509.X509ChainBuilder({ certificates: [new x509.X509Certificate(ca.certPem)] }).build(parsed);
      assert.equal(chain.length, 2);
      assert.equal(chain[1]?.subject, new x509.X509Certificate(ca.certPem).subject);
    });

    it("are valid for 24 hours from a few minutes ago", async () => {
      const now = Date.parse("2026-05-15T09:00:00Z");
      const leaf = await mintLeaf(ca, "api.example.com", now);
      const cert = new X509Certificate(leaf.certPem);
      assert.equal(new Date(cert.validFrom).getTime(), now - BACKDATE_MS);
      assert.equal(new Date(cert.validTo).getTime(), now + LEAF_VALIDITY_MS);
      assert.equal(LEAF_VALIDITY_MS, 24 * HOUR);
      assert.ok(BACKDATE_MS > 0 && BACKDATE_MS <= 10 * 60_000);
    });

    it("use an IP SAN for an IP address", async () => {
      assert.equal(new X509Certificate((await mintLeaf(ca, "127.0.0.2")).certPem).subjectAltName, "IP Address:127.0.0.2");
      assert.equal(new X509Certificate((await mintLeaf(ca, "::1")).certPem).subjectAltName, "IP Address:0:0:0:0:0:0:0:1");
      assert.equal(new X509Certificate((await mintLeaf(ca, "2001:db8::1:2")).certPem).subjectAltName, "IP Address:2001:DB8:0:0:0:0:1:2");
      assert.equal(new X509Certificate((await mintLeaf(ca, "::ffff:10.0.0.1")).certPem).subjectAltName, "IP Address:0:0:0:0:0:FFFF:A00:1");
    });

    it("are cached per host, shared by concurrent requests, and re-minted when less than an hour remains", async () => {
      let now = Date.now();
      const leaves = new LeafCertificates(ca, { now: () => now });
      const [a, b] = await Promise.all([leaves.get("api.example.com"), leaves.get("API.example.com")]);
      assert.equal(a, b);
      assert.equal(await leaves.get("api.example.com"), a);
      now += LEAF_VALIDITY_MS - REMINT_BEFORE_MS - 60_000; // 61 minutes left: still good
      assert.equal(await leaves.get("api.example.com"), a);
      now += 2 * 60_000; // 59 minutes left: replaced
      const [renewed, alsoRenewed] = await Promise.all([leaves.get("api.example.com"), leaves.get("api.example.com")]);
      assert.equal(renewed, alsoRenewed); // concurrent handshakes re-mint once
      assert.notEqual(renewed, a);
      const [c, d] = await Promise.all([leaves.get("api.example.com"), leaves.get("api.example.com")]);
      assert.equal(c, renewed);
      assert.equal(d, renewed);
      assert.ok(renewed.notAfter.getTime() > a.notAfter.getTime());
    });

    it("of one process share one key pair (as mitmproxy's do), each certificate its own host, signed by the CA", async () => {
      const leaves = new LeafCertificates(ca);
      const [a, b] = await Promise.all([leaves.get("a.example.com"), leaves.get("b.example.com")]);
      assert.equal(a.keyPem, b.keyPem);
      const [certA, certB] = [new X509Certificate(a.certPem), new X509Certificate(b.certPem)];
      assert.equal(certA.subjectAltName, "DNS:a.example.com");
      assert.equal(certB.subjectAltName, "DNS:b.example.com");
      assert.notEqual(certA.serialNumber, certB.serialNumber);
      const caCert = new X509Certificate(ca.certPem);
      assert.ok(certA.verify(caCert.publicKey) && certB.verify(caCert.publicKey));
      assert.ok(certA.checkPrivateKey(createPrivateKey(a.keyPem)));
      // Another process (another LeafCertificates) has its own.
      assert.notEqual((await new LeafCertificates(ca).get("a.example.com")).keyPem, a.keyPem);
    });

    it("are kept in an LRU: the least recently used host is dropped first", async () => {
      const leaves = new LeafCertificates(ca, { cacheSize: 2 });
      const a = await leaves.get("a.example.com");
      await leaves.get("b.example.com");
      assert.equal(await leaves.get("a.example.com"), a); // a is now the most recent
      await leaves.get("c.example.com"); // evicts b
      assert.equal(leaves.size, 2);
      assert.equal(await leaves.get("a.example.com"), a);
      const b2 = await leaves.get("b.example.com");
      assert.equal(b2.host, "b.example.com");
    });
  });
});
