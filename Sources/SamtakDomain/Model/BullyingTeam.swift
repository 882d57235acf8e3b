import Foundation

/// # Beredskap mot mobbing: a team around one pupil (seed 003, issue 18)
///
/// When someone suspects a pupil does not thrive, is excluded, harassed or bullied, the school
/// sets up a team around the pupil "so that everyone involved knows who is responsible for the
/// follow-up". The **formal responsibility** is the rektor's (the unit leader of the pupil's own
/// school) and may be **delegated** to the social teacher, an advisor or others at the school;
/// who delegated to whom and when is kept.
///
/// **Tables** (`Schema/0024_arena_flows.sql`):
/// - `bullying_teams`: id, child, the school (the child's own unit when set up), the named
///   person responsible for the follow-up (`responsible_id`), the one formally responsible now
///   (`formally_responsible_id`: the rektor, or whom the rektor delegated to), who set it up, when.
/// - `bullying_team_members`: the team (staff of the school; the responsible is always one).
/// - `bullying_team_delegations`: the history of the formal responsibility: `delegated_by`
///   (a rektor of the school), `delegated_to`, `delegated_at`. Append-only.
///
/// **Events** (topic `coordination`, ids only): `bullying_team.established` (team id, child id),
/// `bullying_team.responsibility_delegated` (team id, child id).
///
/// **Endpoints** (intake, store `BullyingTeamStore`): `POST /v1/bullying-teams` (staff of the
/// pupil's own school), `GET /v1/bullying-teams/{id}` (those the team is for, ``maySee``; the
/// read of the pupil's name is logged, basis `own_unit`), `POST /v1/bullying-teams/{id}/delegation` (a rektor
/// of the school). Anyone else: 404, as for a team that does not exist.
///
/// **State**: a team is open from when it is set up; delegation moves
/// `formally_responsible_id` and appends a row (no other state in this version).
public enum BullyingTeam {
    /// Someone as the team's rules see them: their memberships and whether they are active staff.
    public struct Person: Sendable, Hashable {
        public var id: UUID
        public var isActiveStaff: Bool
        public var memberships: [Principal.Membership]
        public init(id: UUID, isActiveStaff: Bool, memberships: [Principal.Membership]) {
            self.id = id
            self.isActiveStaff = isActiveStaff
            self.memberships = memberships
        }

        /// Works at the school (any role but the register's administrator).
        public func worksAt(_ school: UUID) -> Bool {
            isActiveStaff && memberships.contains { $0.unitId == school && $0.role != .administrator }
        }
    }

    /// Whether the principal sees and sets up teams for a pupil of `school` (the child's own
    /// unit): staff of that school, never as the register's administrator.
    public static func worksAtSchool(_ principal: Principal, school: UUID?) -> Bool {
        guard let school, principal.kind == .staff else { return false }
        return principal.memberships.contains { $0.unitId == school && $0.role != .administrator }
    }

    /// Whether the principal may see an existing team: that a pupil may be bullied is known to
    /// those the team is for, not to the whole staff. The rektor of the pupil's school, the one
    /// formally responsible now, the person responsible for the follow-up, the team's members and
    /// whoever set it up; all of them working at the school. (`worksAtSchool` remains the rule for
    /// setting a team up.)
    public static func maySee(_ principal: Principal, school: UUID, responsible: UUID, formallyResponsible: UUID,
                              createdBy: UUID, members: [UUID]) -> Bool {
        guard worksAtSchool(principal, school: school) else { return false }
        if isRektor(principal, school: school) { return true }
        return [responsible, formallyResponsible, createdBy].contains(principal.personId) || members.contains(principal.personId)
    }

    /// Whether the principal holds the school's formal responsibility by office: its rektor
    /// (unit leader). Only a rektor delegates it.
    public static func isRektor(_ principal: Principal, school: UUID) -> Bool {
        principal.kind == .staff && principal.hasRole(.unitLeader, in: school)
    }

    /// Why a new team cannot be set up as asked (empty when it can). `rektor` is the school's
    /// unit leader, who holds the formal responsibility from the start (nil: none registered).
    public static func establishViolations(school: UUID?, responsible: Person?, members: [(field: String, person: Person?)],
                                           rektor: UUID?) -> [ConsentViolation] {
        var violations: [ConsentViolation] = []
        guard let school else {
            return [.init("child_id", "no_school", "the pupil belongs to no school")]
        }
        if rektor == nil { violations.append(.init("child_id", "no_rektor", "the school has no rektor (unit leader) registered to hold the formal responsibility")) }
        if !(responsible?.worksAt(school) ?? false) {
            violations.append(.init("responsible_id", "not_school_staff", "the person responsible for the follow-up must work at the pupil's school"))
        }
        for (field, person) in members where !(person?.worksAt(school) ?? false) {
            violations.append(.init(field, "not_school_staff", "a member of the team must work at the pupil's school"))
        }
        return violations
    }

    /// Why the formal responsibility cannot be delegated to `target` (empty when it can).
    public static func delegationViolations(school: UUID, currentlyResponsible: UUID, target: Person?) -> [ConsentViolation] {
        guard let target, target.worksAt(school) else {
            return [.init("to_person_id", "not_school_staff", "the formal responsibility can only be delegated to someone at the pupil's school")]
        }
        if target.id == currentlyResponsible {
            return [.init("to_person_id", "unchanged", "this person already holds the formal responsibility")]
        }
        return []
    }
}
