import Foundation

/// Every event Samtak publishes: its CloudEvents `type`, topic and payload type. The
/// AsyncAPI document (`Sources/SamtakIntake/asyncapi.yaml`, served at `/asyncapi.yaml`)
/// describes exactly these; a test holds the two together (and this list to the event
/// types declared in the sources), and checks that each payload as encoded validates
/// against its schema.
public enum EventCatalogue {
    public struct Entry: Sendable {
        public var type: String
        public var topic: EventTopic
        public var payload: any DomainEvent.Type
    }

    public static let all: [Entry] = [
        entry(CaseSubmitted.self), entry(ReferralCreated.self), entry(CaseWithdrawn.self), entry(CaseResubmitted.self),
        entry(CaseScheduled.self), entry(CaseUnscheduled.self), entry(CaseDecided.self),
        entry(ConsentRecorded.self), entry(ConsentWithdrawn.self), entry(ConsentEnded.self),
        entry(GuardianshipRecorded.self), entry(GuardianshipEnded.self),
        entry(ArenaChanged.self),
        entry(MeetingCalled.self), entry(MeetingCancelled.self), entry(MeetingMoved.self), entry(MeetingParticipantInvited.self), entry(MeetingParticipantRemoved.self),
        entry(AgendaPublished.self),
        entry(MinutesApproved.self), entry(MinutesOverdue.self), entry(TransitionSeasonPlanned.self),
        entry(NotificationFailed.self),
        entry(CoordinatorAssigned.self), entry(CoordinatorHandoverRequested.self), entry(CoordinatorHandedOver.self),
        entry(CoordinatorHandoverClosed.self), entry(CoordinatorReleased.self), entry(LogOpened.self), entry(LogClosed.self),
        entry(MeasureAdded.self), entry(MeasureEvaluated.self), entry(MeasureEvaluationDue.self), entry(IndividualPlanChanged.self),
        entry(ConsentProposed.self), entry(YoungPersonLinked.self),
        entry(ReferralInformationRequested.self), entry(ReferralFollowUpCreated.self), entry(ReferralFollowUpClosed.self),
        entry(ReferralFollowUpOverdue.self), entry(ReferralNoteAdded.self),
        entry(TalkBooked.self), entry(TalkMoved.self), entry(TalkCancelled.self), entry(TalkReminderDue.self),
        entry(ConsentProposalCancelled.self), entry(BullyingTeamEstablished.self), entry(BullyingResponsibilityDelegated.self),
        entry(DiscussionTeamRequested.self), entry(DiscussionTeamFeedbackGiven.self),
    ] + DocumentKind.allCases.map { Entry(type: "\($0.rawValue).sent", topic: DocumentSent.topic, payload: DocumentSent.self) }

    /// The type an event of this payload is announced under, when it is not the payload's own
    /// `type` (one struct, several types: ``DocumentSent``).
    public static let umbrellaTypes: Set<String> = [DocumentSent.type]

    private static func entry<Event: DomainEvent>(_ payload: Event.Type) -> Entry {
        Entry(type: Event.type, topic: Event.topic, payload: payload)
    }
}
