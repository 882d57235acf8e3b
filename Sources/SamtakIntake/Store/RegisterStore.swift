import Foundation
import SamtakDomain
import SamtakPostgres

/// The statements behind a child's guardianships and consents and an administrator's
/// corrections of them (``ChildRoutes``), each a small named function.
enum RegisterStore {
    struct GuardianshipResource: Codable, Sendable {
        var childId: UUID
        var personId: UUID
        var parentalResponsibility: Bool
        var dailyCare: Bool
        var source: GuardianshipSource
        var recordedBy: UUID?
        var recordedAt: Date
    }

    /// One correction of the register (the audit trail's row, without its free-text note).
    struct CorrectionResource: Codable, Sendable {
        var id: UUID
        var kind: String
        var childId: UUID
        var guardianId: UUID?
        var consentId: UUID?
        var reason: CorrectionReason
        var correctedBy: UUID
        var correctedAt: Date
    }

    static func childExists(_ id: UUID, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("SELECT 1 FROM children WHERE id = \(id)").isEmpty
    }

    static func isGuardianPerson(_ id: UUID, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("SELECT 1 FROM people WHERE id = \(id) AND kind = 'guardian'").isEmpty
    }

    static func insertGuardianPerson(name: String, email: String?, on connection: PostgresConnection) throws -> UUID {
        let id = UUID()
        try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(id), 'guardian', \(name), \(email))")
        return id
    }

    /// Nil when the person is already the child's guardian.
    static func insertGuardianship(child: UUID, guardian: UUID, parentalResponsibility: Bool, dailyCare: Bool, source: GuardianshipSource,
                                   recordedBy: UUID, on connection: PostgresConnection) throws -> GuardianshipResource? {
        try connection.query("""
            INSERT INTO guardianships (child_id, guardian_id, parental_responsibility, daily_care, source, recorded_by)
            VALUES (\(child), \(guardian), \(parentalResponsibility), \(dailyCare), \(source.rawValue), \(recordedBy))
            ON CONFLICT DO NOTHING
            RETURNING child_id, guardian_id, parental_responsibility, daily_care, source, recorded_by, recorded_at
            """).first.map { row throws(PostgresError) in
            GuardianshipResource(childId: try row.decode(UUID.self, 0), personId: try row.decode(UUID.self, 1),
                                 parentalResponsibility: try row.decode(Bool.self, 2), dailyCare: try row.decode(Bool.self, 3),
                                 source: try row.decode(GuardianshipSource.self, 4),
                                 recordedBy: try row.decode(UUID?.self, 5), recordedAt: try row.decode(Date.self, 6))
        }
    }

    static let correctionColumns: SQL = "id, kind, child_id, guardian_id, consent_id, reason, corrected_by, corrected_at"

    static func correction(_ row: PostgresRow) throws(PostgresError) -> CorrectionResource {
        CorrectionResource(id: try row.decode(UUID.self, 0), kind: try row.decode(String.self, 1), childId: try row.decode(UUID.self, 2),
                           guardianId: try row.decode(UUID?.self, 3), consentId: try row.decode(UUID?.self, 4),
                           reason: try row.decode(CorrectionReason.self, 5),
                           correctedBy: try row.decode(UUID.self, 6), correctedAt: try row.decode(Date.self, 7))
    }

    /// Ends a guardianship: the row leaves `guardianships` and is kept as it was in the
    /// correction. Nil when the person is not (or no longer) the child's guardian.
    static func endGuardianship(child: UUID, guardian: UUID, reason: CorrectionReason, note: String, by administrator: UUID,
                                on connection: PostgresConnection) throws -> CorrectionResource? {
        try connection.query("""
            WITH ended AS (
                DELETE FROM guardianships WHERE child_id = \(child) AND guardian_id = \(guardian)
                RETURNING child_id, guardian_id, parental_responsibility, daily_care, source, recorded_by, recorded_at
            )
            INSERT INTO register_corrections (id, kind, child_id, guardian_id, parental_responsibility, daily_care, guardianship_source,
                                              guardianship_recorded_by, guardianship_recorded_at, reason, note, corrected_by)
            SELECT \(UUID()), 'guardianship_ended', child_id, guardian_id, parental_responsibility, daily_care, source, recorded_by, recorded_at,
                   \(reason.rawValue), \(note), \(administrator)
            FROM ended
            RETURNING \(correctionColumns)
            """).first.map(correction)
    }

    /// Ends a consent as a correction: it stops covering anyone now (withdrawn, unless the
    /// family withdrew it already) and says why. Nil when there is no such consent or it is
    /// already ended.
    static func endConsent(_ consentId: UUID, reason: CorrectionReason, note: String, by administrator: UUID,
                           on connection: PostgresConnection) throws -> CorrectionResource? {
        try connection.query("""
            WITH ended AS (
                UPDATE consents SET withdrawn_at = coalesce(withdrawn_at, now()), withdrawn_by = coalesce(withdrawn_by, \(administrator)),
                       ended_reason = \(reason.rawValue)
                WHERE id = \(consentId) AND ended_reason IS NULL
                RETURNING id, child_id
            )
            INSERT INTO register_corrections (id, kind, child_id, consent_id, reason, note, corrected_by)
            SELECT \(UUID()), 'consent_ended', child_id, id, \(reason.rawValue), \(note), \(administrator) FROM ended
            RETURNING \(correctionColumns)
            """).first.map(correction)
    }

    static func consentExists(_ id: UUID, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("SELECT 1 FROM consents WHERE id = \(id)").isEmpty
    }

    /// The service of each active unit among `ids`.
    static func unitServices(_ ids: [UUID], on connection: PostgresConnection) throws -> [UUID: ServiceKind] {
        try TransitionRoutes.unitServices(ids, on: connection)
    }

    /// The consent and one `consent_givers` row per giver (each guardian, and the young person).
    static func insertConsent(_ body: ChildRoutes.ConsentBody, id: UUID, information: [InformationCategory], rule: ConsentGiverRule,
                              recordedBy: UUID, youngPersonId: UUID?, on connection: PostgresConnection) throws {
        let youngPerson = body.youngPersonConsented ?? false
        try connection.execute("""
            INSERT INTO consents (id, child_id, given_by, young_person_consented, services, arena_ids, unit_ids, information, valid_from, valid_until,
                                  method, recorded_by, guardian_rule)
            VALUES (\(id), \(body.childId), \(body.givenBy), \(youngPerson), \(body.services.map(\.rawValue)), \(body.arenaIds ?? []),
                    \(body.unitIds ?? []), \(information.map(\.rawValue)), \(body.validFrom), \(body.validUntil), \(body.method.rawValue), \(recordedBy),
                    \(rule.rawValue))
            """)
        try connection.execute("""
            INSERT INTO consent_givers (consent_id, party, person_id, method, given_at, recorded_by)
            SELECT \(id), 'guardian', g, \(body.method.rawValue), now(), \(recordedBy) FROM unnest(\(body.givenBy)) AS g
            """)
        if youngPerson {
            try connection.execute("""
                INSERT INTO consent_givers (consent_id, party, person_id, method, given_at, recorded_by)
                VALUES (\(id), 'young_person', \(youngPersonId), \(body.method.rawValue), now(), \(recordedBy))
                """)
        }
    }
}
