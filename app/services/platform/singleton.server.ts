/**
 * One instance per process, shared between the server entry and the Remix server bundle (which
 * hold separate copies of this module) and kept across dev-server reloads.
 */
export function singleton<T>(name: string, create: () => T): T {
  const store = globalThis as unknown as { __portalSingletons?: Map<string, unknown> };
  store.__portalSingletons ??= new Map();
  if (!store.__portalSingletons.has(name)) store.__portalSingletons.set(name, create());
  return store.__portalSingletons.get(name) as T;
}
