/**
 * MIG layout placement: does a per-GPU layout such as `{"3g.40gb": 1, "2g.20gb": 1, "1g.10gb": 2}` fit on
 * one GPU, given each profile's memory-slice size and allowed start positions?
 */
import type { GpuSku, MigProfile } from "../../catalog/gpus";

export interface MigPlacement {
  readonly profile: string;
  readonly start: number;
  readonly memorySlices: number;
}

export type MigLayoutCheck =
  | { readonly ok: true; readonly placements: readonly MigPlacement[] }
  | { readonly ok: false; readonly reason: string };

/** Checks a layout against the GPU's MIG geometry and returns one valid placement when it fits. */
export function placeMigLayout(gpu: GpuSku, layout: Readonly<Record<string, number>>): MigLayoutCheck {
  const geometry = gpu.mig;
  if (!geometry) return { ok: false, reason: `${gpu.name} does not support MIG` };

  const wanted: MigProfile[] = [];
  for (const [name, count] of Object.entries(layout)) {
    const profile = geometry.profiles.find((candidate) => candidate.name === name);
    if (!profile) {
      return {
        ok: false,
        reason: `"${name}" is not a MIG profile of ${gpu.name}; valid profiles: ${geometry.profiles.map((p) => p.name).join(", ")}`,
      };
    }
    if (count > profile.maxCount) {
      return { ok: false, reason: `${count} x ${name} exceeds its maximum of ${profile.maxCount} per GPU` };
    }
    for (let i = 0; i < count; i++) wanted.push(profile);
  }
  if (wanted.length === 0) return { ok: false, reason: "the layout is empty; list at least one profile" };

  const computeUsed = wanted.reduce((sum, profile) => sum + profile.computeSlices, 0);
  if (computeUsed > geometry.computeSlices) {
    return {
      ok: false,
      reason: `needs ${computeUsed} compute slices but ${gpu.name} has ${geometry.computeSlices}`,
    };
  }
  const memoryUsed = wanted.reduce((sum, profile) => sum + profile.memorySlices, 0);
  if (memoryUsed > geometry.memorySlices) {
    return {
      ok: false,
      reason: `needs ${memoryUsed} memory slices but ${gpu.name} has ${geometry.memorySlices}`,
    };
  }

  // Largest first prunes the search early; at most 7 instances over 8 slots keeps it tiny.
  wanted.sort((a, b) => b.memorySlices - a.memorySlices || a.name.localeCompare(b.name));
  const occupied = new Array<boolean>(geometry.memorySlices).fill(false);
  const placements: MigPlacement[] = [];

  const place = (index: number): boolean => {
    if (index === wanted.length) return true;
    const profile = wanted[index];
    for (const start of profile.placements) {
      const end = start + profile.memorySlices;
      if (end > geometry.memorySlices) continue;
      let free = true;
      for (let slot = start; slot < end; slot++) if (occupied[slot]) free = false;
      if (!free) continue;
      for (let slot = start; slot < end; slot++) occupied[slot] = true;
      placements.push({ profile: profile.name, start, memorySlices: profile.memorySlices });
      if (place(index + 1)) return true;
      placements.pop();
      for (let slot = start; slot < end; slot++) occupied[slot] = false;
    }
    return false;
  };

  if (!place(0)) {
    const described = Object.entries(layout)
      .map(([name, count]) => `${count} x ${name}`)
      .join(" + ");
    return {
      ok: false,
      reason: `${described} cannot be placed on one ${gpu.name}: the profiles' allowed start slices overlap`,
    };
  }
  placements.sort((a, b) => a.start - b.start);
  return { ok: true, placements };
}
