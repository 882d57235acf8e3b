/// # Meetings from series
///
/// For every active arena with a rule, the meetings of a rolling horizon (today through
/// today + `horizonDays`, Europe/Oslo dates) exist as rows: `ArenaSchedule` expands the
/// rule (RRULE, EXDATEs, the arena's public-holiday policy, the municipality's school
/// holidays when the arena skips them) and each occurrence is inserted with
/// `ON CONFLICT (arena_id, occurrence_date) DO NOTHING`: the rule's date is the meeting's
/// identity, so planning twice (or from two processes) is harmless, and a meeting the
/// owner cancelled is never re-created. New meetings are only created while cases can
/// still reach them (submission deadline in the future).
///
/// ## Editing a series (and deactivating an arena)
/// The future `planned` series meetings are compared with what the series now says:
/// - unchanged: nothing (an open conflict report on it is resolved);
/// - no active agenda items: time, deadlines, capacity and place are updated
///   (`meeting.moved` with sequence + 1 when the start changed), or the meeting is deleted
///   when the series no longer has it (cancelled with `series_changed` instead if it ever
///   had items, so their history stays);
/// - with active items (or agenda already published): left as it is and reported in
///   `schedule_conflicts` and the log; only a new place and a larger capacity are applied.
/// An inactive arena, or one whose rule was removed, wants no series meetings: same rule.
/// - moved by its organiser (`moved_by_owner_at`, Schema/0021): left entirely as moved; its
///   occurrence date still stands for it, so no second meeting is made for that date.
///
/// ## Concurrency
/// The arena row is locked (`FOR NO KEY UPDATE`: it blocks another planner and the API's
/// edit of the arena, not the foreign-key checks of cases being submitted to it). Meetings
/// that must change are locked in start order before their items are counted (a new
/// statement after the lock), the same order the case scheduler locks them in.
import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// The dates a planning round covers.
public struct PlanningWindow: Sendable, Equatable {
    /// Meetings starting at or before this instant are history: never created or changed.
    public var now: Date
    /// First and last Oslo date of the horizon.
    public var from: LocalDate
    public var through: LocalDate

    public init(now: Date, from: LocalDate, through: LocalDate) {
        self.now = now
        self.from = from
        self.through = through
    }

    /// Today (Oslo) through today + `horizonDays`.
    public init(now: Date = Date(), horizonDays: Int) {
        let today = OsloTime.localDate(at: now)
        self.init(now: now, from: today, through: today.adding(days: horizonDays))
    }
}

/// What one planning round did.
public struct PlanOutcome: Sendable, Equatable {
    public var arenas = 0
    public var inserted = 0
    public var updated = 0
    public var deleted = 0
    public var cancelled = 0
    /// Meetings with cases that the series no longer matches, newly reported.
    public var conflicts = 0
    /// Arenas whose stored rule could not be used (nothing was changed for them).
    public var failed = 0
    public init() {}

    static func + (lhs: PlanOutcome, rhs: PlanOutcome) -> PlanOutcome {
        var sum = lhs
        sum.arenas += rhs.arenas; sum.inserted += rhs.inserted; sum.updated += rhs.updated; sum.deleted += rhs.deleted
        sum.cancelled += rhs.cancelled; sum.conflicts += rhs.conflicts; sum.failed += rhs.failed
        return sum
    }
}

public struct SeriesPlanner: Sendable {
    let outbox: Outbox
    let horizonDays: Int
    let logger: Logger

    public init(outbox: Outbox, horizonDays: Int, logger: Logger) {
        self.outbox = outbox
        self.horizonDays = horizonDays
        self.logger = logger
    }

