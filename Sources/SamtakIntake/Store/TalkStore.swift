import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

extension TalkKind: StoredCode {}

/// Talk rounds (utviklingssamtaler, foreldresamtaler): the SQL of `talk_rounds`, `talk_slots`,
/// `talk_bookings` and `talk_summaries` (design: `SamtakDomain/Talks/TalkRound.swift`,
/// `Schema/0019_talk_rounds.sql`). Rows only; ``TalkRoutes`` decides with the domain's rules.
/// Every change writes its event through the caller's outbox in the same transaction.
enum TalkStore {
    struct RoundRow: Sendable {
        var id: UUID
        var kind: TalkKind
        var unitId: UUID
        var unitName: String
        var grade: Int
        var schoolYear: String
        var teacherId: UUID
        var teacherName: String
    }

    struct SlotRow: Sendable {
        var id: UUID
        var roundId: UUID
        var startsAt: LocalDateTime
        var endsAt: LocalDateTime
        var slot: TalkSlot { TalkSlot(date: startsAt.date, start: startsAt.time, end: endsAt.time) }
    }

    struct BookingRow: Sendable {
        var slotId: UUID
        var childId: UUID
        var bookedBy: UUID
        var pupilAttends: Bool
        var interpreterLanguage: String?
    }

    struct SummaryRow: Sendable {
        var slotId: UUID
        var childId: UUID
        var heldOn: LocalDate
        var agreedSchool: String
        var agreedHome: String
        var agreedPupil: String
    }

    struct Pupil: Sendable {
        var id: UUID
        var name: String
    }

    /// Everything a round's page needs, read in a fixed number of statements.
    struct RoundFacts: Sendable {
        var round: RoundRow
        var slots: [SlotRow]
        var bookings: [UUID: BookingRow]
        var summaries: [UUID: SummaryRow]
        var pupils: [Pupil]
        /// The pupils the caller has parental responsibility for.
        var inCare: Set<UUID>
    }

    // MARK: Reads

    static func unitService(_ unitId: UUID, on connection: PostgresConnection) throws -> ServiceKind? {
        try connection.query(SQL("SELECT service FROM units WHERE id = \(unitId) AND active").prepared).first?.decode(ServiceKind.self, 0)
    }

