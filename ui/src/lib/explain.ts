/** "Who gets what" in plain words. */
import type { DecidingRule } from "../bindings/DecidingRule";
import type { Standing } from "../bindings/Standing";

export const RULE_TEXT: Record<DecidingRule, string> = {
  only_candidate: "It is the only secret with this key that this user can get.",
  private_before_shared: "A private secret (only its creator) wins over one shared with all users.",
  explicit_departments_before_all: "A secret scoped to named departments wins over one for all departments.",
  context_department: "A secret that includes the department asked for (or the user's primary department) wins.",
  fewer_departments: "A secret scoped to fewer departments is more specific, so it wins.",
  most_recently_updated: "Everything else being equal, the most recently updated secret wins.",
};

export const STANDING_TEXT: Record<Standing, string> = {
  winner: "Winner",
  outranked: "Outranked",
  not_in_scope: "Not in scope",
  inactive: "Inactive",
  expired: "Expired",
  outside_department: "Outside the department",
  caller_not_in_department: "User not in department",
};