    /// Plans every arena that has a series, or still has future series meetings (one
    /// transaction per arena, so one arena's trouble never holds back the others).
    public func planAll(pool: PostgresPool, window: PlanningWindow? = nil) async throws -> PlanOutcome {
        let window = window ?? PlanningWindow(horizonDays: horizonDays)
        let (arenaIds, holidays) = try await pool.withConnection { connection in
            let ids = try connection.query(SQL("""
                SELECT a.id FROM arenas a
                WHERE (a.active AND a.rrule IS NOT NULL)
                   OR EXISTS (SELECT 1 FROM meetings m WHERE m.arena_id = a.id AND m.occurrence_date IS NOT NULL
                              AND m.status = 'planned' AND m.starts_at > \(window.now))
                ORDER BY a.id
                """)).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
            return (ids, try Self.schoolHolidays(on: connection))
        }
        var total = PlanOutcome()
        for arenaId in arenaIds {
            let outcome = try await pool.transactionRetryingConflicts { connection in
                try self.plan(arenaId: arenaId, window: window, schoolHolidays: holidays, on: connection)
            }
            total = total + outcome
        }
        if total.inserted + total.updated + total.deleted + total.cancelled + total.conflicts + total.failed > 0 {
            logger.info("planned series meetings", metadata: [
                "arenas": "\(total.arenas)", "inserted": "\(total.inserted)", "updated": "\(total.updated)", "deleted": "\(total.deleted)",
                "cancelled": "\(total.cancelled)", "conflicts": "\(total.conflicts)", "failed": "\(total.failed)",
                "through": "\(window.through)",
            ])
        }
        return total
    }

    /// The municipality's school holidays (all school years; a small table).
    static func schoolHolidays(on connection: PostgresConnection) throws -> [ClosedRange<LocalDate>] {
        try connection.query("SELECT first_day, last_day FROM school_holidays ORDER BY first_day").map { row throws(PostgresError) in
            try row.decode(LocalDate.self, 0)...row.decode(LocalDate.self, 1)
        }
    }

    // MARK: One arena

    /// Plans one arena inside the caller's transaction.
    public func plan(arenaId: UUID, window: PlanningWindow? = nil, schoolHolidays: [ClosedRange<LocalDate>]? = nil,
                     on connection: PostgresConnection) throws -> PlanOutcome {
        let window = window ?? PlanningWindow(horizonDays: horizonDays)
        var outcome = PlanOutcome()
        guard let arena = try ArenaSeriesRow.lock(arenaId, on: connection) else { return outcome }
        outcome.arenas = 1
        let wanted: [LocalDate: PlannedMeeting]
        switch arena.schedule {
        case .none:
            wanted = [:]
        case .invalid(let problem):
            outcome.failed = 1
            logger.error("arena has a rule the planner cannot use; its meetings are left as they are", metadata: [
                "arena_id": "\(arenaId)", "problem": "\(problem)",
            ])
            return outcome
        case .series(let schedule):
            let holidays = try schoolHolidays ?? Self.schoolHolidays(on: connection)
            // A margin on both sides catches occurrences a holiday moved across the window's edges.
            let planned = schedule.plannedMeetings(from: window.from.adding(days: -14), through: window.through.adding(days: 14),
                                                   schoolHolidays: holidays)
            wanted = Dictionary(planned.map { ($0.occurrenceDate, $0) }, uniquingKeysWith: { first, _ in first })
        }

        try reconcileExisting(arena, wanted: wanted, window: window, outcome: &outcome, on: connection)
        outcome.inserted = try insertMissing(arena, wanted: wanted, window: window, on: connection)
        return outcome
    }

