/**
 * The twin's certificates and credentials, made with openssl on first `up`: one CA, a serving certificate
 * for the API server and one for Kueue's webhooks (both for 127.0.0.1 only), the service-account signing
 * key, and an admin token. Nothing leaves the state folder.
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { TwinError } from "./components";

export interface TwinPki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly apiserverCert: string;
  readonly apiserverKey: string;
  /** Kueue reads `tls.crt` and `tls.key` from this folder (controller-runtime's webhook certDir). */
  readonly webhookCertDir: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPublicKey: string;
  readonly tokenFile: string;
  readonly adminToken: string;
}

function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error);
    throw new TwinError(`openssl ${args[0]} failed: ${stderr} (the twin needs openssl on PATH: apt-get install openssl)`);
  }
}

function servingCert(dir: string, name: string, cn: string): void {
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "30", "-extfile", `${name}.ext`], dir);
}

export function ensurePki(stateDir: string): TwinPki {
  const dir = path.join(stateDir, "pki");
  const webhookCertDir = path.join(dir, "kueue-webhook");
  const pki: TwinPki = {
    dir,
    caCert: path.join(dir, "ca.crt"),
    caKey: path.join(dir, "ca.key"),
    apiserverCert: path.join(dir, "apiserver.crt"),
    apiserverKey: path.join(dir, "apiserver.key"),
    webhookCertDir,
    serviceAccountKey: path.join(dir, "sa.key"),
    serviceAccountPublicKey: path.join(dir, "sa.pub"),
    tokenFile: path.join(dir, "tokens.csv"),
    adminToken: "",
  };
  if (!fs.existsSync(path.join(dir, ".complete"))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(webhookCertDir, { recursive: true, mode: 0o700 });
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=fastgpu-twin-ca"], dir);
    servingCert(dir, "apiserver", "kube-apiserver");
    servingCert(dir, "kueue-webhook", "kueue-webhook");
    fs.renameSync(path.join(dir, "kueue-webhook.crt"), path.join(webhookCertDir, "tls.crt"));
    fs.renameSync(path.join(dir, "kueue-webhook.key"), path.join(webhookCertDir, "tls.key"));
    openssl(["genrsa", "-out", "sa.key", "2048"], dir);
    openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
    // token,user,uid,"groups": the admin the twin's own components and tests use (system:masters).
    fs.writeFileSync(pki.tokenFile, `${crypto.randomBytes(24).toString("hex")},twin-admin,twin-admin,"system:masters"\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, ".complete"), "");
  }
  const adminToken = fs.readFileSync(pki.tokenFile, "utf8").split(",")[0];
  return { ...pki, adminToken };
}
