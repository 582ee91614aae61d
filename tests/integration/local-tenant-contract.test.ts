import { describe, expect, it } from "vitest";
import { contractViolations, type Exchange } from "../support/local-tenant-contract.js";

// The contract checks in the other local-tenant tests pass only if this checker can fail.
const headers = new Headers({
  "x-ratelimit-limit": "2",
  "x-ratelimit-remaining": "1",
  "x-ratelimit-reset": "1800000000",
});
const exchange = (e: Partial<Exchange>): Exchange => ({
  method: "GET",
  path: "/connections",
  query: "",
  requestBody: undefined,
  status: 200,
  responseBody: [],
  headers,
  ...e,
});

describe("OAS contract checker", () => {
  it("accepts a conforming exchange", () => {
    expect(
      contractViolations(
        exchange({
          query: "?include_totals=true&take=50&strategy=samlp",
          responseBody: { connections: [{ id: "con_1", name: "a" }] },
        }),
      ),
    ).toEqual([]);
  });

  it("catches bodies, query parameters, statuses and headers that Auth0 would not send", () => {
    expect(
      contractViolations(exchange({ path: "/connections/con_x", responseBody: { id: 1, enabled_clients_x: [] } })),
    ).toEqual([expect.stringContaining("response body violates its schema")]);
    expect(contractViolations(exchange({ query: "?per_page=500&bogus=1" }))).toHaveLength(2);
    expect(
      contractViolations(
        exchange({ method: "PATCH", path: "/connections/con_x", requestBody: { name: "x" }, responseBody: {} }),
      ),
    ).toEqual([expect.stringContaining("accepted request body violates its schema")]);
    expect(
      contractViolations(exchange({ status: 418, responseBody: { statusCode: 418, error: "x", message: "y" } })),
    ).toEqual([expect.stringContaining("status not declared")]);
    expect(contractViolations(exchange({ status: 404, responseBody: "Not Found" }))).toContainEqual(
      expect.stringContaining("not Auth0-shaped"),
    );
    expect(contractViolations(exchange({ headers: new Headers() }))).toHaveLength(3);
  });
});