    /// Compares the future series meetings with what the series wants, and applies the rule above.
    private func reconcileExisting(_ arena: ArenaSeriesRow, wanted: [LocalDate: PlannedMeeting], window: PlanningWindow,
                                   outcome: inout PlanOutcome, on connection: PostgresConnection) throws {
        let existing = try ExistingMeeting.load(arena: arena.id, after: window.now, through: window.through, on: connection)
        var toChange: [UUID] = []
        var toResolve: [UUID] = []
        for meeting in existing {
            let want = wanted[meeting.occurrenceDate]
            // A published agenda only has to keep its time: place and room are frozen with it.
            if let want, meeting.status == .agendaPublished ? meeting.sameTimes(want) : meeting.matches(want, capacity: arena.capacity, location: arena.location) {
                if meeting.hasOpenConflict { toResolve.append(meeting.id) }
            } else {
                toChange.append(meeting.id)
            }
        }
        if !toResolve.isEmpty {
            try connection.execute("UPDATE schedule_conflicts SET resolved_at = now() WHERE meeting_id = ANY(\(toResolve)) AND resolved_at IS NULL")
        }
        guard !toChange.isEmpty else { return }

        // Lock in start order, then read again: items may have been added since the first look.
        _ = try connection.query("SELECT id FROM meetings WHERE id = ANY(\(toChange)) ORDER BY starts_at, id FOR UPDATE")
        for meeting in try ExistingMeeting.load(ids: toChange, on: connection) where meeting.status == .planned || meeting.status == .agendaPublished {
            let want = wanted[meeting.occurrenceDate]
            let timesChanged = want.map { !meeting.sameTimes($0) } ?? true
            if meeting.activeItems == 0 && meeting.status == .planned {
                if let want {
                    try update(meeting, to: want, arena: arena, moved: timesChanged, on: connection)
                    outcome.updated += 1
                } else if !meeting.hadItems {
                    try connection.execute("DELETE FROM meetings WHERE id = \(meeting.id)")
                    outcome.deleted += 1
                } else {
                    try connection.execute("""
                        UPDATE meetings SET status = 'cancelled', cancelled_reason = 'series_changed', sequence = sequence + 1 WHERE id = \(meeting.id)
                        """)
                    try outbox.append(MeetingCancelled(meetingId: meeting.id, arenaId: arena.id, reason: .seriesChanged), on: connection)
                    outcome.cancelled += 1
                }
                continue
            }
            if !timesChanged {
                // Same time: a new place and more room are safe for a planned meeting with cases;
                // a published agenda has gone out and is left as it is.
                if meeting.status == .planned {
                    try connection.execute("""
                        UPDATE meetings SET location = \(arena.location), capacity = greatest(\(arena.capacity), capacity, \(meeting.activeItems))
                        WHERE id = \(meeting.id)
                        """)
                }
                continue
            }
            let kind = !arena.active ? "arena_inactive" : want == nil ? "not_in_series" : "time_changed"
            if try report(meeting, arena: arena, kind: kind, seriesStartsAt: want?.startsAt, on: connection) { outcome.conflicts += 1 }
        }
    }

    private func update(_ meeting: ExistingMeeting, to want: PlannedMeeting, arena: ArenaSeriesRow, moved: Bool,
                        on connection: PostgresConnection) throws {
        let sequence = try connection.query("""
            UPDATE meetings SET starts_at = \(want.startsAt), ends_at = \(want.endsAt), submission_deadline = \(want.submissionDeadline),
                agenda_due_at = \(want.agendaDueAt), capacity = \(arena.capacity), location = \(arena.location),
                sequence = sequence + \(moved ? 1 : 0)
            WHERE id = \(meeting.id) RETURNING sequence
            """).first?.decode(Int.self, 0) ?? 0
        try connection.execute("UPDATE schedule_conflicts SET resolved_at = now() WHERE meeting_id = \(meeting.id) AND resolved_at IS NULL")
        if moved {
            try outbox.append(MeetingMoved(meetingId: meeting.id, arenaId: arena.id, sequence: sequence), on: connection)
        }
    }

