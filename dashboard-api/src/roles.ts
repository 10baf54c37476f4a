// The roles of people and tokens, lowest first, and what each may do. Each role may do what the
// ones below it may:
//
//   viewer   reads within its scope (a county's wall screen, an auditor)
//   owner    a restaurant owner: reads and acknowledges alarms of its one site; may not lift or
//            issue a stop-work order, shelve, close, take devices out of service or change the fleet
//   officer  a duty or safety officer: also shelves, closes, records rectification and inspection,
//            lifts stop-work orders (停产停工) and reads the notifications
//   admin    also manages users, tokens, devices' service state and reads the audit log
//
// A route names the least role it needs (`config.role`); `act` says what it does in words, so a
// refusal tells the caller what they tried and who may do it.

export const ROLES = ['viewer', 'owner', 'officer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(text: string | undefined): text is Role {
  return (ROLES as readonly string[]).includes(text ?? '');
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Who holds a role, in words, for refusals. */
const WHO: Record<Role, string> = {
  viewer: 'a viewer (read only)',
  owner: 'a site owner (may read and acknowledge alarms of the site)',
  officer: 'a duty officer',
  admin: 'an administrator',
};

/** "lifting a stop-work order needs a duty officer (role officer or above); Wang Fang is a site owner (…)" */
export function roleRefusal(needed: Role, act: string | undefined, name: string, role: Role): string {
  const what = act ?? 'this request';
  return `${what} needs ${WHO[needed].replace(/ \(.*\)$/, '')} (role ${needed} or above); ${name} is ${WHO[role]}`;
}
