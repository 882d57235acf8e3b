/// # Cases onto meetings
///
/// The rule: a submitted case goes on the earliest `planned` meeting of its arena whose
/// submission deadline has not passed and that has room (active agenda items < capacity),
/// at the end of the agenda (position = last + 1, minutes from the arena's
/// `minutes_per_case`, presented by the case's owner). The reason says why that meeting:
/// `earliest_open_meeting`, `deadline_passed` (an earlier meeting's deadline had passed),
/// `capacity_full` (earlier open meetings were full). An urgent case takes the first open
/// meeting even when it is full (`over_capacity`, `urgent_over_capacity`). No meeting in
/// the horizon: the case stays `submitted` and reconciliation tries again later.
///
/// ## Why two copies never overfill a meeting
/// 1. The case row is locked (`FOR UPDATE`) and the case is acted on only while `submitted`.
/// 2. Candidates are read without locks (committed state; full meetings, by their
///    `active_items` counter, are skipped there, which is only an ordering decision), then
///    the chosen meeting is locked with `FOR UPDATE ... AND status = 'planned' AND submission_deadline > now()` and its items
///    are counted in a *separate, later* statement. (In READ COMMITTED a statement that
///    waited for a row lock still reads other tables with its old snapshot, so counting
///    in the locking statement could miss the item of the transaction it waited for.)
///    Every writer of a meeting's agenda holds that lock, so the count is exact.
/// 3. `agenda_items_one_per_case` (unique while not removed) makes a second item for one
///    case impossible whatever happens above.
/// Lock order is case → meetings (ascending start) when scheduling, meeting → cases →
/// later meetings when a meeting is cancelled, meeting → case on withdrawal; a rare
/// deadlock between them is broken by PostgreSQL and the transaction is retried.
import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// What scheduling one case did.
public enum SchedulingOutcome: Sendable, Equatable {
    /// On a meeting's agenda now (a `case.scheduled` event was written).
    case scheduled(meetingId: UUID, position: Int, reason: SchedulingReason, overCapacity: Bool)
    /// Submitted, but no meeting of its arena can take it yet (stays submitted).
    case noMeeting
    /// Nothing to do: no such case, no arena, or not in `submitted` (already scheduled, withdrawn ...).
    case notApplicable
}

/// The scheduling rule, applied inside the caller's transaction.
public struct CaseScheduler: Sendable {
    let outbox: Outbox
    let logger: Logger

    public init(outbox: Outbox, logger: Logger) {
        self.outbox = outbox
        self.logger = logger
    }

    /// How many rounds of "the meeting filled up while we looked" before giving up (the
    /// case stays submitted; reconciliation retries).
    static let maximumRounds = 20
    static let candidatesPerRound = 8

    // MARK: Schedule

    /// Puts a submitted case on a meeting (see the rule above). Idempotent: a case that is
    /// not `submitted` is left alone.
    @discardableResult
    public func schedule(caseId: UUID, on connection: PostgresConnection) throws -> SchedulingOutcome {
        guard let row = try connection.query(SQL("""
            SELECT c.status, c.arena_id, c.urgent, c.owner_id, a.minutes_per_case
            FROM cases c LEFT JOIN arenas a ON a.id = c.arena_id
            WHERE c.id = \(caseId) FOR UPDATE OF c
            """).prepared).first else { return .notApplicable }
        guard try row.decode(String.self, 0) == CaseStatus.submitted.rawValue, let arenaId = try row.decode(UUID?.self, 1) else {
            return .notApplicable
        }
        let subject = CaseOnAgenda(caseId: caseId, arenaId: arenaId, urgent: try row.decode(Bool.self, 2),
                                   presenterId: try row.decode(UUID.self, 3), minutes: try row.decode(Int?.self, 4) ?? 15)
        guard let placement = try place(subject, after: nil, on: connection) else {
            return .noMeeting
        }
        try connection.execute(SQL("""
            UPDATE cases SET status = 'scheduled', updated_at = now() WHERE id = \(caseId)
            """).prepared)
        try outbox.append(CaseScheduled(caseId: caseId, meetingId: placement.meetingId, arenaId: arenaId, position: placement.position,
                                        reason: placement.reason, overCapacity: placement.overCapacity), on: connection)
        return .scheduled(meetingId: placement.meetingId, position: placement.position, reason: placement.reason, overCapacity: placement.overCapacity)
    }