    /// Records a conflict once per (meeting, arena version, kind); returns true when new.
    private func report(_ meeting: ExistingMeeting, arena: ArenaSeriesRow, kind: String, seriesStartsAt: Date?,
                        on connection: PostgresConnection) throws -> Bool {
        let inserted = try connection.execute("""
            INSERT INTO schedule_conflicts (id, arena_id, meeting_id, arena_version, kind, series_starts_at, active_items)
            VALUES (\(UUID()), \(arena.id), \(meeting.id), \(arena.version), \(kind), \(seriesStartsAt), \(meeting.activeItems))
            ON CONFLICT (meeting_id, arena_version, kind) DO NOTHING
            """)
        guard inserted == 1 else { return false }
        try connection.execute("""
            UPDATE schedule_conflicts SET resolved_at = now()
            WHERE meeting_id = \(meeting.id) AND resolved_at IS NULL AND (arena_version, kind) <> (\(arena.version), \(kind))
            """)
        logger.warning("series change not applied to a meeting that has cases; reported for the arena's owner", metadata: [
            "arena_id": "\(arena.id)", "meeting_id": "\(meeting.id)", "kind": "\(kind)", "active_items": "\(meeting.activeItems)",
            "arena_version": "\(arena.version)",
        ])
        return true
    }

    /// Inserts the wanted meetings of the window that can still take cases; returns how many were new.
    private func insertMissing(_ arena: ArenaSeriesRow, wanted: [LocalDate: PlannedMeeting], window: PlanningWindow,
                               on connection: PostgresConnection) throws -> Int {
        let fresh = wanted.values
            .filter { $0.occurrenceDate >= window.from && $0.occurrenceDate <= window.through && $0.submissionDeadline > window.now }
            .sorted { $0.startsAt < $1.startsAt }
        guard !fresh.isEmpty else { return 0 }
        func seconds(_ date: Date) -> Int { Int(date.timeIntervalSince1970.rounded()) }
        return try connection.execute("""
            INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, location, capacity, submission_deadline, agenda_due_at)
            SELECT u.id, \(arena.id), u.occurrence, to_timestamp(u.starts), to_timestamp(u.ends), \(arena.location), \(arena.capacity),
                   to_timestamp(u.deadline), to_timestamp(u.due)
            FROM unnest(\(fresh.map { _ in UUID() })::uuid[], \(fresh.map(\.occurrenceDate))::date[], \(fresh.map { seconds($0.startsAt) })::int8[],
                        \(fresh.map { seconds($0.endsAt) })::int8[], \(fresh.map { seconds($0.submissionDeadline) })::int8[],
                        \(fresh.map { seconds($0.agendaDueAt) })::int8[]) AS u(id, occurrence, starts, ends, deadline, due)
            ON CONFLICT (arena_id, occurrence_date) DO NOTHING
            """)
    }
}

// MARK: - Rows

/// An arena's series settings, read under the arena's row lock.
struct ArenaSeriesRow {
    enum Schedule {
        case none
        case invalid(String)
        case series(ArenaSchedule)
    }

    var id: UUID
    var active: Bool
    var version: Int
    var capacity: Int
    var location: String
    var schedule: Schedule

    static func lock(_ id: UUID, on connection: PostgresConnection) throws -> ArenaSeriesRow? {
        guard let row = try connection.query(SQL("""
            SELECT rrule, series_start, duration_minutes, location, capacity, submission_deadline_hours, agenda_lead_hours,
                   holiday_policy, skip_school_holidays, exception_dates, active, version
            FROM arenas WHERE id = \(id) FOR NO KEY UPDATE
            """).prepared).first else { return nil }
        let active = try row.decode(Bool.self, 10)
        var schedule = Schedule.none
        if active, let text = try row.decode(String?.self, 0), let start = try row.decode(LocalDateTime?.self, 1) {
            do {
                let rule = try RecurrenceRule(parsing: text)
                guard let policy = HolidayPolicy(code: try row.decode(String.self, 7)) else {
                    throw PlannerProblem("unknown holiday policy")
                }
                schedule = .series(ArenaSchedule(
                    rule: rule, start: start, durationMinutes: try row.decode(Int.self, 2), holidayPolicy: policy,
                    skipSchoolHolidays: try row.decode(Bool.self, 8), exceptionDates: Set(try row.decode([LocalDate].self, 9)),
                    submissionDeadlineHours: try row.decode(Int.self, 5), agendaLeadHours: try row.decode(Int.self, 6)
                ))
            } catch let error as RecurrenceRuleParseError {
                schedule = .invalid("\(error)")
            } catch let error as PlannerProblem {
                schedule = .invalid(error.description)
            }
        }
        return ArenaSeriesRow(id: id, active: active, version: try row.decode(Int.self, 11), capacity: try row.decode(Int.self, 4),
                              location: try row.decode(String.self, 3), schedule: schedule)
    }
}

