import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// The statements of meetings called around one child or for an arena without a rhythm
/// (``CalledMeetings``): the arena's settings, the meeting with its participants and items.
extension CalledMeetings {
    static func arena(_ id: UUID, on connection: PostgresConnection) throws -> Arena? {
        guard let row = try connection.query("""
            SELECT id, kind, active, owner_unit_id, duration_minutes, location, capacity, minutes_per_case, agenda_lead_hours, holiday_policy,
                   young_person_consent_age
            FROM arenas WHERE id = \(id)
            """).first else { return nil }
        return Arena(id: try row.decode(UUID.self, 0), kind: try row.decode(ArenaKind.self, 1),
                     active: try row.decode(Bool.self, 2), ownerUnitId: try row.decode(UUID.self, 3), durationMinutes: try row.decode(Int.self, 4),
                     location: try row.decode(String.self, 5), capacity: try row.decode(Int.self, 6), minutesPerCase: try row.decode(Int.self, 7),
                     agendaLeadHours: try row.decode(Int.self, 8), holidayPolicy: HolidayPolicy(code: try row.decode(String.self, 9)) ?? .keep,
                     youngPersonConsentAge: try row.decode(Int?.self, 10))
    }

    /// One planned meeting with its participants and agenda; announces `meeting.called`.
    static func insert(
        _ planned: PlannedMeeting, arena: Arena, childId: UUID?, calledBy: UUID, location: String?, participants: [UUID], items: [Item],
        consentId: UUID?, originCaseId: UUID?, planId: UUID?, seriesId: UUID?, outbox: Outbox, on connection: PostgresConnection
    ) throws -> UUID {
        let id = UUID()
        let place = location.flatMap { $0.isEmpty ? nil : $0 } ?? arena.location
        try connection.execute("""
            INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, location, status, capacity, submission_deadline, agenda_due_at,
                                  child_id, called_by, consent_id, origin_case_id, individual_plan_id, series_id)
            VALUES (\(id), \(arena.id), NULL, \(planned.startsAt), \(planned.endsAt), \(place), 'planned', \(max(arena.capacity, items.count)),
                    \(planned.submissionDeadline), \(planned.agendaDueAt), \(childId), \(calledBy), \(consentId), \(originCaseId), \(planId), \(seriesId))
            """)
        for person in Set(participants) {
            try connection.execute("INSERT INTO meeting_participants (meeting_id, person_id) VALUES (\(id), \(person)) ON CONFLICT DO NOTHING")
        }
        for (index, item) in items.enumerated() {
            try connection.execute("""
                INSERT INTO agenda_items (id, meeting_id, case_id, title, position, presenter_id, minutes_allotted, reason)
                VALUES (\(UUID()), \(id), \(item.caseId), \(item.title), \(index + 1), \(item.presenterId), \(item.minutes ?? arena.minutesPerCase), 'called')
                """)
        }
        try outbox.append(MeetingCalled(meetingId: id, arenaId: arena.id), on: connection)
        return id
    }

    /// The meetings around one child, in time order (at most 500).
    static func meetingIds(aroundChild childId: UUID, on connection: PostgresConnection) throws -> [UUID] {
        try connection.query(SQL("SELECT id FROM meetings WHERE child_id = \(childId) ORDER BY starts_at, id LIMIT 500").prepared)
            .map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    /// The samarbeidsmøte arena to call in: the unit's own, else the first registered.
    static func samarbeidsmoteArenaId(preferring unitId: UUID, on connection: PostgresConnection) throws -> UUID? {
        try connection.query(SQL("""
            SELECT id FROM arenas WHERE kind = 'samarbeidsmote' AND active
            ORDER BY owner_unit_id = \(unitId) DESC, created_at, id LIMIT 1
            """).prepared).first?.decode(UUID.self, 0)
    }
}
