import type { Request, Response } from "express";
import { format } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiErrorHandler } from "./errors.js";

afterEach(() => vi.restoreAllMocks());

function answer() {
  const res = { statusCode: 0, body: undefined as unknown };
  const response = {
    status(code: number) {
      res.statusCode = code;
      return response;
    },
    json(body: unknown) {
      res.body = body;
      return response;
    },
  };
  return { res, response: response as unknown as Response };
}

describe("the Management API's last error handler", () => {
  it("logs an unexpected error's message and stack but not what the error carries, and answers Auth0's 500", () => {
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(format(...args)));
    const err = Object.assign(new Error("the store could not be read"), {
      request: { headers: { authorization: "Bearer eyJ-SECRET-TOKEN" }, body: { client_secret: "cs-SECRET" } },
    });
    const { res, response } = answer();
    apiErrorHandler(err, {} as Request, response, () => {});
    expect(res.statusCode).toBe(500);
    expect(res.body).toMatchObject({ statusCode: 500, message: "An internal server error occurred" });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain("the store could not be read");
    expect(logged[0]).toContain("errors.test.ts"); // the stack's frames, for whoever debugs it
    expect(logged[0]).not.toContain("SECRET");
  });
});
