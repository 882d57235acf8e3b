import Foundation

/// A coordination log: `open` (measures and notes can be added) → `closed` (read-only).
public enum CoordinationLogStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case open, closed
}

/// Why a log was closed.
public enum LogCloseReason: String, Codable, Sendable, CaseIterable, Hashable {
    /// An individual plan takes over (its open measures move into the plan).
    case individualPlan = "individual_plan"
    case goalsReached = "goals_reached"
    case familyWithdrew = "family_withdrew"
    case movedAway = "moved_away"
    case other
}

public enum LogNoteKind: String, Codable, Sendable, CaseIterable, Hashable {
    /// Framdrift: how things are going.
    case progress
    /// Overgang: a change of school, service or phase.
    case transition
    /// Written by the system when the coordinator role is handed over.
    case handover
}

/// A measure (tiltak):
///
/// ```
///  active ──evaluate(continue, new date)──▶ active (reminder re-armed)
///     ├────evaluate(completed)──────────▶ completed
///     └────evaluate(stopped)────────────▶ stopped
/// ```
public enum MeasureStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case active, completed, stopped
}

public enum EvaluationOutcome: String, Codable, Sendable, CaseIterable, Hashable {
    case `continue`
    case completed
    case stopped
}

public enum MeasureSource: String, Codable, Sendable, CaseIterable, Hashable {
    case manual
    /// A follow-up action of approved minutes.
    case minutes
}

public enum MeasureRuleError: Error, Sendable, Hashable, CustomStringConvertible {
    case evaluationBeforeStart
    case startTooFarBack
    case evaluationTooFarAhead
    case notActive(MeasureStatus)
    case nextEvaluationRequired
    case nextEvaluationNotAllowed
    case nextEvaluationNotAfterToday

    public var field: String {
        switch self {
        case .evaluationBeforeStart, .evaluationTooFarAhead: "evaluation_due_on"
        case .startTooFarBack: "starts_on"
        case .notActive: "status"
        case .nextEvaluationRequired, .nextEvaluationNotAllowed, .nextEvaluationNotAfterToday: "next_evaluation_on"
        }
    }

    public var rule: String {
        switch self {
        case .evaluationBeforeStart, .startTooFarBack, .evaluationTooFarAhead, .nextEvaluationNotAfterToday: "range"
        case .notActive: "measure_not_active"
        case .nextEvaluationRequired: "required"
        case .nextEvaluationNotAllowed: "not_allowed"
        }
    }

    public var description: String {
        switch self {
        case .evaluationBeforeStart: "must not be before starts_on"
        case .startTooFarBack: "must be within the last five years"
        case .evaluationTooFarAhead: "must be within three years of starts_on"
        case .notActive(let status): "the measure is \(status.rawValue); only an active measure is evaluated"
        case .nextEvaluationRequired: "a measure that continues needs its next evaluation date"
        case .nextEvaluationNotAllowed: "only a measure that continues gets a next evaluation date"
        case .nextEvaluationNotAfterToday: "must be after today"
        }
    }
}

public enum MeasureRules {
    /// A new measure's dates: evaluated on or after it starts, within sensible bounds.
    public static func validate(startsOn: LocalDate, evaluationDueOn: LocalDate, today: LocalDate) -> [MeasureRuleError] {
        var errors: [MeasureRuleError] = []
        if evaluationDueOn < startsOn { errors.append(.evaluationBeforeStart) }
        if startsOn < today.adding(years: -5) { errors.append(.startTooFarBack) }
        if evaluationDueOn > startsOn.adding(years: 3) { errors.append(.evaluationTooFarAhead) }
        return errors
    }

    /// The status after an evaluation.
    public static func evaluate(_ status: MeasureStatus, outcome: EvaluationOutcome, nextEvaluationOn: LocalDate?, today: LocalDate)
        throws(MeasureRuleError) -> MeasureStatus {
        guard status == .active else { throw .notActive(status) }
        switch outcome {
        case .continue:
            guard let next = nextEvaluationOn else { throw .nextEvaluationRequired }
            guard next > today else { throw .nextEvaluationNotAfterToday }
            return .active
        case .completed, .stopped:
            guard nextEvaluationOn == nil else { throw .nextEvaluationNotAllowed }
            return outcome == .completed ? .completed : .stopped
        }
    }

    /// Past its evaluation date: the day after `evaluationDueOn` (Oslo) the owner and the
    /// coordinator are reminded, once per date, while the measure is active and its log
    /// (or plan) is open.
    public static func isEvaluationDue(status: MeasureStatus, evaluationDueOn: LocalDate, alreadyReminded: Bool,
                                       containerOpen: Bool, today: LocalDate) -> Bool {
        status == .active && !alreadyReminded && containerOpen && evaluationDueOn < today
    }

    /// A follow-up action without a due date is evaluated six weeks after the meeting.
    public static func defaultEvaluationDate(after meetingDate: LocalDate) -> LocalDate { meetingDate.adding(days: 42) }
}
