import { describe, expect, it } from "vitest";
import { audienceOf, daysLeft, expiryStage } from "./certificate-expiry";

const notAfter = new Date("2027-01-31T12:00:00Z");
const at = (iso: string) => new Date(iso);

describe("certificate expiry stages", () => {
  it("reaches 30, 7 and 1 days and then expired, at the exact boundaries", () => {
    expect(expiryStage(notAfter, at("2026-12-31T11:59:59Z"))).toBe("ok");
    expect(expiryStage(notAfter, at("2027-01-01T12:00:00Z"))).toBe("30-days");
    expect(expiryStage(notAfter, at("2027-01-24T11:59:59Z"))).toBe("30-days");
    expect(expiryStage(notAfter, at("2027-01-24T12:00:00Z"))).toBe("7-days");
    expect(expiryStage(notAfter, at("2027-01-30T12:00:00Z"))).toBe("1-day");
    expect(expiryStage(notAfter, at("2027-01-31T12:00:00Z"))).toBe("expired");
  });

  it("tells support only from 7 days on", () => {
    expect(audienceOf("ok")).toEqual({ admins: false, support: false });
    expect(audienceOf("30-days")).toEqual({ admins: true, support: false });
    expect(audienceOf("7-days")).toEqual({ admins: true, support: true });
    expect(audienceOf("expired")).toEqual({ admins: true, support: true });
  });

  it("counts whole days left, rounding up", () => {
    expect(daysLeft(notAfter, at("2027-01-30T13:00:00Z"))).toBe(1);
    expect(daysLeft(notAfter, at("2027-01-24T12:00:00Z"))).toBe(7);
    expect(daysLeft(notAfter, at("2027-02-01T00:00:00Z"))).toBe(0);
  });
});
