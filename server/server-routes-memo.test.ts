import { describe, expect, it } from "vitest";
import { rememberDataRoutes, rememberServerRoutes } from "./server-routes-memo";

describe("React Router's route tree for documents, remembered", () => {
  const manifest = { root: { id: "root" }, "routes/a": { id: "routes/a", parentId: "root" } };
  const root = { default: "Root" };
  const a = { default: "A" };
  // A new object per document (as Remix makes it), holding the same modules.
  const modules = () => ({ root, "routes/a": a });
  const future = { v3_singleFetch: true };
  let made = 0;
  const original = (_m: unknown, routeModules: Record<string, unknown>) => [{ made: ++made, routeModules }];
  const { replacement: remembered } = rememberServerRoutes(original);

  it("is made once for the same manifest, modules, future and mode, though routeModules is a new object each time", () => {
    const first = remembered(manifest, modules(), future, false);
    expect(remembered(manifest, modules(), future, false)).toBe(first);
    expect(made).toBe(1);
  });

  it("is made again when a route's module, the future flags, the mode or the manifest differ", () => {
    const before = remembered(manifest, modules(), future, false);
    const changed = { ...modules(), "routes/a": { default: "A, edited" } };
    expect(remembered(manifest, changed, future, false)).not.toBe(before);
    expect(remembered(manifest, changed, { ...future }, false)).not.toBe(before);
    expect(remembered(manifest, changed, future, true)).not.toBe(before);
    expect(remembered({ ...manifest }, changed, future, true)).not.toBe(before);
  });

  it("leaves the original's own recursive form (more arguments) to the original", () => {
    const before = made;
    remembered(manifest, modules(), future, false, "root");
    remembered(manifest, modules(), future, false, "root");
    expect(made).toBe(before + 2);
  });
});

describe("the static router's data routes, remembered per route tree", () => {
  let conversions = 0;
  const original = (routes: unknown[], _map: unknown, _parent?: unknown, manifest?: Record<string, unknown>) => {
    conversions++;
    const dataRoutes = (routes as { id: string }[]).map((r) => ({ ...r, converted: conversions }));
    for (const r of dataRoutes) if (manifest) manifest[r.id] = r;
    return dataRoutes;
  };
  const { replacement: remembered } = rememberDataRoutes(original);
  const tree = [{ id: "root" }, { id: "routes/a" }];
  const map = () => ({});

  it("gives the same data routes for the same tree, and fills each caller's manifest with them", () => {
    const first: Record<string, unknown> = {};
    const second: Record<string, unknown> = {};
    const a = remembered(tree, map, undefined, first);
    const b = remembered(tree, map, undefined, second);
    expect(b).toBe(a);
    expect(conversions).toBe(1);
    expect(second).toEqual(first);
    expect(second.root).toBe(a[0]);
  });

  it("converts again for another tree or mapping, and leaves other calls to the original", () => {
    const before = conversions;
    remembered([...tree], map, undefined, {});
    remembered(tree, () => ({}), undefined, {});
    remembered(tree, map, ["0"], {});
    remembered(tree, map, undefined, { already: "filled" });
    expect(conversions).toBe(before + 4);
  });
});
