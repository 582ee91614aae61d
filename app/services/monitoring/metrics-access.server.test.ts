import { afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "../platform/env.server";
import { REAL_TENANT_ENV } from "../platform/env.fixtures";
import { metricsAllowed } from "./metrics-access.server";

const REAL_TENANT = { ...REAL_TENANT_ENV, LOG_LEVEL: "silent" };
const saved = { ...process.env };

function withEnv(vars: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, vars);
  resetEnvForTests();
}

afterEach(() => {
  process.env = { ...saved };
  resetEnvForTests();
});

describe("who may read /metrics", () => {
  it("nobody with a real tenant and no METRICS_TOKEN", () => {
    withEnv(REAL_TENANT);
    expect(metricsAllowed(undefined)).toBe(false);
    expect(metricsAllowed("Bearer anything")).toBe(false);
  });

  it("only the bearer of METRICS_TOKEN when it is set", () => {
    const token = "0123456789abcdef0123456789abcdef";
    withEnv({ ...REAL_TENANT, METRICS_TOKEN: token });
    expect(metricsAllowed(`Bearer ${token}`)).toBe(true);
    expect(metricsAllowed(`bearer ${token}`)).toBe(true);
    expect(metricsAllowed(`Bearer ${token}x`)).toBe(false);
    expect(metricsAllowed(token)).toBe(false);
    expect(metricsAllowed(undefined)).toBe(false);
  });

  it("anyone in local mode without a token", () => {
    withEnv({ LOG_LEVEL: "silent" });
    expect(metricsAllowed(undefined)).toBe(true);
  });
});
