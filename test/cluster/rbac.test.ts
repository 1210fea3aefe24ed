/**
 * A tenant admin's rights on the twin's real API server (RBAC and our admission policies), impersonating
 * exactly what the EKS access entry maps the admin to: a user in the tenant-admin group.
 */
import { defaultConfig, kubectl, tenantAdmin, yamlOf } from "./twin-client";

const { config } = defaultConfig();
const [tenant, other] = config.fleet.tenants.map((entry) => entry.name);
const admin = tenantAdmin(tenant);

function can(verb: string, resource: string, namespace: string): boolean {
  const result = kubectl(["auth", "can-i", verb, resource, "-n", namespace], undefined, admin);
  return result.stdout.trim() === "yes";
}

describe(`the ${tenant} admins on the twin (access entry group, real RBAC and admission)`, () => {
  it("can create Jobs and read its Workloads and LocalQueue in its own namespace", () => {
    expect(can("create", "jobs.batch", tenant)).toBe(true);
    expect(can("list", "workloads.kueue.x-k8s.io", tenant)).toBe(true);
    expect(can("get", "localqueues.kueue.x-k8s.io", tenant)).toBe(true);
  });

  it.each([
    ["delete", ["delete", "networkpolicy", "default-deny"]],
    ["change", ["label", "networkpolicy", "default-deny", "tampered=yes"]],
  ])("cannot %s its default-deny NetworkPolicy", (_what, args) => {
    const result = kubectl([...args, "-n", tenant, "--dry-run=server"], undefined, admin);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/forbidden|denied/i);
  });

  it("cannot add an allow-all NetworkPolicy", () => {
    const allowAll = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-all", namespace: tenant },
      spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{}] },
    };
    const result = kubectl(["create", "--dry-run=server", "-f", "-"], yamlOf([allowAll]), admin);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/forbidden|denied/i);
  });

  it.each([
    ["resourcequotas", "delete"],
    ["resourcequotas", "patch"],
    ["limitranges", "delete"],
    ["limitranges", "patch"],
  ])("cannot change %s (%s)", (resource, verb) => {
    const names = kubectl(["get", resource, "-n", tenant, "-o", "name"]).stdout.trim().split("\n").filter(Boolean);
    for (const name of names) {
      const args = verb === "delete" ? ["delete", name] : ["label", name, "tampered=yes"];
      const result = kubectl([...args, "-n", tenant, "--dry-run=server"], undefined, admin);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/forbidden|denied/i);
    }
    if (names.length === 0) expect(can(verb, resource, tenant)).toBe(false);
  });

  it(`cannot read the ${other} namespace`, () => {
    for (const resource of ["pods", "jobs.batch", "workloads.kueue.x-k8s.io", "secrets"]) {
      const result = kubectl(["get", resource, "-n", other], undefined, admin);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/forbidden/i);
    }
  });

  it("reads Secrets only in its own namespace", () => {
    expect(kubectl(["get", "secrets", "-n", tenant], undefined, admin).status).toBe(0);
    for (const namespace of ["kube-system", "kueue-system", "fastgpu-system", "default", other]) {
      const result = kubectl(["get", "secrets", "-n", namespace], undefined, admin);
      expect(result.status).not.toBe(0);
    }
    expect(kubectl(["get", "secrets", "--all-namespaces"], undefined, admin).status).not.toBe(0);
  });

  it("cannot change its namespace's labels (which select the policies and Kueue)", () => {
    const result = kubectl(["label", "namespace", tenant, "fastgpu.io/tenant-", "--dry-run=server"], undefined, admin);
    expect(result.status).not.toBe(0);
  });
});
