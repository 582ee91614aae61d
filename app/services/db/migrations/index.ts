import type { Migration } from "kysely";
import * as m001 from "./001-initial";

/**
 * Every migration, in order, imported statically so the server bundle carries them. Add new ones
 * at the end with the next number; never edit one that has shipped.
 */
export const migrations: Record<string, Migration> = {
  "001-initial": m001,
};
