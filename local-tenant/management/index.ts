import { Router } from "express";
import type { TenantContext } from "../context.js";

/** Management API v2 (`/api/v2/...`) and the client-credentials part of `/oauth/token`. */
export function managementRouter(_ctx: TenantContext): Router {
  const router = Router();
  return router;
}