    /// A case and what its agenda item needs.
    struct CaseOnAgenda {
        var caseId: UUID
        var arenaId: UUID
        var urgent: Bool
        var presenterId: UUID
        var minutes: Int
    }

    struct Placement {
        var meetingId: UUID
        var position: Int
        var reason: SchedulingReason
        var overCapacity: Bool
    }

    /// An open meeting that may take the case, with what lies before it (for the reason).
    struct Candidate {
        var meetingId: UUID
        /// An earlier planned meeting's submission deadline has passed.
        var closedBefore: Bool
        /// An earlier planned meeting is still open (so it was full).
        var openBefore: Bool

        init(_ row: PostgresRow) throws(PostgresError) {
            meetingId = try row.decode(UUID.self, 0)
            closedBefore = try row.decode(Bool.self, 1)
            openBefore = try row.decode(Bool.self, 2)
        }

        var reason: SchedulingReason { openBefore ? .capacityFull : closedBefore ? .deadlinePassed : .earliestOpenMeeting }
    }

    /// The open meetings of an arena in start order (starting after `after`), `roomOnly`:
    /// only those whose committed item count (`active_items`, kept by a trigger,
    /// Schema/0008) is below capacity. No locks.
    private func candidates(_ arenaId: UUID, after: Date, roomOnly: Bool, limit: Int, on connection: PostgresConnection) throws -> [Candidate] {
        try connection.query(SQL("""
            SELECT m.id,
                   EXISTS (SELECT 1 FROM meetings e WHERE e.arena_id = m.arena_id AND e.status = 'planned' AND e.starts_at > now()
                           AND e.starts_at > \(after) AND (e.starts_at, e.id) < (m.starts_at, m.id) AND e.submission_deadline <= now()),
                   EXISTS (SELECT 1 FROM meetings e WHERE e.arena_id = m.arena_id AND e.status = 'planned'
                           AND e.starts_at > \(after) AND (e.starts_at, e.id) < (m.starts_at, m.id) AND e.submission_deadline > now())
            FROM meetings m
            WHERE m.arena_id = \(arenaId) AND m.status = 'planned' AND m.submission_deadline > now() AND m.starts_at > \(after)
              AND (NOT \(roomOnly) OR m.active_items < m.capacity)
            ORDER BY m.starts_at, m.id LIMIT \(limit)
            """).prepared).map(Candidate.init)
    }

    /// Finds the meeting, locks it, inserts the item. `after`: only meetings starting later
    /// (the start of a cancelled meeting whose cases move on); its reason is then `meeting_cancelled`.
    func place(_ subject: CaseOnAgenda, after: Date?, on connection: PostgresConnection) throws -> Placement? {
        let after = after ?? Date(timeIntervalSince1970: 0)
        let movedOn = after.timeIntervalSince1970 > 0
        for _ in 0..<Self.maximumRounds {
            // Urgent: the first open meeting, full or not. Otherwise: open meetings that look as if they have room.
            let found = try candidates(subject.arenaId, after: after, roomOnly: !subject.urgent,
                                       limit: subject.urgent ? 1 : Self.candidatesPerRound, on: connection)
            if found.isEmpty { return nil }
            for candidate in found {
                // Filled, cancelled or closed since we looked: try the next (its lock is released at commit).
                guard let agenda = try lockAgenda(candidate.meetingId, on: connection) else { continue }
                let over = agenda.count >= agenda.capacity
                if over && !subject.urgent { continue }
                let reason: SchedulingReason = over ? .urgentOverCapacity : movedOn ? .meetingCancelled : candidate.reason
                return try insertItem(subject, meetingId: candidate.meetingId, position: agenda.lastPosition + 1, reason: reason,
                                      overCapacity: over, on: connection)
            }
        }
        logger.warning("meetings kept filling up while scheduling a case; leaving it to reconciliation", metadata: [
            "case_id": "\(subject.caseId)", "arena_id": "\(subject.arenaId)",
        ])
        return nil
    }

