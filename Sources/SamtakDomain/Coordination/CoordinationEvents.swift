import Foundation

// The events of the cooperation around one child (topic `coordination`, key = child id, so
// all of one child's coordination events keep their order on one partition). Identifiers
// and codes only: never names or free text. `meeting.called` is ``MeetingCalled``.

/// A coordinator was assigned to a child (first assignment, or as the result of a handover).
public struct CoordinatorAssigned: DomainEvent, Equatable {
    public static let type = "coordinator.assigned"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var coordinatorId: UUID
    public var personId: UUID
    public var unitId: UUID
    public var kind: CoordinatorKind
    public var handoverId: UUID?
    public var subject: UUID { childId }
    public init(childId: UUID, coordinatorId: UUID, personId: UUID, unitId: UUID, kind: CoordinatorKind, handoverId: UUID? = nil) {
        self.childId = childId; self.coordinatorId = coordinatorId; self.personId = personId; self.unitId = unitId
        self.kind = kind; self.handoverId = handoverId
    }
}

/// The coordinator asked another person to take over (they must accept).
public struct CoordinatorHandoverRequested: DomainEvent, Equatable {
    public static let type = "coordinator.handover_requested"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var handoverId: UUID
    public var fromPersonId: UUID
    public var toPersonId: UUID
    public var subject: UUID { childId }
    public init(childId: UUID, handoverId: UUID, fromPersonId: UUID, toPersonId: UUID) {
        self.childId = childId; self.handoverId = handoverId; self.fromPersonId = fromPersonId; self.toPersonId = toPersonId
    }
}

/// The handover was accepted: `toPersonId` is the coordinator now. Both are notified.
public struct CoordinatorHandedOver: DomainEvent, Equatable {
    public static let type = "coordinator.handed_over"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var handoverId: UUID
    public var fromPersonId: UUID
    public var toPersonId: UUID
    /// The new assignment.
    public var coordinatorId: UUID
    public var subject: UUID { childId }
    public init(childId: UUID, handoverId: UUID, fromPersonId: UUID, toPersonId: UUID, coordinatorId: UUID) {
        self.childId = childId; self.handoverId = handoverId; self.fromPersonId = fromPersonId; self.toPersonId = toPersonId
        self.coordinatorId = coordinatorId
    }
}

/// A pending handover ended without effect: declined by the recipient or cancelled by the coordinator.
public struct CoordinatorHandoverClosed: DomainEvent, Equatable {
    public static let type = "coordinator.handover_closed"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var handoverId: UUID
    public var fromPersonId: UUID
    public var toPersonId: UUID
    public var status: HandoverStatus
    public var subject: UUID { childId }
    public init(childId: UUID, handoverId: UUID, fromPersonId: UUID, toPersonId: UUID, status: HandoverStatus) {
        self.childId = childId; self.handoverId = handoverId; self.fromPersonId = fromPersonId; self.toPersonId = toPersonId
        self.status = status
    }
}

/// The child has no coordinator any more (released, not handed over).
public struct CoordinatorReleased: DomainEvent, Equatable {
    public static let type = "coordinator.released"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var coordinatorId: UUID
    public var personId: UUID
    public var subject: UUID { childId }
    public init(childId: UUID, coordinatorId: UUID, personId: UUID) {
        self.childId = childId; self.coordinatorId = coordinatorId; self.personId = personId
    }
}

/// A coordination log was opened for a child.
public struct LogOpened: DomainEvent, Equatable {
    public static let type = "log.opened"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var logId: UUID
    public var subject: UUID { childId }
    public init(childId: UUID, logId: UUID) { self.childId = childId; self.logId = logId }
}

/// The log is closed and read-only from now on.
public struct LogClosed: DomainEvent, Equatable {
    public static let type = "log.closed"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var logId: UUID
    public var reason: LogCloseReason
    /// The individual plan that took over, if that is why.
    public var individualPlanId: UUID?
    public var subject: UUID { childId }
    public init(childId: UUID, logId: UUID, reason: LogCloseReason, individualPlanId: UUID? = nil) {
        self.childId = childId; self.logId = logId; self.reason = reason; self.individualPlanId = individualPlanId
    }
}

