import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

/// Individual plans (`individual_plans`, Schema/0005): the rows and their writes. A child has
/// at most one active plan (a unique index); routes decide who may read or change one.
enum IndividualPlanStore {
    struct Row: Sendable {
        var id: UUID
        var childId: UUID
        var status: String
        var goals: [String]
        var responsibleServices: [ServiceKind]
        var consentId: UUID
        var version: Int
        var createdBy: UUID
        var createdAt: Date
        var updatedAt: Date
    }

    static func plan(_ id: UUID, forUpdate: Bool = false, on connection: PostgresConnection) throws -> Row? {
        let lock: SQL = forUpdate ? " FOR UPDATE" : ""
        return try connection.query("""
            SELECT id, child_id, status, goals, responsible_services, consent_id, version, created_by, created_at, updated_at
            FROM individual_plans WHERE id = \(id)\(lock)
            """).first.map { row throws(PostgresError) in
            Row(id: try row.decode(UUID.self, 0), childId: try row.decode(UUID.self, 1), status: try row.decode(String.self, 2),
                goals: try row.decode([String].self, 3), responsibleServices: try row.decode([String].self, 4).compactMap(ServiceKind.init(rawValue:)),
                consentId: try row.decode(UUID.self, 5), version: try row.decode(Int.self, 6), createdBy: try row.decode(UUID.self, 7),
                createdAt: try row.decode(Date.self, 8), updatedAt: try row.decode(Date.self, 9))
        }
    }

    /// The meetings that belong to the plan (ansvarsgruppe meetings), in time order.
    static func meetingIds(of planId: UUID, on connection: PostgresConnection) throws -> [UUID] {
        try connection.query(SQL("SELECT id FROM meetings WHERE individual_plan_id = \(planId) ORDER BY starts_at, id").prepared)
            .map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    /// The child's plan to show: the active one, else the newest.
    static func currentId(ofChild childId: UUID, on connection: PostgresConnection) throws -> UUID? {
        try connection.query(SQL("""
            SELECT id FROM individual_plans WHERE child_id = \(childId) ORDER BY status = 'active' DESC, created_at DESC LIMIT 1
            """).prepared).first?.decode(UUID.self, 0)
    }

    /// The child's active plan, if any.
    static func activeId(ofChild childId: UUID, on connection: PostgresConnection) throws -> UUID? {
        try connection.query(SQL("SELECT id FROM individual_plans WHERE child_id = \(childId) AND status = 'active'").prepared)
            .first?.decode(UUID.self, 0)
    }

    static func isActive(_ planId: UUID, on connection: PostgresConnection) throws -> Bool {
        try !connection.query(SQL("SELECT 1 FROM individual_plans WHERE id = \(planId) AND status = 'active'").prepared).isEmpty
    }

    /// Throws the unique violation when the child already has an active plan.
    static func insert(id: UUID, childId: UUID, goals: [String], services: [ServiceKind], consentId: UUID, by person: UUID,
                       on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO individual_plans (id, child_id, goals, responsible_services, consent_id, created_by)
            VALUES (\(id), \(childId), \(goals), \(services.map(\.rawValue)), \(consentId), \(person))
            """)
    }

    static func update(_ id: UUID, goals: [String], services: [ServiceKind], consentId: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE individual_plans SET goals = \(goals), responsible_services = \(services.map(\.rawValue)),
                consent_id = \(consentId), version = version + 1, updated_at = now() WHERE id = \(id)
            """)
    }

    /// Every plan of the child (for its timeline), as rows.
    static func plans(ofChild childId: UUID, on connection: PostgresConnection) throws -> [Row] {
        try connection.query(SQL("SELECT id FROM individual_plans WHERE child_id = \(childId) ORDER BY created_at, id").prepared)
            .map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
            .compactMap { id in try plan(id, on: connection) }
    }
}
