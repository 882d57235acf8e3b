import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

/// The register's units, people and memberships: every statement of ``OrganisationRoutes``.
/// Rows come back in the shapes the API shows (``OrganisationRoutes/UnitResource``,
/// ``OrganisationRoutes/PersonResource``): the register has nothing to redact.
enum OrganisationStore {
    typealias UnitRow = OrganisationRoutes.UnitResource
    typealias PersonRow = OrganisationRoutes.PersonResource

    static func unitExists(_ id: UUID, on connection: PostgresConnection) throws -> Bool {
        try connection.query(SQL("SELECT 1 FROM units WHERE id = \(id)").prepared).count == 1
    }

    /// Inserts the unit; returns its `created_at`.
    static func insertUnit(_ id: UUID, name: String, service: ServiceKind, parentId: UUID?, on connection: PostgresConnection) throws -> Date {
        try connection.query("""
            INSERT INTO units (id, name, service, parent_id) VALUES (\(id), \(name), \(service.rawValue), \(parentId))
            RETURNING created_at
            """).first!.decode(Date.self, 0)
    }

    /// A page of units (`after`: the page's keyset condition), optionally of one service.
    static func units(service: ServiceKind?, after: SQL, limit: Int, on connection: PostgresConnection) throws -> [UnitRow] {
        let filter: SQL = service.map { " AND service = \($0.rawValue)" } ?? ""
        return try connection.query("""
            SELECT id, name, service, parent_id, active, created_at FROM units WHERE true \(filter) \(after)
            ORDER BY created_at, id LIMIT \(limit)
            """).map(unitRow)
    }

    static func unit(_ id: UUID, on connection: PostgresConnection) throws -> UnitRow? {
        try connection.query(SQL("SELECT id, name, service, parent_id, active, created_at FROM units WHERE id = \(id)").prepared).first.map(unitRow)
    }

    static func unitRow(_ row: PostgresRow) throws(PostgresError) -> UnitRow {
        UnitRow(id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1),
                     service: try row.decode(ServiceKind.self, 2),
                     parentId: try row.decode(UUID?.self, 3), active: try row.decode(Bool.self, 4), createdAt: try row.decode(Date.self, 5))
    }

    static func insertPerson(_ id: UUID, kind: PersonKind, name: String, email: String?, on connection: PostgresConnection) throws {
        try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(id), \(kind.rawValue), \(name), \(email))")
    }

    /// A page of staff ids (`after`: the keyset condition on `p`), optionally of one unit.
    static func staffIds(unitId: UUID?, after: SQL, limit: Int, on connection: PostgresConnection) throws -> [UUID] {
        let filter: SQL = unitId.map { " AND EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = p.id AND m.unit_id = \($0))" } ?? ""
        return try connection.query("""
            SELECT p.id FROM people p WHERE p.kind = 'staff' \(filter) \(after)
            ORDER BY p.created_at, p.id LIMIT \(limit)
            """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    static func personExists(_ id: UUID, on connection: PostgresConnection) throws -> Bool {
        try connection.query(SQL("SELECT 1 FROM people WHERE id = \(id)").prepared).count == 1
    }

    static func isStaff(_ id: UUID, on connection: PostgresConnection) throws -> Bool {
        try connection.query(SQL("SELECT 1 FROM people WHERE id = \(id) AND kind = 'staff'").prepared).count == 1
    }

    /// False when the person already has this role in this unit.
    static func insertMembership(personId: UUID, unitId: UUID, role: Role, title: String, on connection: PostgresConnection) throws -> Bool {
        try connection.execute("""
            INSERT INTO memberships (person_id, unit_id, role, title) VALUES (\(personId), \(unitId), \(role.rawValue), \(title))
            ON CONFLICT DO NOTHING
            """) == 1
    }

    static func person(_ id: UUID, on connection: PostgresConnection) throws -> PersonRow? {
        let rows = try connection.query(personStatement(id))
        guard let first = rows.first else { return nil }
        var person = PersonRow(
            id: try first.decode(UUID.self, 0), kind: try first.decode(PersonKind.self, 1),
            name: try first.decode(String.self, 2), email: try first.decode(String?.self, 3), memberships: [],
            createdAt: try first.decode(Date.self, 4)
        )
        for row in rows {
            guard let unitId = try row.decode(UUID?.self, 5) else { continue }
            person.memberships.append(OrganisationRoutes.MembershipResource(
                unitId: unitId, unitName: try row.decode(String.self, 6),
                service: try row.decode(ServiceKind.self, 7),
                role: try row.decode(Role.self, 8), title: try row.decode(String.self, 9)
            ))
        }
        return person
    }

    /// ``person(_:on:)``'s statement (to read it ahead with others).
    static func personStatement(_ id: UUID) -> SQL {
        SQL("""
            SELECT p.id, p.kind, p.name, p.email, p.created_at, m.unit_id, u.name, u.service, m.role, m.title
            FROM people p
            LEFT JOIN memberships m ON m.person_id = p.id
            LEFT JOIN units u ON u.id = m.unit_id
            WHERE p.id = \(id)
            ORDER BY u.name, m.role
            """).prepared
    }
}