/// A measure was added to a child's log or plan (by hand, or from approved minutes).
public struct MeasureAdded: DomainEvent, Equatable {
    public static let type = "measure.added"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var measureId: UUID
    public var logId: UUID?
    public var planId: UUID?
    public var ownerId: UUID
    public var evaluationDueOn: LocalDate
    public var source: MeasureSource
    /// The meeting whose minutes decided it (source `minutes`).
    public var meetingId: UUID?
    public var subject: UUID { childId }
    public init(childId: UUID, measureId: UUID, logId: UUID?, planId: UUID?, ownerId: UUID, evaluationDueOn: LocalDate,
                source: MeasureSource, meetingId: UUID? = nil) {
        self.childId = childId; self.measureId = measureId; self.logId = logId; self.planId = planId; self.ownerId = ownerId
        self.evaluationDueOn = evaluationDueOn; self.source = source; self.meetingId = meetingId
    }
}

/// A measure was evaluated: it continues (with a new evaluation date), is completed or stopped.
public struct MeasureEvaluated: DomainEvent, Equatable {
    public static let type = "measure.evaluated"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var measureId: UUID
    public var outcome: EvaluationOutcome
    public var nextEvaluationOn: LocalDate?
    public var subject: UUID { childId }
    public init(childId: UUID, measureId: UUID, outcome: EvaluationOutcome, nextEvaluationOn: LocalDate?) {
        self.childId = childId; self.measureId = measureId; self.outcome = outcome; self.nextEvaluationOn = nextEvaluationOn
    }
}

/// A measure is past its evaluation date without an evaluation: its owner and the child's
/// coordinator are reminded (once per evaluation date).
public struct MeasureEvaluationDue: DomainEvent, Equatable {
    public static let type = "measure.evaluation_due"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var measureId: UUID
    public var ownerId: UUID
    /// The child's coordinator (person) when the reminder was raised, if any.
    public var coordinatorPersonId: UUID?
    public var logId: UUID?
    public var planId: UUID?
    public var evaluationDueOn: LocalDate
    public var subject: UUID { childId }
    public init(childId: UUID, measureId: UUID, ownerId: UUID, coordinatorPersonId: UUID?, logId: UUID?, planId: UUID?, evaluationDueOn: LocalDate) {
        self.childId = childId; self.measureId = measureId; self.ownerId = ownerId; self.coordinatorPersonId = coordinatorPersonId
        self.logId = logId; self.planId = planId; self.evaluationDueOn = evaluationDueOn
    }
}

/// An individual plan was created (or changed: `version` > 1).
public struct IndividualPlanChanged: DomainEvent, Equatable {
    public static let type = "individual_plan.changed"
    public static let topic = EventTopic.coordination
    public var childId: UUID
    public var planId: UUID
    public var version: Int
    public var subject: UUID { childId }
    public init(childId: UUID, planId: UUID, version: Int) { self.childId = childId; self.planId = planId; self.version = version }
}

/// A school year's transition meetings for one receiving unit were planned (each meeting
/// is announced with its own `meeting.called`). Key = the season.
public struct TransitionSeasonPlanned: DomainEvent, Equatable {
    public static let type = "transition_season.planned"
    public static let topic = EventTopic.meetings
    public var seasonId: UUID
    public var arenaId: UUID
    public var receivingUnitId: UUID
    public var stage: TransitionStage
    public var meetingIds: [UUID]
    public var namedItems: Int
    public var subject: UUID { seasonId }
    public init(seasonId: UUID, arenaId: UUID, receivingUnitId: UUID, stage: TransitionStage, meetingIds: [UUID], namedItems: Int) {
        self.seasonId = seasonId; self.arenaId = arenaId; self.receivingUnitId = receivingUnitId; self.stage = stage
        self.meetingIds = meetingIds; self.namedItems = namedItems
    }
}
