import { z } from "zod";

/** An administrator makes a member an administrator or a viewer. */
export const changeRoleSchema = z.object({
  userId: z.string().uuid("Choose a member."),
  role: z.enum(["org_admin", "org_viewer"], { message: "Choose Administrator or Viewer." }),
});

/** An administrator removes a member. */
export const removeMemberSchema = z.object({ userId: z.string().uuid("Choose a member.") });
