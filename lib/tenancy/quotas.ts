/**
 * Tenant quotas per pool, resolved from `quotas:` in a region file: pool entries are either a number (the
 * nominal quota) or `{nominal, borrowingLimit?, lendingLimit?}`; tenant-level `borrowingLimit` and
 * `lendingLimit` apply to every pool that does not set its own.
 */
import type { PoolQuotaConfig } from "../config/schema";
import { TENANT_LIMIT_KEYS } from "../config/schema";

export interface TenantPoolQuota {
  readonly tenant: string;
  readonly pool: string;
  /** In the pool's quota units (`quotaUnitsPerNode`). */
  readonly nominal: number;
  /** How much more the tenant may borrow from the cohort; undefined: no limit. */
  readonly borrowingLimit?: number;
  /** How much of its nominal quota the tenant lends out when idle; undefined: all of it. */
  readonly lendingLimit?: number;
}

export function isTenantLimitKey(key: string): key is (typeof TENANT_LIMIT_KEYS)[number] {
  return (TENANT_LIMIT_KEYS as readonly string[]).includes(key);
}

export function resolveTenantQuotas(quotas: Readonly<Record<string, Readonly<Record<string, PoolQuotaConfig>>>>): TenantPoolQuota[] {
  const resolved: TenantPoolQuota[] = [];
  for (const tenant of Object.keys(quotas).sort()) {
    const entries = quotas[tenant];
    const tenantLimit = (key: (typeof TENANT_LIMIT_KEYS)[number]) => {
      const value = entries[key];
      return typeof value === "number" ? value : undefined;
    };
    for (const [pool, entry] of Object.entries(entries)) {
      if (isTenantLimitKey(pool)) continue;
      const quota = typeof entry === "number" ? { nominal: entry } : entry;
      resolved.push({
        tenant,
        pool,
        nominal: quota.nominal,
        borrowingLimit: quota.borrowingLimit ?? tenantLimit("borrowingLimit"),
        lendingLimit: quota.lendingLimit ?? tenantLimit("lendingLimit"),
      });
    }
  }
  return resolved;
}
