import { describe, expect, it } from "vitest";
import { ApiError } from "./errors.js";
import { checkpointPage, offsetPage, project } from "./pagination.js";

const ids = ["c", "a", "e", "b", "d"];

describe("list pagination", () => {
  it("walks checkpoint pages in id order until there is no next", () => {
    const seen: string[] = [];
    let from: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const { page, next } = checkpointPage(ids, (i) => i, from, 2);
      seen.push(...page);
      if (!next) break;
      from = next;
    }
    expect(seen).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("keeps a cursor valid after the item it points at is deleted", () => {
    const { next } = checkpointPage(ids, (i) => i, undefined, 2);
    const after = checkpointPage(
      ids.filter((i) => i !== "b"),
      (i) => i,
      next,
      2,
    );
    expect(after.page).toEqual(["c", "d"]);
  });

  it("refuses a forged cursor with invalid_query_string", () => {
    try {
      checkpointPage(ids, (i) => i, "!!!", 2);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).errorCode).toBe("invalid_query_string");
    }
  });

  it("reports start, limit and total for offset pages", () => {
    expect(offsetPage(ids, 2, 2)).toEqual({ start: 4, limit: 2, total: 5, page: ["d"] });
  });

  it("projects fields in or out", () => {
    const obj = { id: "1", name: "n", options: {} };
    expect(project(obj, "id,name", true)).toEqual({ id: "1", name: "n" });
    expect(project(obj, "options", false)).toEqual({ id: "1", name: "n" });
    expect(project(obj, undefined, undefined)).toBe(obj);
  });
});
