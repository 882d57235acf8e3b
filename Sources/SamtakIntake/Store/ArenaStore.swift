import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

/// Arenas: who takes part in them.
enum ArenaStore {
    /// The arenas among `arenaIds` that `principal` takes part in (by person, by role in a
    /// unit, or as the arena's owner), in one statement that reads only the participation rows
    /// that can be the principal's (an arena of every employee has a thousand).
    static func arenasTakingPart(_ principal: Principal, among arenaIds: [UUID], on connection: PostgresConnection) throws -> Set<UUID> {
        guard let statement = arenasTakingPartStatement(principal, among: arenaIds) else { return [] }
        var arenas: Set<UUID> = []
        for row in try connection.query(statement) {
            let arenaId = try row.decode(UUID.self, 0)
            if try row.decode(UUID?.self, 3) == principal.personId { arenas.insert(arenaId); continue }
            if let unit = try row.decode(UUID?.self, 1), let role = try row.decode(String?.self, 2).flatMap(Role.init(rawValue:)),
               principal.hasRole(role, in: unit) { arenas.insert(arenaId) }
        }
        return arenas
    }

    /// ``arenasTakingPart(_:among:on:)``'s statement (nil: no arenas, nothing to ask).
    static func arenasTakingPartStatement(_ principal: Principal, among arenaIds: [UUID]) -> SQL? {
        guard !arenaIds.isEmpty else { return nil }
        return SQL("""
            SELECT arena_id, unit_id, role, person_id FROM arena_participants
            WHERE arena_id = ANY(\(arenaIds)) AND (person_id = \(principal.personId) OR unit_id = ANY(\(Array(principal.unitIds))))
            UNION ALL
            SELECT id, NULL, NULL, owner_person_id FROM arenas WHERE id = ANY(\(arenaIds)) AND owner_person_id IS NOT NULL
            """).prepared
    }
}

extension ArenaStore {
    /// What calling an arena's meeting "etter behov" decides on.
    struct CallFacts: Sendable {
        var kind: ArenaKind
        var active: Bool
        var hasRhythm: Bool
        var ownerPersonId: UUID?
        var ownerUnitId: UUID
    }

    static func callFacts(_ id: UUID, on connection: PostgresConnection) throws -> CallFacts? {
        try connection.query(SQL("""
            SELECT kind, active, rrule IS NOT NULL, owner_person_id, owner_unit_id FROM arenas WHERE id = \(id)
            """).prepared).first.map { row throws(PostgresError) in
            CallFacts(kind: try row.decode(ArenaKind.self, 0), active: try row.decode(Bool.self, 1), hasRhythm: try row.decode(Bool.self, 2),
                      ownerPersonId: try row.decode(UUID?.self, 3), ownerUnitId: try row.decode(UUID.self, 4))
        }
    }
}

