import Foundation
import SamtakDomain
import SamtakPostgres

/// Reads for the BUP intake pages that are not about one referral: who may own a follow-up.
enum ReferralIntakeStore {
    struct OwnerRow: Sendable {
        var id: UUID
        var name: String
        var title: String
        var unitName: String
        var service: ServiceKind
    }

    /// Active staff working in a unit of `services` (one row per person, their first such unit by name).
    static func owners(services: Set<ServiceKind>, on connection: PostgresConnection) throws -> [OwnerRow] {
        try connection.query(SQL("""
            SELECT DISTINCT ON (p.name, p.id) p.id, p.name, m.title, u.name, u.service
            FROM people p JOIN memberships m ON m.person_id = p.id JOIN units u ON u.id = m.unit_id AND u.active
            WHERE p.active AND p.kind = 'staff' AND m.role <> 'administrator' AND u.service = ANY(\(services.map(\.rawValue).sorted()))
            ORDER BY p.name, p.id, u.name LIMIT 500
            """).prepared).map { row throws(PostgresError) in
            OwnerRow(id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1), title: try row.decode(String.self, 2),
                     unitName: try row.decode(String.self, 3), service: try row.decode(ServiceKind.self, 4))
        }
    }

    struct ChildRow: Sendable {
        var id: UUID
        var name: String
        var grade: Int?
    }

    /// Children with a consent in force that names `service` (at most 200, by name); the
    /// route decides which of them the caller may see.
    static func consentedChildren(service: ServiceKind, on connection: PostgresConnection) throws -> [ChildRow] {
        try connection.query(SQL("""
            SELECT c.id, c.name, c.grade FROM children c
            WHERE c.duplicate_of IS NULL AND EXISTS (
                SELECT 1 FROM consents k WHERE k.child_id = c.id AND k.withdrawn_at IS NULL AND \(service.rawValue) = ANY(k.services)
                  AND k.valid_from <= current_date AND (k.valid_until IS NULL OR k.valid_until >= current_date))
            ORDER BY c.name, c.id LIMIT 200
            """).prepared).map { row throws(PostgresError) in
            ChildRow(id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1), grade: try row.decode(Int?.self, 2))
        }
    }

    struct NoteRow: Codable, Sendable {
        var id: UUID
        var unitId: UUID
        var unitName: String
        var service: ServiceKind
        var authorId: UUID
        var authorName: String
        var text: String
        var createdAt: Date
    }

    static func insertNote(caseId: UUID, author: UUID, unitId: UUID, text: String, on connection: PostgresConnection) throws -> UUID {
        let id = UUID()
        try connection.execute(SQL("""
            INSERT INTO referral_notes (id, case_id, author_id, unit_id, text) VALUES (\(id), \(caseId), \(author), \(unitId), \(text))
            """).prepared)
        return id
    }

    /// A referral's notes, oldest first.
    static func notes(caseId: UUID, on connection: PostgresConnection) throws -> [NoteRow] {
        try notes(caseIds: [caseId], on: connection)[caseId] ?? []
    }

    /// The notes of several referrals in one statement (a meeting's minutes), oldest first.
    static func notes(caseIds: [UUID], on connection: PostgresConnection) throws -> [UUID: [NoteRow]] {
        guard !caseIds.isEmpty else { return [:] }
        var result: [UUID: [NoteRow]] = [:]
        for row in try connection.query(SQL("""
            SELECT n.case_id, n.id, n.unit_id, u.name, u.service, n.author_id, p.name, n.text, n.created_at
            FROM referral_notes n JOIN units u ON u.id = n.unit_id JOIN people p ON p.id = n.author_id
            WHERE n.case_id = ANY(\(caseIds)) ORDER BY n.case_id, n.created_at, n.id
            """).prepared) {
            result[try row.decode(UUID.self, 0), default: []].append(NoteRow(
                id: try row.decode(UUID.self, 1), unitId: try row.decode(UUID.self, 2), unitName: try row.decode(String.self, 3),
                service: try row.decode(ServiceKind.self, 4), authorId: try row.decode(UUID.self, 5), authorName: try row.decode(String.self, 6),
                text: try row.decode(String.self, 7), createdAt: try row.decode(Date.self, 8)))
        }
        return result
    }

    static func childName(_ childId: UUID, on connection: PostgresConnection) throws -> String? {
        try connection.query(SQL("SELECT name FROM children WHERE id = \(childId)").prepared).first?.decode(String.self, 0)
    }
}
