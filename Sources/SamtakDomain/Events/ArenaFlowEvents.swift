import Foundation

/// A school set up a team around one pupil against bullying (seed 003, issue 18). Ids only.
public struct BullyingTeamEstablished: DomainEvent, Equatable {
    public static let type = "bullying_team.established"
    public static let topic = EventTopic.coordination
    public var teamId: UUID
    public var childId: UUID
    public var subject: UUID { childId }
    public init(teamId: UUID, childId: UUID) { self.teamId = teamId; self.childId = childId }
}

/// The rektor delegated the formal responsibility for a team against bullying (or took it back).
public struct BullyingResponsibilityDelegated: DomainEvent, Equatable {
    public static let type = "bullying_team.responsibility_delegated"
    public static let topic = EventTopic.coordination
    public var teamId: UUID
    public var childId: UUID
    public var subject: UUID { childId }
    public init(teamId: UUID, childId: UUID) { self.teamId = teamId; self.childId = childId }
}

/// A kindergarten asked Drøftingsteam barnehage for observation or a reflecting team in a case.
public struct DiscussionTeamRequested: DomainEvent, Equatable {
    public static let type = "discussion_team.requested"
    public static let topic = EventTopic.cases
    public var caseId: UUID
    public var mode: DiscussionTeam.Mode
    public var subject: UUID { caseId }
    public init(caseId: UUID, mode: DiscussionTeam.Mode) { self.caseId = caseId; self.mode = mode }
}

/// The drøftingsteam recorded its feedback to the kindergarten after an observation.
public struct DiscussionTeamFeedbackGiven: DomainEvent, Equatable {
    public static let type = "discussion_team.feedback_given"
    public static let topic = EventTopic.cases
    public var caseId: UUID
    public var subject: UUID { caseId }
    public init(caseId: UUID) { self.caseId = caseId }
}
