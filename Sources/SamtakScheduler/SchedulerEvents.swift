import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres

/// What the scheduler does with each event it consumes, inside the inbox transaction that
/// records the event (so the effect and "seen" commit together). Events name ids only;
/// every handler reads the current state under locks and acts only if the state still
/// calls for it, so a duplicate, late or out-of-order event changes nothing. Types the
/// scheduler does not act on (including its own announcements) are recorded and ignored.
public struct SchedulerEvents: Sendable {
    let cases: CaseScheduler
    let planner: SeriesPlanner
    let logger: Logger

    public init(cases: CaseScheduler, planner: SeriesPlanner, logger: Logger) {
        self.cases = cases
        self.planner = planner
        self.logger = logger
    }

    /// The event types ``apply(_:on:)`` acts on; it ignores any other (the consumer passes
    /// those over without a transaction: among them the scheduler's own `case.scheduled`,
    /// half of what arrives on `cases`).
    public static let handledTypes: Set<String> = [
        CaseSubmitted.type, ReferralCreated.type, CaseResubmitted.type, CaseWithdrawn.type, MeetingCancelled.type, ArenaChanged.type,
    ]

    public func apply(_ envelope: EventEnvelope, on connection: PostgresConnection) throws {
        switch envelope.type {
        case CaseSubmitted.type:
            try cases.schedule(caseId: try envelope.payload(CaseSubmitted.self).caseId, on: connection)
        case ReferralCreated.type:
            // Only referrals with an intake arena (BUP's weekly intake meeting) go on a meeting.
            let event = try envelope.payload(ReferralCreated.self)
            if event.arenaId != nil { try cases.schedule(caseId: event.caseId, on: connection) }
        case CaseResubmitted.type:
            try cases.schedule(caseId: try envelope.payload(CaseResubmitted.self).caseId, on: connection)
        case CaseWithdrawn.type:
            try cases.withdraw(caseId: try envelope.payload(CaseWithdrawn.self).caseId, on: connection)
        case MeetingCancelled.type:
            try cases.meetingCancelled(meetingId: try envelope.payload(MeetingCancelled.self).meetingId, on: connection)
        case ArenaChanged.type:
            _ = try planner.plan(arenaId: try envelope.payload(ArenaChanged.self).arenaId, on: connection)
        default:
            break
        }
    }
}