struct PlannerProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A future series meeting as the planner compares it.
struct ExistingMeeting {
    var id: UUID
    var occurrenceDate: LocalDate
    var startsAt: Date
    var endsAt: Date
    var submissionDeadline: Date
    var agendaDueAt: Date
    var capacity: Int
    var location: String
    var status: MeetingStatus
    var activeItems: Int
    var hadItems: Bool
    var hasOpenConflict: Bool

    static let columns: SQL = """
        m.id, m.occurrence_date, m.starts_at, m.ends_at, m.submission_deadline, m.agenda_due_at, m.capacity, m.location, m.status,
        (SELECT count(*) FROM agenda_items ai WHERE ai.meeting_id = m.id AND ai.removed_at IS NULL)::int8,
        EXISTS (SELECT 1 FROM agenda_items ai WHERE ai.meeting_id = m.id),
        EXISTS (SELECT 1 FROM schedule_conflicts sc WHERE sc.meeting_id = m.id AND sc.resolved_at IS NULL)
        """

    /// The arena's series meetings that are still ahead and not held or cancelled.
    static func load(arena: UUID, after now: Date, through: LocalDate, on connection: PostgresConnection) throws -> [ExistingMeeting] {
        try connection.query("""
            SELECT \(columns) FROM meetings m
            WHERE m.arena_id = \(arena) AND m.occurrence_date IS NOT NULL AND m.occurrence_date <= \(through) AND m.moved_by_owner_at IS NULL
              AND m.status IN ('planned', 'agenda_published') AND m.starts_at > \(now)
            ORDER BY m.starts_at, m.id
            """).map(row)
    }

    static func load(ids: [UUID], on connection: PostgresConnection) throws -> [ExistingMeeting] {
        try connection.query("SELECT \(columns) FROM meetings m WHERE m.id = ANY(\(ids)) ORDER BY m.starts_at, m.id").map(row)
    }

    static func row(_ row: PostgresRow) throws(PostgresError) -> ExistingMeeting {
        ExistingMeeting(
            id: try row.decode(UUID.self, 0), occurrenceDate: try row.decode(LocalDate.self, 1), startsAt: try row.decode(Date.self, 2),
            endsAt: try row.decode(Date.self, 3), submissionDeadline: try row.decode(Date.self, 4), agendaDueAt: try row.decode(Date.self, 5),
            capacity: try row.decode(Int.self, 6), location: try row.decode(String.self, 7),
            status: try row.decode(MeetingStatus.self, 8), activeItems: try row.decode(Int.self, 9),
            hadItems: try row.decode(Bool.self, 10), hasOpenConflict: try row.decode(Bool.self, 11)
        )
    }

    func sameTimes(_ want: PlannedMeeting) -> Bool {
        func same(_ a: Date, _ b: Date) -> Bool { abs(a.timeIntervalSince(b)) < 0.5 }
        return same(startsAt, want.startsAt) && same(endsAt, want.endsAt) && same(submissionDeadline, want.submissionDeadline)
            && same(agendaDueAt, want.agendaDueAt)
    }

    func matches(_ want: PlannedMeeting, capacity: Int, location: String) -> Bool {
        sameTimes(want) && self.location == location && (self.capacity == capacity || (activeItems > 0 && self.capacity > capacity))
    }
}
