import type { Migration } from "kysely";
import * as m001 from "./001-initial";
import * as m002 from "./002-apply-jobs";
import * as m003 from "./003-auth";
import * as m004 from "./004-organization-domains";
import * as m005 from "./005-connection-drafts";
import * as m006 from "./006-scheduled-jobs";
import * as m007 from "./007-apply-job-kinds";
import * as m008 from "./008-api-keys";
import * as m009 from "./009-change-requests";
import * as m010 from "./010-organization-health";
import * as m011 from "./011-test-logins";
import * as m012 from "./012-security-log";
import * as m013 from "./013-organization-lifecycle";
import * as m014 from "./014-domain-recheck";
import * as m015 from "./015-oidc-discovery-monitoring";
import * as m016 from "./016-page-indexes";
import * as m017 from "./017-organization-count";

/**
 * Every migration, in order, imported statically so the server bundle carries them. Add new ones
 * at the end with the next number; never edit one that has shipped.
 */
export const migrations: Record<string, Migration> = {
  "001-initial": m001,
  "002-apply-jobs": m002,
  "003-auth": m003,
  "004-organization-domains": m004,
  "005-connection-drafts": m005,
  "006-scheduled-jobs": m006,
  "007-apply-job-kinds": m007,
  "008-api-keys": m008,
  "009-change-requests": m009,
  "010-organization-health": m010,
  "011-test-logins": m011,
  "012-security-log": m012,
  "013-organization-lifecycle": m013,
  "014-domain-recheck": m014,
  "015-oidc-discovery-monitoring": m015,
  "016-page-indexes": m016,
  "017-organization-count": m017,
};
