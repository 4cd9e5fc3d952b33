// Acme's people and teams as Okta provisions them over SCIM 2.0: Users with the enterprise
// extension (cost center codes, departments, managers up to the VP) and Groups named like the
// GitHub team slugs. One user is inactive, one has no enterprise extension, one has no cost
// center, no team and a department nobody recognises, so only her manager places her.
import type { Random } from './random.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const BASE_URL = 'https://acme.okta.example/scim/v2';
const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

interface PersonSpec {
  given: string;
  family: string;
  userName: string;
  title: string;
  /** Null for a user provisioned without the enterprise extension. */
  enterprise: { costCenter?: string; department?: string; manager?: string } | null;
  groups: string[];
  active?: boolean;
  employeeNumber: string;
  created: string;
  lastModified: string;
  userType?: string;
}

const PEOPLE: PersonSpec[] = [
  spec('Morgan', 'Hale', 'VP of Engineering', '1003', ['engineering'], {
    costCenter: 'CC-1000',
    department: 'Engineering',
  }),
  spec('Elena', 'Petrov', 'Engineering Manager, Search', '1017', ['search'], {
    costCenter: 'CC-1100',
    department: 'Search',
    manager: 'morgan.hale',
  }),
  spec('Omar', 'Haddad', 'Engineering Manager, Payments', '1021', ['payments'], {
    costCenter: 'CC-1200',
    department: 'Payments',
    manager: 'morgan.hale',
  }),
  spec('Grace', 'Liu', 'Engineering Manager, Support AI', '1034', ['support-ai'], {
    costCenter: 'CC-1300',
    department: 'Customer Support AI',
    manager: 'morgan.hale',
  }),
  spec('Tomás', 'Reyes', 'Engineering Manager, Platform', '1040', ['platform'], {
    costCenter: 'CC-1400',
    department: 'Platform',
    manager: 'morgan.hale',
  }),
  spec('Priya', 'Shah', 'Head of Data Science', '1052', ['data-science'], {
    costCenter: 'CC-1500',
    department: 'Data Science',
    manager: 'morgan.hale',
  }),
  spec('Ben', 'Carter', 'Senior Software Engineer', '1088', ['search'], {
    costCenter: 'CC-1100',
    department: 'Search',
    manager: 'elena.petrov',
  }),
  // Joined in September: no cost center, a free-text department that names no CostCenter, and
  // not yet in her team's group.
  spec('Aisha', 'Bello', 'Software Engineer', '1131', [], {
    department: 'Eng',
    manager: 'elena.petrov',
  }),
  spec('Lucas', 'Martin', 'Software Engineer', '1107', ['payments'], {
    costCenter: 'CC-1200',
    department: 'Payments',
    manager: 'omar.haddad',
  }),
  spec('Hana', 'Sato', 'Machine Learning Engineer', '1095', ['support-ai'], {
    costCenter: 'CC-1300',
    department: 'Customer Support AI',
    manager: 'grace.liu',
  }),
  spec('Rafael', 'Costa', 'Staff Engineer', '1061', ['platform'], {
    costCenter: 'CC-1400',
    department: 'Platform',
    manager: 'tomas.reyes',
  }),
  {
    ...spec('Noah', 'Fischer', 'Site Reliability Engineer', '1079', [], {
      costCenter: 'CC-1400',
      department: 'Platform',
      manager: 'tomas.reyes',
    }),
    active: false,
    lastModified: '2026-10-09T17:42:10Z',
  },
  spec('Dana', 'Kim', 'Data Scientist', '1114', ['data-science'], {
    costCenter: 'CC-1500',
    department: 'Data Science',
    manager: 'priya.shah',
  }),
  spec('Ivy', 'Chen', 'Research Engineer', '1126', ['data-science'], {
    costCenter: 'CC-1500',
    department: 'Data Science',
    manager: 'priya.shah',
  }),
  { ...spec('Sam', 'Okafor', 'Contract Engineer', 'C-207', [], null), userType: 'Contractor' },
];

/** Teams, by the slug GitHub and the CostCenters use; `engineering` nests the other five. */
const TEAMS = ['engineering', 'search', 'payments', 'support-ai', 'platform', 'data-science'];

