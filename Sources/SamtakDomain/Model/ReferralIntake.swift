import Foundation

/// # BUP's weekly intake and the follow-up of rejected referrals (issue 16, seed 003)
///
/// A referral to BUP goes to the municipality's local intake meeting (the `bup_intake`
/// arena: PPT, child welfare, the health station, the municipal psychologist and BUP). The
/// meeting answers each referral in its minutes; approving the minutes applies the answers:
///
/// ```
///  submitted ─schedule─▶ scheduled ─accepted─▶ closed (intake_decision accepted)
///                            │ └─────rejected─▶ closed (intake_decision rejected) + follow-up task (open)
///                            └─needs_more_information─▶ awaiting_information ─referrer completes (resubmit)─▶ submitted
///                                                        (notice to the referrer)             (next intake meeting)
/// ```
/// (``CaseStatus/applying(_:)`` holds the case's transitions; ``IntakeDecision`` the answer.)
///
/// **Follow-up task** of a rejected referral (``FollowUpTaskStatus``):
/// `open ─close(outcome)─▶ closed`, and `open` past its due date is reported once
/// (`overdue_reported_at`). Its owner is a municipal person (``ReferralFollowUpRules/mayOwn``:
/// PPT, the health station or child welfare); its due date is the decision's day plus the
/// arena's `follow_up_days` (default 14).
///
/// Tables (`Schema/0018_intake_follow_up.sql`): `referral_follow_ups` (one per rejected
/// referral: case, meeting, arena, owner, due_on, status, outcome, outcome_note, closed_by/at,
/// overdue_reported_at), `referral_details.information_requested` (what the meeting asked for),
/// `arenas.follow_up_days`.
///
/// **Notes** (`referral_notes`): the municipality adds what it knows to a referral before or in
/// the meeting, as a named service (the author's unit); ``ReferralFollowUpRules/mayAddNote``.
///
/// Events (topic `coordination`, identifiers and codes only): `referral.note_added`, `referral.information_requested`
/// (notice to the referrer), `referral_follow_up.created` (notice to the owner),
/// `referral_follow_up.closed`, `referral_follow_up.overdue` (notice to the owner and the
/// arena's owner, once).
public enum FollowUpTaskStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case open
    case closed
}

/// How the municipality followed up a rejected referral.
public enum FollowUpOutcome: String, Codable, Sendable, CaseIterable, Hashable {
    /// Another municipal service was offered.
    case otherServiceOffered = "other_service_offered"
    /// A samarbeidsmøte was called around the child.
    case samarbeidsmoteCalled = "samarbeidsmote_called"
    /// A new referral was sent.
    case newReferral = "new_referral"
    /// Nothing further: the reason must be written.
    case noFurtherAction = "no_further_action"

    /// Whether the outcome needs a written reason.
    public var requiresReason: Bool { self == .noFurtherAction }
}

public struct InvalidFollowUpClose: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable { case alreadyClosed = "already_closed", reasonRequired = "reason_required" }
    public var reason: Reason
    public init(reason: Reason) { self.reason = reason }
    public var description: String {
        switch reason {
        case .alreadyClosed: "the follow-up task is already closed"
        case .reasonRequired: "no further action needs a reason"
        }
    }
}

public enum ReferralFollowUpRules {
    /// The default number of days from the rejection to the follow-up's due date.
    public static let defaultDays = 14
    /// The range an arena may configure.
    public static let dayRange = 1...120

    /// The municipal services whose people may own a follow-up (seed 003: the municipality
    /// follows up the cases BUP rejects).
    public static let owningServices: Set<ServiceKind> = [.ppt, .healthStation, .childWelfare]

    /// Whether `principal` may own a follow-up task: staff working in PPT, the health station
    /// or child welfare.
    public static func mayOwn(_ principal: Principal) -> Bool {
        principal.kind == .staff && principal.memberships.contains { owningServices.contains($0.service) && $0.role != .administrator }
    }

    /// Who adds a note to a referral: staff taking part in its intake arena who may see the
    /// referral in full (the referral's own consent rules), writing as one of their units.
    public static func mayAddNote(_ principal: Principal, unitId: UUID, isArenaParticipant: Bool, seesReferralInFull: Bool) -> Bool {
        principal.kind == .staff && isArenaParticipant && seesReferralInFull
            && principal.memberships.contains { $0.unitId == unitId && $0.role != .administrator }
    }

    /// The due date: `days` after the decision's day (Europe/Oslo).
    public static func dueDate(decidedOn day: LocalDate, days: Int) -> LocalDate {
        day.adding(days: days)
    }

