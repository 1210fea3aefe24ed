import { gpuById } from "../lib/catalog/gpus";
import { placeMigLayout } from "../lib/model/sharing/mig-placement";

describe("MIG layout placement", () => {
  const h100 = gpuById("h100-80gb");

  it.each([
    [{ "7g.80gb": 1 }],
    [{ "4g.40gb": 1, "3g.40gb": 1 }],
    [{ "4g.40gb": 1, "2g.20gb": 1, "1g.10gb": 1 }],
    [{ "3g.40gb": 2 }],
    [{ "3g.40gb": 1, "2g.20gb": 1, "1g.10gb": 2 }],
    [{ "2g.20gb": 3, "1g.10gb": 1 }],
    [{ "2g.20gb": 1, "1g.10gb": 5 }],
    [{ "1g.10gb": 7 }],
    [{ "1g.20gb": 4 }],
    [{ "1g.10gb+me": 1, "1g.10gb": 6 }],
  ])("places the known-valid H100 layout %j", (layout) => {
    const result = placeMigLayout(h100, layout);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // No two instances share a memory slice.
    const used = result.placements.flatMap((p) => Array.from({ length: p.memorySlices }, (_, i) => p.start + i));
    expect(new Set(used).size).toBe(used.length);
    expect(Math.max(...used)).toBeLessThan(8);
  });

  it.each([
    [{ "3g.40gb": 2, "1g.10gb": 1 }, /needs 9 memory slices/],
    [{ "2g.20gb": 4 }, /4 x 2g\.20gb exceeds its maximum of 3/],
    [{ "4g.40gb": 2 }, /exceeds its maximum of 1/],
    [{ "1g.10gb+me": 2 }, /exceeds its maximum of 1/],
    [{ "4g.40gb": 1, "2g.20gb": 2 }, /needs 8 compute slices/],
    [{ "5g.50gb": 1 }, /"5g\.50gb" is not a MIG profile of NVIDIA H100 80GB HBM3/],
    [{}, /layout is empty/],
  ])("rejects %j", (layout, reason) => {
    const result = placeMigLayout(h100, layout);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });

  it("uses each GPU's own profile names", () => {
    expect(placeMigLayout(gpuById("h200-141gb"), { "3g.71gb": 1, "4g.71gb": 1 }).ok).toBe(true);
    expect(placeMigLayout(gpuById("a100-40gb"), { "3g.20gb": 1, "2g.10gb": 1, "1g.5gb": 2 }).ok).toBe(true);
    expect(placeMigLayout(gpuById("l4"), { "1g.6gb": 1 })).toMatchObject({ ok: false, reason: "NVIDIA L4 does not support MIG" });
  });
});