/// The arena's own statements (``ArenaRoutes``): identity, settings, participants, the
/// municipality's school holidays. Rows come back in the API's shape (nothing to redact).
extension ArenaStore {
    static func insert(_ id: UUID, name: String, kind: ArenaKind, ownerUnitId: UUID, ownerPersonId: UUID?, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO arenas (id, name, kind, owner_unit_id, owner_person_id) VALUES (\(id), \(name), \(kind.rawValue), \(ownerUnitId), \(ownerPersonId))
            """)
    }

    /// Locks the arena's row; its version, nil when there is no such arena.
    static func lockVersion(_ id: UUID, on connection: PostgresConnection) throws -> Int? {
        try connection.query(SQL("SELECT version FROM arenas WHERE id = \(id) FOR UPDATE").prepared).first?.decode(Int.self, 0)
    }

    /// New identity and version + 1; its participants are cleared (``writeSettings`` writes them again).
    static func updateIdentity(_ id: UUID, name: String, kind: ArenaKind, ownerUnitId: UUID, ownerPersonId: UUID?, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE arenas SET name = \(name), kind = \(kind.rawValue), owner_unit_id = \(ownerUnitId),
                owner_person_id = \(ownerPersonId), version = version + 1, updated_at = now() WHERE id = \(id)
            """)
        try connection.execute("DELETE FROM arena_participants WHERE arena_id = \(id)")
    }

    /// Deactivates an active arena; its new version, nil when it was not active.
    static func deactivate(_ id: UUID, on connection: PostgresConnection) throws -> Int? {
        try connection.query("""
            UPDATE arenas SET active = false, version = version + 1, updated_at = now() WHERE id = \(id) AND active RETURNING version
            """).first?.decode(Int.self, 0)
    }

    /// A page of arena ids (`after`: the keyset condition), optionally of a kind and an owning unit.
    static func ids(kind: String?, ownerUnitId: UUID?, after: SQL, limit: Int, on connection: PostgresConnection) throws -> [UUID] {
        var filter: SQL = ""
        if let kind { filter = filter + " AND kind = \(kind)" }
        if let ownerUnitId { filter = filter + " AND owner_unit_id = \(ownerUnitId)" }
        return try connection.query("""
            SELECT id FROM arenas WHERE true \(filter) \(after) ORDER BY created_at, id LIMIT \(limit)
            """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    static func insertSchoolHoliday(_ id: UUID, schoolYear: String, name: String, firstDay: LocalDate, lastDay: LocalDate,
                                    on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO school_holidays (id, school_year, name, first_day, last_day)
            VALUES (\(id), \(schoolYear), \(name), \(firstDay), \(lastDay))
            """)
    }

    static func schoolHolidays(year: String?, on connection: PostgresConnection) throws -> [ArenaRoutes.SchoolHolidayResource] {
        let filter: SQL = year.map { " WHERE school_year = \($0)" } ?? ""
        return try connection.query("SELECT id, school_year, name, first_day, last_day FROM school_holidays \(filter) ORDER BY first_day LIMIT 500")
            .map { row throws(PostgresError) in
                ArenaRoutes.SchoolHolidayResource(id: try row.decode(UUID.self, 0), schoolYear: try row.decode(String.self, 1),
                                                  name: try row.decode(String.self, 2), firstDay: try row.decode(LocalDate.self, 3),
                                                  lastDay: try row.decode(LocalDate.self, 4))
            }
    }

    /// Writes everything but identity and version (shared by create and update).
    static func writeSettings(_ arena: ArenaRoutes.ValidArena, id: UUID, on connection: PostgresConnection) throws {
        let body = arena.body
        try connection.execute("""
            UPDATE arenas SET target_group = \(body.targetGroup?.trimmed ?? ""), purpose = \(body.purpose?.trimmed ?? ""),
                frequency_text = \(body.frequencyText?.trimmed ?? ""), rrule = \(arena.rule?.description), series_start = \(body.seriesStart),
                duration_minutes = \(body.durationMinutes ?? 90), location = \(body.location?.trimmed ?? ""), capacity = \(body.capacity ?? 8),
                minutes_per_case = \(body.minutesPerCase ?? 15), submission_deadline_hours = \(body.submissionDeadlineHours ?? 168),
                agenda_lead_hours = \(body.agendaLeadHours ?? 72), cancel_when_empty = \(body.cancelWhenEmpty ?? false),
                holiday_policy = \(arena.holidayPolicy.code), skip_school_holidays = \(body.skipSchoolHolidays ?? false),
                exception_dates = \(body.exceptionDates ?? []), delivery_mode = \((body.deliveryMode ?? .notice).rawValue),
                accepts = \((body.accepts ?? CaseKind.allCases).map(\.rawValue)), young_person_consent_age = \(body.youngPersonConsentAge),
                follow_up_days = \(body.followUpDays ?? ReferralFollowUpRules.defaultDays)
            WHERE id = \(id)
            """)
        for participant in body.participants ?? [] {
            try connection.execute("""
                INSERT INTO arena_participants (id, arena_id, unit_id, role, person_id, presence)
                VALUES (\(UUID()), \(id), \(participant.unitId), \(participant.role?.rawValue), \(participant.personId), \(participant.presence ?? "always"))
                """)
        }
    }

    static func arena(_ id: UUID, on connection: PostgresConnection) throws -> ArenaRoutes.ArenaResource? {
        guard let row = try connection.query("""
            SELECT id, name, kind, owner_unit_id, owner_person_id, target_group, purpose, frequency_text, rrule, series_start,
                   duration_minutes, location, capacity, minutes_per_case, submission_deadline_hours, agenda_lead_hours, cancel_when_empty,
                   holiday_policy, skip_school_holidays, exception_dates, delivery_mode, accepts, young_person_consent_age, version, active,
                   created_at, updated_at, follow_up_days
            FROM arenas WHERE id = \(id)
            """).first else { return nil }
        let participants = try connection.query("""
            SELECT ap.unit_id, ap.role, ap.person_id, ap.presence, u.service
            FROM arena_participants ap LEFT JOIN units u ON u.id = ap.unit_id WHERE ap.arena_id = \(id) ORDER BY ap.id
            """).map { row throws(PostgresError) in
            ArenaRoutes.ParticipantResource(unitId: try row.decode(UUID?.self, 0), role: try row.decode(String?.self, 1).flatMap(Role.init(rawValue:)),
                                personId: try row.decode(UUID?.self, 2), presence: try row.decode(String.self, 3),
                                service: try row.decode(String?.self, 4).flatMap(ServiceKind.init(rawValue:)))
        }
        return ArenaRoutes.ArenaResource(
            id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1), kind: try row.decode(ArenaKind.self, 2),
            ownerUnitId: try row.decode(UUID.self, 3), ownerPersonId: try row.decode(UUID?.self, 4), targetGroup: try row.decode(String.self, 5),
            purpose: try row.decode(String.self, 6), frequencyText: try row.decode(String.self, 7), rrule: try row.decode(String?.self, 8),
            seriesStart: try row.decode(LocalDateTime?.self, 9), durationMinutes: try row.decode(Int.self, 10), location: try row.decode(String.self, 11),
            capacity: try row.decode(Int.self, 12), minutesPerCase: try row.decode(Int.self, 13), submissionDeadlineHours: try row.decode(Int.self, 14),
            agendaLeadHours: try row.decode(Int.self, 15), cancelWhenEmpty: try row.decode(Bool.self, 16), holidayPolicy: try row.decode(String.self, 17),
            skipSchoolHolidays: try row.decode(Bool.self, 18), exceptionDates: try row.decode([LocalDate].self, 19),
            deliveryMode: try row.decode(DeliveryMode.self, 20),
            accepts: try row.decode([String].self, 21).compactMap(CaseKind.init(rawValue:)), youngPersonConsentAge: try row.decode(Int?.self, 22),
            participants: participants, version: try row.decode(Int.self, 23), followUpDays: try row.decode(Int.self, 27),
            active: try row.decode(Bool.self, 24),
            createdAt: try row.decode(Date.self, 25), updatedAt: try row.decode(Date.self, 26)
        )
    }
}
