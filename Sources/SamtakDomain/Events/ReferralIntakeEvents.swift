import Foundation

// MARK: BUP intake (issue 16; topic `coordination`, key = the referral's case id). Ids and codes only.

/// The intake meeting asked the referrer for more information (the referral waits in
/// `awaiting_information`); the notifier tells the referrer.
public struct ReferralInformationRequested: DomainEvent, Equatable {
    public static let type = "referral.information_requested"
    public static let topic = EventTopic.coordination
    public var caseId: UUID
    public var meetingId: UUID
    /// Who submitted the referral (the notice goes to them).
    public var referrerId: UUID
    public var subject: UUID { caseId }
    public init(caseId: UUID, meetingId: UUID, referrerId: UUID) {
        self.caseId = caseId; self.meetingId = meetingId; self.referrerId = referrerId
    }
}

/// A rejected referral's follow-up task was created; the notifier tells its owner.
public struct ReferralFollowUpCreated: DomainEvent, Equatable {
    public static let type = "referral_follow_up.created"
    public static let topic = EventTopic.coordination
    public var followUpId: UUID
    public var caseId: UUID
    public var arenaId: UUID
    public var ownerId: UUID
    public var dueOn: LocalDate
    public var subject: UUID { caseId }
    public init(followUpId: UUID, caseId: UUID, arenaId: UUID, ownerId: UUID, dueOn: LocalDate) {
        self.followUpId = followUpId; self.caseId = caseId; self.arenaId = arenaId; self.ownerId = ownerId; self.dueOn = dueOn
    }
}

/// A follow-up task was closed with an outcome.
public struct ReferralFollowUpClosed: DomainEvent, Equatable {
    public static let type = "referral_follow_up.closed"
    public static let topic = EventTopic.coordination
    public var followUpId: UUID
    public var caseId: UUID
    public var outcome: FollowUpOutcome
    public var closedBy: UUID
    public var subject: UUID { caseId }
    public init(followUpId: UUID, caseId: UUID, outcome: FollowUpOutcome, closedBy: UUID) {
        self.followUpId = followUpId; self.caseId = caseId; self.outcome = outcome; self.closedBy = closedBy
    }
}

/// An open follow-up task passed its due date: reported once to its owner and the arena's owner.
public struct ReferralFollowUpOverdue: DomainEvent, Equatable {
    public static let type = "referral_follow_up.overdue"
    public static let topic = EventTopic.coordination
    public var followUpId: UUID
    public var caseId: UUID
    public var ownerId: UUID
    public var arenaOwnerId: UUID?
    public var dueOn: LocalDate
    public var subject: UUID { caseId }
    public init(followUpId: UUID, caseId: UUID, ownerId: UUID, arenaOwnerId: UUID?, dueOn: LocalDate) {
        self.followUpId = followUpId; self.caseId = caseId; self.ownerId = ownerId; self.arenaOwnerId = arenaOwnerId; self.dueOn = dueOn
    }
}

/// A municipal service added a note to a referral (before or in the intake meeting).
public struct ReferralNoteAdded: DomainEvent, Equatable {
    public static let type = "referral.note_added"
    public static let topic = EventTopic.coordination
    public var noteId: UUID
    public var caseId: UUID
    public var unitId: UUID
    public var service: ServiceKind
    public var subject: UUID { caseId }
    public init(noteId: UUID, caseId: UUID, unitId: UUID, service: ServiceKind) {
        self.noteId = noteId; self.caseId = caseId; self.unitId = unitId; self.service = service
    }
}