function spec(
  given: string,
  family: string,
  title: string,
  employeeNumber: string,
  groups: string[],
  enterprise: PersonSpec['enterprise'],
): PersonSpec {
  const local = `${given}.${family}`.normalize('NFD').replace(/\p{Diacritic}/gu, '');
  const hired = 2019 + (Number.parseInt(employeeNumber.replace(/\D/g, ''), 10) % 6);
  return {
    given,
    family,
    userName: `${local.toLowerCase()}@acme.example`,
    title,
    enterprise,
    groups,
    employeeNumber,
    created: `${hired}-0${1 + (hired % 9)}-14T16:02:33Z`,
    lastModified: '2026-09-30T08:15:00Z',
  };
}

export interface ScimFiles {
  users: unknown;
  groups: unknown;
}

export function scimInventory(random: Random): ScimFiles {
  const userIds = new Map(
    PEOPLE.map((p) => [localPart(p.userName), `00u${random.chars(17, ID_ALPHABET)}`]),
  );
  const groupIds = new Map(TEAMS.map((t) => [t, `00g${random.chars(17, ID_ALPHABET)}`]));
  const userId = (local: string) => userIds.get(local)!;
  const displayName = (p: PersonSpec) => `${p.given} ${p.family}`;
  const byLocal = new Map(PEOPLE.map((p) => [localPart(p.userName), p]));

  const users = PEOPLE.map((p) => {
    const id = userId(localPart(p.userName));
    const user: Record<string, unknown> = {
      schemas: p.enterprise ? [USER_SCHEMA, ENTERPRISE_SCHEMA] : [USER_SCHEMA],
      id,
      externalId: `okta-${p.employeeNumber.toLowerCase()}`,
      userName: p.userName,
      name: { formatted: displayName(p), givenName: p.given, familyName: p.family },
      displayName: displayName(p),
      title: p.title,
      ...(p.userType ? { userType: p.userType } : {}),
      active: p.active ?? true,
      emails: [{ value: p.userName, type: 'work', primary: true }],
      groups: p.groups.map((g) => ({
        value: groupIds.get(g),
        $ref: `${BASE_URL}/Groups/${groupIds.get(g)}`,
        display: g,
        type: 'direct',
      })),
    };
    if (p.enterprise) {
      const { costCenter, department, manager } = p.enterprise;
      const managerSpec = manager ? byLocal.get(manager) : undefined;
      user[ENTERPRISE_SCHEMA] = {
        employeeNumber: p.employeeNumber,
        ...(costCenter ? { costCenter } : {}),
        organization: 'Acme Robotics',
        division: 'Engineering',
        ...(department ? { department } : {}),
        ...(manager && managerSpec
          ? {
              manager: {
                value: userId(manager),
                $ref: `${BASE_URL}/Users/${userId(manager)}`,
                displayName: displayName(managerSpec),
              },
            }
          : {}),
      };
    }
    user.meta = {
      resourceType: 'User',
      created: p.created,
      lastModified: p.lastModified,
      location: `${BASE_URL}/Users/${id}`,
    };
    return user;
  });

  const groups = TEAMS.map((team) => {
    const id = groupIds.get(team)!;
    const members =
      team === 'engineering'
        ? [
            ...TEAMS.filter((t) => t !== 'engineering').map((t) => ({
              value: groupIds.get(t),
              $ref: `${BASE_URL}/Groups/${groupIds.get(t)}`,
              type: 'Group',
              display: t,
            })),
            ...memberUsers(team),
          ]
        : memberUsers(team);
    return {
      schemas: [GROUP_SCHEMA],
      id,
      displayName: team,
      members,
      meta: {
        resourceType: 'Group',
        created: '2023-02-06T10:00:00Z',
        lastModified: '2026-10-09T17:42:11Z',
        location: `${BASE_URL}/Groups/${id}`,
      },
    };
  });

  function memberUsers(team: string) {
    return PEOPLE.filter((p) => p.groups.includes(team)).map((p) => ({
      value: userId(localPart(p.userName)),
      $ref: `${BASE_URL}/Users/${userId(localPart(p.userName))}`,
      type: 'User',
      display: displayName(p),
    }));
  }

  return { users: listResponse(users), groups: listResponse(groups) };
}

function listResponse(resources: unknown[]): unknown {
  return {
    schemas: [LIST_SCHEMA],
    totalResults: resources.length,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

function localPart(userName: string): string {
  return userName.split('@')[0]!;
}