    public static func isOverdue(dueOn: LocalDate, status: FollowUpTaskStatus, today: LocalDate) -> Bool {
        status == .open && dueOn < today
    }

    /// Closing a task: only an open one, and "no further action" only with a reason.
    public static func close(_ status: FollowUpTaskStatus, outcome: FollowUpOutcome, reason: String) throws(InvalidFollowUpClose) -> FollowUpTaskStatus {
        guard status == .open else { throw InvalidFollowUpClose(reason: .alreadyClosed) }
        if outcome.requiresReason && reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw InvalidFollowUpClose(reason: .reasonRequired)
        }
        return .closed
    }

    /// Open tasks in the list's order: overdue first, then by due date (then id, stable).
    public static func listOrder<T>(_ items: [T], today: LocalDate, dueOn: (T) -> LocalDate, id: (T) -> UUID) -> [T] {
        items.sorted { a, b in
            let aOver = dueOn(a) < today, bOver = dueOn(b) < today
            if aOver != bOver { return aOver }
            if dueOn(a) != dueOn(b) { return dueOn(a) < dueOn(b) }
            return id(a).uuidString < id(b).uuidString
        }
    }
}

/// What BUP requires of a referral (seed 003; issue 16): who has parental responsibility and
/// daily care, who consented, the question to be assessed, what has been tried and the
/// services the child has now. One rule for the API's check and the intake meeting's view.
public enum ReferralCompleteness {
    public struct Guardian: Sendable, Hashable {
        public var id: UUID
        public var parentalResponsibility: Bool
        public var dailyCare: Bool
        public init(id: UUID, parentalResponsibility: Bool, dailyCare: Bool) {
            self.id = id; self.parentalResponsibility = parentalResponsibility; self.dailyCare = dailyCare
        }
    }

    public struct Content: Sendable {
        public var question: String?
        public var measuresTried: String?
        public var currentServices: [ServiceKind]?
        public var parentalResponsibility: [UUID]?
        public var dailyCare: [UUID]?
        public var consentedBy: [UUID]?
        public init(question: String?, measuresTried: String?, currentServices: [ServiceKind]?, parentalResponsibility: [UUID]?,
                    dailyCare: [UUID]?, consentedBy: [UUID]?) {
            self.question = question; self.measuresTried = measuresTried; self.currentServices = currentServices
            self.parentalResponsibility = parentalResponsibility; self.dailyCare = dailyCare; self.consentedBy = consentedBy
        }
    }

    /// A gap: the field, a rule code and an English message (the API's words; pages say it in bokmål).
    public struct Gap: Sendable, Hashable {
        public var field: String
        public var rule: String
        public var message: String
    }

    /// The fields a referral's completeness is shown for, in the form's order.
    public static let fields = ["parental_responsibility", "daily_care", "consented_by", "question", "measures_tried", "current_services"]

    public static func gaps(_ content: Content, guardians: [Guardian]) -> [Gap] {
        var gaps: [Gap] = []
        func add(_ field: String, _ rule: String, _ message: String) { gaps.append(Gap(field: field, rule: rule, message: message)) }
        let responsibility = Set(guardians.filter(\.parentalResponsibility).map(\.id))
        let care = Set(guardians.filter(\.dailyCare).map(\.id))
        if let given = content.parentalResponsibility {
            if Set(given) != responsibility {
                add("parental_responsibility", "mismatch", "must list exactly the guardians registered with parental responsibility (\(responsibility.count))")
            }
        } else { add("parental_responsibility", "missing", "the referral must say who has parental responsibility") }
        if let given = content.dailyCare {
            if Set(given) != care { add("daily_care", "mismatch", "must list exactly the guardians registered with daily care (\(care.count))") }
        } else { add("daily_care", "missing", "the referral must say who has daily care") }
        if let given = content.consentedBy {
            if !responsibility.isSubset(of: Set(given)) {
                add("consented_by", "incomplete", "every guardian with parental responsibility must have consented")
            }
            if !Set(given).isSubset(of: Set(guardians.map(\.id))) { add("consented_by", "not_guardian", "lists someone who is not a registered guardian") }
        } else { add("consented_by", "missing", "the referral must say who consented") }
        if (content.question?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "").isEmpty {
            add("question", "missing", "the referral must say what the receiving service is asked to assess")
        }
        if (content.measuresTried?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "").isEmpty {
            add("measures_tried", "missing", "the referral must say which measures have been tried")
        }
        if content.currentServices == nil {
            add("current_services", "missing", "the referral must list the services the child receives now (an empty list if none)")
        }
        if guardians.isEmpty { add("child_id", "no_guardians", "register the child's guardians before referring") }
        return gaps
    }
}
