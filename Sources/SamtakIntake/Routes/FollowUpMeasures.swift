import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// The follow-up actions (oppfølgingstiltak) of approved minutes become measures in the
/// child's coordination log, inside the approval's transaction (`measure.added` each;
/// idempotent per action through `coordination_measures.follow_up_action_id`).
///
/// Which child: the meeting's own (a samarbeidsmøte or ansvarsgruppe around one child), or
/// the named child of the case the action was decided for (a ressursteam's named case).
/// Where: the individual plan the meeting serves; else the child's open log; else the
/// child's active plan. A meeting around one child opens a log when there is none (the
/// meeting is itself the family's consented cooperation); a named case on another arena
/// adds to an existing log or plan only: a stafettlogg is offered to the family, never
/// started behind their back by a ressursteam decision.
///
/// The measure: the action's text, its responsible person as owner (else whoever called
/// the meeting, else the approver), from the meeting's date, evaluated on the action's due
/// date (else six weeks after the meeting).
enum FollowUpMeasures {
    static func apply(meeting: MeetingStore.Row, principal: Principal, outbox: Outbox, on connection: PostgresConnection,
                      requestId: String?) throws {
        let actions = try MeetingStore.followUpActions(meeting.id, on: connection)
        let meetingDate = OsloTime.localDate(at: meeting.startsAt)
        var children: [UUID: CoordinationStore.ChildFacts] = [:]
        for action in actions {
            guard let childId = meeting.childId ?? action.caseChild else { continue }
            guard let container = try container(for: childId, meeting: meeting, principal: principal, outbox: outbox, on: connection) else { continue }
            if children[childId] == nil { children[childId] = try CoordinationStore.child(childId, on: connection) }
            guard let child = children[childId] else { continue }
            let owner = action.responsible ?? meeting.calledBy ?? principal.personId
            let service = try CoordinationStore.participantFacts([owner], child: child.relations, on: connection)[owner].flatMap { facts in
                CoordinationPolicy.covering(facts.memberships, consents: child.consents, childUnitId: child.relations.unitId, at: Date())?.membership.service
            }
            let due = max(action.due ?? MeasureRules.defaultEvaluationDate(after: meetingDate), meetingDate)
            guard let measureId = try CoordinationStore.addMeasure(.init(
                childId: childId, logId: container.logId, planId: container.planId, description: action.description, ownerId: owner,
                service: service, startsOn: meetingDate, evaluationDueOn: due, source: .minutes, meetingId: meeting.id,
                followUpActionId: action.id, createdBy: principal.personId), outbox: outbox, on: connection) else { continue }
            let access = CoordinationStore.logAccess(principal, child)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "coordination_measure", resourceId: measureId,
                                 childId: childId, basis: access.basis ?? .participant, consentId: access.consentId ?? meeting.consentId,
                                 requestId: requestId)
        }
    }

    /// The log and/or plan the child's measures go to (see the type's rules); nil: none.
    static func container(for childId: UUID, meeting: MeetingStore.Row, principal: Principal, outbox: Outbox,
                          on connection: PostgresConnection) throws -> (logId: UUID?, planId: UUID?)? {
        if let planId = meeting.individualPlanId, try IndividualPlanStore.isActive(planId, on: connection) {
            return (nil, planId)
        }
        if let logId = try CoordinationStore.openLogId(of: childId, on: connection) { return (logId, nil) }
        if let planId = try IndividualPlanStore.activeId(ofChild: childId, on: connection) {
            return (nil, planId)
        }
        guard meeting.childId == childId,
              let logId = try CoordinationStore.openLog(childId: childId, by: principal.personId, outbox: outbox, on: connection) else { return nil }
        return (logId, nil)
    }
}