    struct LockedAgenda {
        var capacity: Int
        var count: Int
        var lastPosition: Int
    }

    /// Locks a meeting that can still take cases and counts its active items (after the lock).
    func lockAgenda(_ meetingId: UUID, on connection: PostgresConnection) throws -> LockedAgenda? {
        guard let meeting = try connection.query(SQL("""
            SELECT capacity FROM meetings WHERE id = \(meetingId) AND status = 'planned' AND submission_deadline > now() FOR UPDATE
            """).prepared).first else { return nil }
        let capacity = try meeting.decode(Int.self, 0)
        // A new statement, so a new snapshot: it sees whatever the previous lock holder committed.
        guard let counts = try connection.query(SQL("""
            SELECT count(*)::int8, coalesce(max(position), 0)::int8 FROM agenda_items WHERE meeting_id = \(meetingId) AND removed_at IS NULL
            """).prepared).first else { return nil }
        return LockedAgenda(capacity: capacity, count: try counts.decode(Int.self, 0), lastPosition: try counts.decode(Int.self, 1))
    }

    private func insertItem(_ subject: CaseOnAgenda, meetingId: UUID, position: Int, reason: SchedulingReason, overCapacity: Bool,
                            on connection: PostgresConnection) throws -> Placement {
        // The placement's trace (the case's submission, when traced): the agenda's publication continues it.
        try connection.execute(SQL("""
            INSERT INTO agenda_items (id, meeting_id, case_id, position, presenter_id, minutes_allotted, reason, over_capacity, traceparent)
            VALUES (\(UUID()), \(meetingId), \(subject.caseId), \(position), \(subject.presenterId), \(subject.minutes), \(reason.rawValue),
                    \(overCapacity), \(TracePropagation.traceparent()))
            """).prepared)
        return Placement(meetingId: meetingId, position: position, reason: reason, overCapacity: overCapacity)
    }

    // MARK: Withdrawal

    /// A withdrawn case leaves its agenda (unless the meeting has been held); the items
    /// after it close up; `case.unscheduled` is announced. Returns whether an item was removed.
    @discardableResult
    public func withdraw(caseId: UUID, on connection: PostgresConnection) throws -> Bool {
        // Meeting first, then the case: the order a cancelled meeting's handler uses too.
        guard let found = try connection.query(SQL("""
            SELECT meeting_id FROM agenda_items WHERE case_id = \(caseId) AND removed_at IS NULL AND completed_at IS NULL
            """).prepared).first else { return false }
        let meetingId = try found.decode(UUID.self, 0)
        guard let meeting = try connection.query(SQL("SELECT status FROM meetings WHERE id = \(meetingId) FOR UPDATE").prepared).first,
              let status = MeetingStatus(rawValue: try meeting.decode(String.self, 0)) else { return false }
        guard let row = try connection.query(SQL("SELECT status FROM cases WHERE id = \(caseId) FOR UPDATE").prepared).first,
              try row.decode(String.self, 0) == CaseStatus.withdrawn.rawValue else { return false }
        if status == .held || status == .minutesApproved { return false }
        guard let item = try connection.query(SQL("""
            UPDATE agenda_items SET removed_at = now(), removed_reason = 'withdrawn'
            WHERE case_id = \(caseId) AND meeting_id = \(meetingId) AND removed_at IS NULL RETURNING position
            """).prepared).first else { return false }
        try closeUp(meetingId, after: try item.decode(Int.self, 0), on: connection)
        try outbox.append(CaseUnscheduled(caseId: caseId, meetingId: meetingId, reason: "withdrawn"), on: connection)
        return true
    }