    /// The class's pupils (the children of the unit and grade), by name.
    static func pupils(unitId: UUID, grade: Int, on connection: PostgresConnection) throws -> [Pupil] {
        try connection.query(SQL("""
            SELECT id, name FROM children WHERE unit_id = \(unitId) AND grade = \(grade) AND duplicate_of IS NULL ORDER BY name, id
            """).prepared).map { row throws(PostgresError) in Pupil(id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1)) }
    }

    /// Of `children`, those `personId` has parental responsibility for.
    static func inCare(_ personId: UUID, among children: [UUID], on connection: PostgresConnection) throws -> Set<UUID> {
        guard !children.isEmpty else { return [] }
        return Set(try connection.query(SQL("""
            SELECT child_id FROM guardianships WHERE guardian_id = \(personId) AND parental_responsibility AND child_id = ANY(\(children))
            """).prepared).map { row throws(PostgresError) in try row.decode(UUID.self, 0) })
    }

    static func round(_ id: UUID, on connection: PostgresConnection) throws -> RoundRow? {
        try connection.query(SQL("""
            SELECT r.id, r.kind, r.unit_id, u.name, r.grade, r.school_year, r.teacher_id, p.name
            FROM talk_rounds r JOIN units u ON u.id = r.unit_id JOIN people p ON p.id = r.teacher_id
            WHERE r.id = \(id)
            """).prepared).first.map(roundRow)
    }

    private static func roundRow(_ row: PostgresRow) throws(PostgresError) -> RoundRow {
        RoundRow(id: try row.decode(UUID.self, 0), kind: try row.decode(TalkKind.self, 1), unitId: try row.decode(UUID.self, 2),
                 unitName: try row.decode(String.self, 3), grade: try row.decode(Int.self, 4), schoolYear: try row.decode(String.self, 5),
                 teacherId: try row.decode(UUID.self, 6), teacherName: try row.decode(String.self, 7))
    }

    /// The round, its slots, bookings, summaries and pupils, and which pupils `personId` cares for: six statements.
    static func facts(_ id: UUID, viewer personId: UUID, on connection: PostgresConnection) throws -> RoundFacts? {
        guard let round = try round(id, on: connection) else { return nil }
        let slots = try connection.query(SQL("""
            SELECT id, round_id, starts_at, ends_at FROM talk_slots WHERE round_id = \(id) ORDER BY starts_at
            """).prepared).map(slotRow)
        var bookings: [UUID: BookingRow] = [:]
        for row in try connection.query(SQL("""
            SELECT slot_id, child_id, booked_by, pupil_attends, interpreter_language FROM talk_bookings WHERE round_id = \(id)
            """).prepared) {
            let booking = try bookingRow(row)
            bookings[booking.slotId] = booking
        }
        var summaries: [UUID: SummaryRow] = [:]
        for row in try connection.query(SQL("""
            SELECT s.slot_id, s.child_id, s.held_on, s.agreed_school, s.agreed_home, s.agreed_pupil
            FROM talk_summaries s JOIN talk_bookings b ON b.slot_id = s.slot_id WHERE b.round_id = \(id)
            """).prepared) {
            let summary = SummaryRow(slotId: try row.decode(UUID.self, 0), childId: try row.decode(UUID.self, 1), heldOn: try row.decode(LocalDate.self, 2),
                                     agreedSchool: try row.decode(String.self, 3), agreedHome: try row.decode(String.self, 4),
                                     agreedPupil: try row.decode(String.self, 5))
            summaries[summary.slotId] = summary
        }
        let pupils = try pupils(unitId: round.unitId, grade: round.grade, on: connection)
        let inCare = try inCare(personId, among: pupils.map(\.id), on: connection)
        return RoundFacts(round: round, slots: slots, bookings: bookings, summaries: summaries, pupils: pupils, inCare: inCare)
    }

    private static func slotRow(_ row: PostgresRow) throws(PostgresError) -> SlotRow {
        SlotRow(id: try row.decode(UUID.self, 0), roundId: try row.decode(UUID.self, 1), startsAt: try row.decode(LocalDateTime.self, 2),
                endsAt: try row.decode(LocalDateTime.self, 3))
    }

    private static func bookingRow(_ row: PostgresRow) throws(PostgresError) -> BookingRow {
        BookingRow(slotId: try row.decode(UUID.self, 0), childId: try row.decode(UUID.self, 1), bookedBy: try row.decode(UUID.self, 2),
                   pupilAttends: try row.decode(Bool.self, 3), interpreterLanguage: try row.decode(String?.self, 4))
    }

    /// A slot, its booking and whether a summary is written, the booking row locked (`FOR UPDATE`).
    static func slot(_ slotId: UUID, on connection: PostgresConnection) throws -> (slot: SlotRow, booking: BookingRow?, summaryWritten: Bool)? {
        guard let slot = try connection.query(SQL("SELECT id, round_id, starts_at, ends_at FROM talk_slots WHERE id = \(slotId)").prepared)
            .first.map(slotRow) else { return nil }
        let booking = try connection.query(SQL("""
            SELECT slot_id, child_id, booked_by, pupil_attends, interpreter_language FROM talk_bookings WHERE slot_id = \(slotId) FOR UPDATE
            """).prepared).first.map(bookingRow)
        let summary = try !connection.query(SQL("SELECT 1 FROM talk_summaries WHERE slot_id = \(slotId)").prepared).isEmpty
        return (slot, booking, summary)
    }

    /// The pupil's current booking in the round, if any (locked).
    static func booking(round roundId: UUID, child childId: UUID, on connection: PostgresConnection) throws -> (booking: BookingRow, slot: SlotRow)? {
        guard let row = try connection.query(SQL("""
            SELECT b.slot_id, b.child_id, b.booked_by, b.pupil_attends, b.interpreter_language, s.id, s.round_id, s.starts_at, s.ends_at
            FROM talk_bookings b JOIN talk_slots s ON s.id = b.slot_id
            WHERE b.round_id = \(roundId) AND b.child_id = \(childId) FOR UPDATE OF b
            """).prepared).first else { return nil }
        let slot = SlotRow(id: try row.decode(UUID.self, 5), roundId: try row.decode(UUID.self, 6), startsAt: try row.decode(LocalDateTime.self, 7),
                           endsAt: try row.decode(LocalDateTime.self, 8))
        return (try bookingRow(row), slot)
    }

    /// The rounds `teacherId` planned, those of the units `leaderUnits` (their leader manages them) and those of the classes of
    /// `childClasses` (a guardian's children), newest first: the rounds the caller may open.
    static func rounds(teacherId: UUID, leaderUnits unitIds: [UUID], childClasses: [(unitId: UUID, grade: Int)],
                       on connection: PostgresConnection) throws -> [RoundRow] {
        let units = childClasses.map(\.unitId), grades = childClasses.map(\.grade)
        return try connection.query(SQL("""
            SELECT r.id, r.kind, r.unit_id, u.name, r.grade, r.school_year, r.teacher_id, p.name
            FROM talk_rounds r JOIN units u ON u.id = r.unit_id JOIN people p ON p.id = r.teacher_id
            WHERE r.teacher_id = \(teacherId) OR r.unit_id = ANY(\(unitIds))
               OR (r.unit_id, r.grade) IN (SELECT * FROM unnest(\(units)::uuid[], \(grades)::int[]))
            ORDER BY r.created_at DESC, r.id LIMIT 100
            """).prepared).map(roundRow)
    }

    /// The children `personId` has parental responsibility for, with their class.
    static func childrenInCare(_ personId: UUID, on connection: PostgresConnection) throws -> [(id: UUID, name: String, unitId: UUID, grade: Int)] {
        try connection.query(SQL("""
            SELECT c.id, c.name, c.unit_id, c.grade FROM guardianships g JOIN children c ON c.id = g.child_id
            WHERE g.guardian_id = \(personId) AND g.parental_responsibility AND c.unit_id IS NOT NULL AND c.grade IS NOT NULL
            ORDER BY c.name, c.id
            """).prepared).map { row throws(PostgresError) in
            (try row.decode(UUID.self, 0), try row.decode(String.self, 1), try row.decode(UUID.self, 2), try row.decode(Int.self, 3))
        }
    }

    /// Talks held by `children` (a summary written, or the talk's end passed with the booking standing).
    static func heldTalks(of children: [UUID], now: LocalDateTime, on connection: PostgresConnection) throws -> [(child: UUID, date: LocalDate)] {
        guard !children.isEmpty else { return [] }
        return try connection.query(SQL("""
            SELECT b.child_id, s.starts_at::date FROM talk_bookings b JOIN talk_slots s ON s.id = b.slot_id
            LEFT JOIN talk_summaries su ON su.slot_id = b.slot_id
            WHERE b.child_id = ANY(\(children)) AND (su.slot_id IS NOT NULL OR s.ends_at <= \(now))
            """).prepared).map { row throws(PostgresError) in (try row.decode(UUID.self, 0), try row.decode(LocalDate.self, 1)) }
    }

    /// The school's holidays, named ranges for the planner.
    static func schoolHolidays(on connection: PostgresConnection) throws -> [(name: String, days: ClosedRange<LocalDate>)] {
        try connection.query(SQL("SELECT name, first_day, last_day FROM school_holidays ORDER BY first_day LIMIT 500").prepared).compactMap {
            row throws(PostgresError) -> (name: String, days: ClosedRange<LocalDate>)? in
            let first = try row.decode(LocalDate.self, 1), last = try row.decode(LocalDate.self, 2)
            return first <= last ? (try row.decode(String.self, 0), first...last) : nil
        }
    }

    /// Each round's first and last day.
    static func roundDays(_ roundIds: [UUID], on connection: PostgresConnection) throws -> [UUID: [LocalDate]] {
        guard !roundIds.isEmpty else { return [:] }
        var days: [UUID: [LocalDate]] = [:]
        for row in try connection.query(SQL("""
            SELECT round_id, min(starts_at)::date, max(starts_at)::date FROM talk_slots WHERE round_id = ANY(\(roundIds)) GROUP BY round_id
            """).prepared) {
            days[try row.decode(UUID.self, 0)] = [try row.decode(LocalDate.self, 1), try row.decode(LocalDate.self, 2)]
        }
        return days
    }

    // MARK: Writes

    /// Stores a planned round with its slots.
    static func insertRound(kind: TalkKind, unitId: UUID, grade: Int, schoolYear: String, teacherId: UUID, plan: TalkRoundPlan,
                            slots: [TalkSlot], on connection: PostgresConnection) throws -> UUID {
        let id = UUID()
        let planJSON = String(decoding: (try? EventJSON.encoder().encode(plan)) ?? Data("{}".utf8), as: UTF8.self)
        try connection.execute(SQL("""
            INSERT INTO talk_rounds (id, kind, unit_id, grade, school_year, teacher_id, plan)
            VALUES (\(id), \(kind.rawValue), \(unitId), \(grade), \(schoolYear), \(teacherId), \(planJSON)::jsonb)
            """).prepared)
        let ids = slots.map { _ in UUID() }
        let starts = slots.map { LocalDateTime(date: $0.date, time: $0.start).description }
        let ends = slots.map { LocalDateTime(date: $0.date, time: $0.end).description }
        try connection.execute(SQL("""
            INSERT INTO talk_slots (id, round_id, starts_at, ends_at)
            SELECT s.id, \(id), s.starts_at, s.ends_at FROM unnest(\(ids)::uuid[], \(starts)::timestamp[], \(ends)::timestamp[]) AS s (id, starts_at, ends_at)
            """))
        return id
    }

    /// Books the slot for the pupil. False when another booking got the slot (or the pupil
    /// another slot) first: the primary key on the slot decides, also between concurrent
    /// transactions (the later insert waits for the earlier to commit, then inserts nothing).
    static func book(slotId: UUID, roundId: UUID, childId: UUID, bookedBy: UUID, pupilAttends: Bool, interpreterLanguage: String?,
                     outbox: Outbox, on connection: PostgresConnection) throws -> Bool {
        let inserted = try connection.execute(SQL("""
            INSERT INTO talk_bookings (slot_id, round_id, child_id, booked_by, pupil_attends, interpreter_language)
            VALUES (\(slotId), \(roundId), \(childId), \(bookedBy), \(pupilAttends), \(interpreterLanguage))
            ON CONFLICT DO NOTHING
            """).prepared)
        guard inserted == 1 else { return false }
        try outbox.append(TalkBooked(roundId: roundId, slotId: slotId, childId: childId), on: connection)
        return true
    }

    /// Moves the pupil's booking from `from` to `to`, keeping its choices; false when `to` was taken first.
    static func move(from: BookingRow, to slotId: UUID, roundId: UUID, bookedBy: UUID, pupilAttends: Bool, interpreterLanguage: String?,
                     outbox: Outbox, on connection: PostgresConnection) throws -> Bool {
        try connection.execute(SQL("DELETE FROM talk_bookings WHERE slot_id = \(from.slotId)").prepared)
        let inserted = try connection.execute(SQL("""
            INSERT INTO talk_bookings (slot_id, round_id, child_id, booked_by, pupil_attends, interpreter_language)
            VALUES (\(slotId), \(roundId), \(from.childId), \(bookedBy), \(pupilAttends), \(interpreterLanguage))
            ON CONFLICT DO NOTHING
            """).prepared)
        guard inserted == 1 else { return false }
        try outbox.append(TalkMoved(roundId: roundId, fromSlotId: from.slotId, toSlotId: slotId, childId: from.childId), on: connection)
        return true
    }

    static func cancel(_ booking: BookingRow, roundId: UUID, outbox: Outbox, on connection: PostgresConnection) throws {
        try connection.execute(SQL("DELETE FROM talk_bookings WHERE slot_id = \(booking.slotId)").prepared)
        try outbox.append(TalkCancelled(roundId: roundId, slotId: booking.slotId, childId: booking.childId), on: connection)
    }

    /// Writes (or rewrites) the talk's summary.
    static func writeSummary(slot: SlotRow, childId: UUID, school: String, home: String, pupil: String, by personId: UUID,
                             on connection: PostgresConnection) throws {
        try connection.execute(SQL("""
            INSERT INTO talk_summaries (slot_id, child_id, held_on, agreed_school, agreed_home, agreed_pupil, written_by)
            VALUES (\(slot.id), \(childId), \(slot.startsAt.date), \(school), \(home), \(pupil), \(personId))
            ON CONFLICT (slot_id) DO UPDATE SET agreed_school = excluded.agreed_school, agreed_home = excluded.agreed_home,
                agreed_pupil = excluded.agreed_pupil, written_by = excluded.written_by, written_at = now()
            """).prepared)
    }
}
