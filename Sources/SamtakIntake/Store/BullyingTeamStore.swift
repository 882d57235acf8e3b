import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime
import SamtakStore

/// The SQL of the teams against bullying (``BullyingTeam``; `Schema/0024_arena_flows.sql`).
/// Rows only; the route decides who may do what with the domain's rules.
enum BullyingTeamStore {
    struct ChildRow: Sendable {
        var id: UUID
        var name: String
        var unitId: UUID?
    }

    static func child(_ id: UUID, on connection: PostgresConnection) throws -> ChildRow? {
        try connection.query(SQL("SELECT id, name, unit_id FROM children WHERE id = \(id)").prepared).first.map { row throws(PostgresError) in
            ChildRow(id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1), unitId: try row.decode(UUID?.self, 2))
        }
    }

    /// The school's rektor (an active unit leader; the first by name when there are several).
    static func rektor(of school: UUID, on connection: PostgresConnection) throws -> UUID? {
        try connection.query(SQL("""
            SELECT p.id FROM memberships m JOIN people p ON p.id = m.person_id
            WHERE m.unit_id = \(school) AND m.role = 'unit_leader' AND p.active AND p.kind = 'staff'
            ORDER BY p.name, p.id LIMIT 1
            """).prepared).first.map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    /// People as the team's rules see them (one statement for all of them).
    static func people(_ ids: [UUID], on connection: PostgresConnection) throws -> [UUID: BullyingTeam.Person] {
        try AccessFacts.people(ids, on: connection).mapValues { facts in
            BullyingTeam.Person(id: facts.id, isActiveStaff: facts.active && facts.kind == .staff,
                                memberships: facts.memberships.map { .init(unitId: $0.unitId, service: $0.service, role: $0.role) })
        }
    }

    static func insert(id: UUID, child: UUID, school: UUID, responsible: UUID, formallyResponsible: UUID, members: [UUID], by person: UUID,
                       on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO bullying_teams (id, child_id, school_unit_id, responsible_id, formally_responsible_id, created_by)
            VALUES (\(id), \(child), \(school), \(responsible), \(formallyResponsible), \(person))
            """)
        try connection.execute("""
            INSERT INTO bullying_team_members (team_id, person_id) SELECT \(id), unnest(\(Array(Set(members + [responsible])))::uuid[])
            """)
    }

    struct Row: Sendable {
        var id: UUID
        var childId: UUID
        var childName: String
        var schoolUnitId: UUID
        var schoolName: String
        var responsibleId: UUID
        var formallyResponsibleId: UUID
        var createdBy: UUID
        var createdAt: Date
        var members: [UUID]
        var delegations: [(by: UUID, to: UUID, at: Date)]
    }

    /// One team with its members and delegations; `lock` for a change.
    static func team(_ id: UUID, lock: Bool = false, on connection: PostgresConnection) throws -> Row? {
        guard let row = try connection.query(SQL("""
            SELECT t.id, t.child_id, c.name, t.school_unit_id, u.name, t.responsible_id, t.formally_responsible_id, t.created_by, t.created_at,
                   coalesce((SELECT array_agg(person_id ORDER BY person_id) FROM bullying_team_members WHERE team_id = t.id), '{}')
            FROM bullying_teams t JOIN children c ON c.id = t.child_id JOIN units u ON u.id = t.school_unit_id
            WHERE t.id = \(id)\(unsafeRaw: lock ? " FOR UPDATE OF t" : "")
            """)).first else { return nil }
        let delegations = try connection.query(SQL("""
            SELECT delegated_by, delegated_to, delegated_at FROM bullying_team_delegations WHERE team_id = \(id) ORDER BY id
            """).prepared).map { row throws(PostgresError) in
            (by: try row.decode(UUID.self, 0), to: try row.decode(UUID.self, 1), at: try row.decode(Date.self, 2))
        }
        return Row(id: try row.decode(UUID.self, 0), childId: try row.decode(UUID.self, 1), childName: try row.decode(String.self, 2),
                   schoolUnitId: try row.decode(UUID.self, 3), schoolName: try row.decode(String.self, 4),
                   responsibleId: try row.decode(UUID.self, 5), formallyResponsibleId: try row.decode(UUID.self, 6),
                   createdBy: try row.decode(UUID.self, 7), createdAt: try row.decode(Date.self, 8), members: try row.decode([UUID].self, 9),
                   delegations: delegations)
    }

    /// The ids of a child's teams, newest first (at most 20).
    static func teamIds(child: UUID, on connection: PostgresConnection) throws -> [UUID] {
        try connection.query(SQL("""
            SELECT id FROM bullying_teams WHERE child_id = \(child) ORDER BY created_at DESC, id LIMIT 20
            """).prepared).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    /// The formal responsibility moves to `to`; the delegation is appended (who, to whom, when).
    static func delegate(_ id: UUID, by person: UUID, to: UUID, on connection: PostgresConnection) throws {
        try connection.execute("UPDATE bullying_teams SET formally_responsible_id = \(to) WHERE id = \(id)")
        try connection.execute("""
            INSERT INTO bullying_team_delegations (team_id, delegated_by, delegated_to) VALUES (\(id), \(person), \(to))
            """)
    }

    /// Names of staff (public servants) for the resource.
    static func names(_ ids: [UUID], on connection: PostgresConnection) throws -> [UUID: String] {
        try AccessFacts.people(ids, on: connection).mapValues(\.name)
    }
}