    private func closeUp(_ meetingId: UUID, after position: Int, on connection: PostgresConnection) throws {
        try connection.execute(SQL("""
            UPDATE agenda_items SET position = position - 1 WHERE meeting_id = \(meetingId) AND removed_at IS NULL AND position > \(position)
            """).prepared)
    }

    // MARK: Cancelled meeting

    /// The cases of a cancelled meeting move, in their agenda order, to the next meetings
    /// of the arena by the same rule (reason `meeting_cancelled`); a case that finds none
    /// goes back to `submitted` with `case.unscheduled`. Returns one outcome per case moved.
    @discardableResult
    public func meetingCancelled(meetingId: UUID, on connection: PostgresConnection) throws -> [UUID: SchedulingOutcome] {
        guard let meeting = try connection.query(SQL("""
            SELECT arena_id, status, starts_at FROM meetings WHERE id = \(meetingId) FOR UPDATE
            """).prepared).first, try meeting.decode(String.self, 1) == MeetingStatus.cancelled.rawValue else { return [:] }
        let arenaId = try meeting.decode(UUID.self, 0)
        let startsAt = try meeting.decode(Date.self, 2)
        let minutes = try connection.query(SQL("SELECT minutes_per_case FROM arenas WHERE id = \(arenaId)").prepared).first?.decode(Int.self, 0) ?? 15
        let items = try connection.query(SQL("""
            SELECT case_id FROM agenda_items WHERE meeting_id = \(meetingId) AND removed_at IS NULL AND case_id IS NOT NULL ORDER BY position, created_at
            """).prepared).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
        var outcomes: [UUID: SchedulingOutcome] = [:]
        for caseId in items {
            guard let row = try connection.query(SQL("""
                SELECT status, urgent, owner_id FROM cases WHERE id = \(caseId) FOR UPDATE
                """).prepared).first else { continue }
            try connection.execute(SQL("""
                UPDATE agenda_items SET removed_at = now(), removed_reason = 'meeting_cancelled'
                WHERE case_id = \(caseId) AND meeting_id = \(meetingId) AND removed_at IS NULL
                """).prepared)
            guard try row.decode(String.self, 0) == CaseStatus.scheduled.rawValue else {
                // Withdrawn (or decided) while on the cancelled meeting: it only leaves the agenda.
                try outbox.append(CaseUnscheduled(caseId: caseId, meetingId: meetingId, reason: "meeting_cancelled"), on: connection)
                continue
            }
            let subject = CaseOnAgenda(caseId: caseId, arenaId: arenaId, urgent: try row.decode(Bool.self, 1),
                                       presenterId: try row.decode(UUID.self, 2), minutes: minutes)
            if let placement = try place(subject, after: startsAt, on: connection) {
                try connection.execute(SQL("UPDATE cases SET updated_at = now() WHERE id = \(caseId)").prepared)
                try outbox.append(CaseScheduled(caseId: caseId, meetingId: placement.meetingId, arenaId: arenaId, position: placement.position,
                                                reason: placement.reason, overCapacity: placement.overCapacity), on: connection)
                outcomes[caseId] = .scheduled(meetingId: placement.meetingId, position: placement.position, reason: placement.reason,
                                              overCapacity: placement.overCapacity)
            } else {
                try connection.execute(SQL("UPDATE cases SET status = 'submitted', updated_at = now() WHERE id = \(caseId)").prepared)
                try outbox.append(CaseUnscheduled(caseId: caseId, meetingId: meetingId, reason: "meeting_cancelled"), on: connection)
                outcomes[caseId] = .noMeeting
            }
        }
        if !items.isEmpty {
            logger.info("moved the cases of a cancelled meeting", metadata: ["meeting_id": "\(meetingId)", "cases": "\(items.count)"])
        }
        return outcomes
    }
}
