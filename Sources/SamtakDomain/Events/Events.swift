import Foundation

// The events of the first wave. Field names become snake_case on the wire.

// MARK: cases and referrals (topic `cases`, key = case id)

/// A school or kindergarten submitted a case to an arena.
public struct CaseSubmitted: DomainEvent, Equatable {
    public static let type = "case.submitted"
    public static let topic = EventTopic.cases
    public var caseId: UUID
    public var arenaId: UUID
    public var unitId: UUID
    public var kind: CaseKind
    public var urgent: Bool
    public var subject: UUID { caseId }
    public init(caseId: UUID, arenaId: UUID, unitId: UUID, kind: CaseKind, urgent: Bool) {
        self.caseId = caseId; self.arenaId = arenaId; self.unitId = unitId; self.kind = kind; self.urgent = urgent
    }
}

/// A referral was sent to a service (BUP, PPT, ...). `arenaId` is the intake arena that
/// processes it, when the receiving side has one (BUP's weekly intake meeting).
public struct ReferralCreated: DomainEvent, Equatable {
    public static let type = "referral.created"
    public static let topic = EventTopic.cases
    public var caseId: UUID
    public var targetService: ServiceKind
    public var arenaId: UUID?
    public var unitId: UUID
    public var urgent: Bool
    /// The case this referral came out of (e.g. a ressursteam decision), if any.
    public var originCaseId: UUID?
    public var subject: UUID { caseId }
    public init(caseId: UUID, targetService: ServiceKind, arenaId: UUID?, unitId: UUID, urgent: Bool, originCaseId: UUID? = nil) {
        self.caseId = caseId; self.targetService = targetService; self.arenaId = arenaId; self.unitId = unitId
        self.urgent = urgent; self.originCaseId = originCaseId
    }
}

public struct CaseWithdrawn: DomainEvent, Equatable {
    public static let type = "case.withdrawn"
    public static let topic = EventTopic.cases
    public var caseId: UUID
    public var arenaId: UUID?
    public var subject: UUID { caseId }
    public init(caseId: UUID, arenaId: UUID?) { self.caseId = caseId; self.arenaId = arenaId }
}

/// A referral that was waiting for more information is complete again.
public struct CaseResubmitted: DomainEvent, Equatable {
    public static let type = "case.resubmitted"
    public static let topic = EventTopic.cases
    public var caseId: UUID
    public var arenaId: UUID?
    public var subject: UUID { caseId }
    public init(caseId: UUID, arenaId: UUID?) { self.caseId = caseId; self.arenaId = arenaId }
}

/// Why the scheduler chose a meeting.
public enum SchedulingReason: String, Codable, Sendable, CaseIterable {
    /// The earliest meeting whose deadline has not passed had room.
    case earliestOpenMeeting = "earliest_open_meeting"
    /// An earlier meeting's submission deadline had passed.
    case deadlinePassed = "deadline_passed"
    /// Earlier meetings were full.
    case capacityFull = "capacity_full"
    /// Urgent: placed on the first open meeting even though it is full.
    case urgentOverCapacity = "urgent_over_capacity"
    /// Its meeting was cancelled or moved; placed on the next one.
    case meetingCancelled = "meeting_cancelled"
}

/// "Case added to ressursteam": the case is on a meeting's agenda.
public struct CaseScheduled: DomainEvent, Equatable {
    public static let type = "case.scheduled"
    public static let topic = EventTopic.cases
    public var caseId: UUID
    public var meetingId: UUID
    public var arenaId: UUID
    public var position: Int
    public var reason: SchedulingReason
    public var overCapacity: Bool
    public var subject: UUID { caseId }
    public init(caseId: UUID, meetingId: UUID, arenaId: UUID, position: Int, reason: SchedulingReason, overCapacity: Bool) {
        self.caseId = caseId; self.meetingId = meetingId; self.arenaId = arenaId; self.position = position
        self.reason = reason; self.overCapacity = overCapacity
    }
}

/// The case left an agenda (withdrawn, or its meeting was cancelled with no later meeting).
public struct CaseUnscheduled: DomainEvent, Equatable {
    public static let type = "case.unscheduled"
    public static let topic = EventTopic.cases
    public var caseId: UUID
    public var meetingId: UUID
    public var reason: String
    public var subject: UUID { caseId }
    public init(caseId: UUID, meetingId: UUID, reason: String) { self.caseId = caseId; self.meetingId = meetingId; self.reason = reason }
}

/// A meeting decided on a case (recorded when its minutes are approved).
public struct CaseDecided: DomainEvent, Equatable {
    public static let type = "case.decided"
    public static let topic = EventTopic.cases
    public var caseId: UUID
    public var meetingId: UUID
    public var decision: CaseDecision
    public var status: CaseStatus
    /// A referral or meeting the decision created (refer to PPT, call a samarbeidsmøte).
    public var createdCaseId: UUID?
    public var createdMeetingId: UUID?
    public var subject: UUID { caseId }
    public init(caseId: UUID, meetingId: UUID, decision: CaseDecision, status: CaseStatus, createdCaseId: UUID? = nil, createdMeetingId: UUID? = nil) {
        self.caseId = caseId; self.meetingId = meetingId; self.decision = decision; self.status = status
        self.createdCaseId = createdCaseId; self.createdMeetingId = createdMeetingId
    }
}

// MARK: consent (topic `consents`, key = consent id)

public struct ConsentRecorded: DomainEvent, Equatable {
    public static let type = "consent.recorded"
    public static let topic = EventTopic.consents
    public var consentId: UUID
    public var childId: UUID
    public var subject: UUID { consentId }
    public init(consentId: UUID, childId: UUID) { self.consentId = consentId; self.childId = childId }
}

public struct ConsentWithdrawn: DomainEvent, Equatable {
    public static let type = "consent.withdrawn"
    public static let topic = EventTopic.consents
    public var consentId: UUID
    public var childId: UUID
    public var subject: UUID { consentId }
    public init(consentId: UUID, childId: UUID) { self.consentId = consentId; self.childId = childId }
}

/// A guardian gave a consent digitally that waits for the other guardian(s) the purpose's
/// rule needs (issue 17). Not a consent yet: `consent.recorded` follows when it is complete.
public struct ConsentProposed: DomainEvent, Equatable {
    public static let type = "consent.proposed"
    public static let topic = EventTopic.consents
    public var proposalId: UUID
    public var childId: UUID
    public var subject: UUID { proposalId }
    public init(proposalId: UUID, childId: UUID) { self.proposalId = proposalId; self.childId = childId }
}

/// A guardian who signed a digital consent still waiting for another guardian cancelled it
/// (issue 17): it never came in force and never will.
public struct ConsentProposalCancelled: DomainEvent, Equatable {
    public static let type = "consent.proposal_cancelled"
    public static let topic = EventTopic.consents
    public var proposalId: UUID
    public var childId: UUID
    public var subject: UUID { proposalId }
    public init(proposalId: UUID, childId: UUID) { self.proposalId = proposalId; self.childId = childId }
}

/// An administrator ended a consent that should not stand (a correction, not the family's
/// withdrawal). It no longer covers anyone from this moment, as a withdrawn one.
public struct ConsentEnded: DomainEvent, Equatable {
    public static let type = "consent.ended"
    public static let topic = EventTopic.consents
    public var consentId: UUID
    public var childId: UUID
    public var reason: CorrectionReason
    public var subject: UUID { consentId }
    public init(consentId: UUID, childId: UUID, reason: CorrectionReason) {
        self.consentId = consentId; self.childId = childId; self.reason = reason
    }
}

/// An administrator recorded a guardianship (as the population register says). Key = child id.
public struct GuardianshipRecorded: DomainEvent, Equatable {
    public static let type = "guardianship.recorded"
    public static let topic = EventTopic.consents
    public var childId: UUID
    public var guardianId: UUID
    public var subject: UUID { childId }
    public init(childId: UUID, guardianId: UUID) { self.childId = childId; self.guardianId = guardianId }
}

/// An administrator linked a child record to a person, so the young person can sign in
/// (issue 17). Key = child id.
public struct YoungPersonLinked: DomainEvent, Equatable {
    public static let type = "young_person.linked"
    public static let topic = EventTopic.consents
    public var childId: UUID
    public var personId: UUID
    public var subject: UUID { childId }
    public init(childId: UUID, personId: UUID) { self.childId = childId; self.personId = personId }
}

/// An administrator ended a guardianship that should not stand. Key = child id.
public struct GuardianshipEnded: DomainEvent, Equatable {
    public static let type = "guardianship.ended"
    public static let topic = EventTopic.consents
    public var childId: UUID
    public var guardianId: UUID
    public var reason: CorrectionReason
    public var subject: UUID { childId }
    public init(childId: UUID, guardianId: UUID, reason: CorrectionReason) {
        self.childId = childId; self.guardianId = guardianId; self.reason = reason
    }
}

// MARK: arenas (topic `arenas`, key = arena id)

public struct ArenaChanged: DomainEvent, Equatable {
    public static let type = "arena.changed"
    public static let topic = EventTopic.arenas
    public enum Change: String, Codable, Sendable { case created, updated, deactivated }
    public var arenaId: UUID
    public var version: Int
    public var change: Change
    public var subject: UUID { arenaId }
    public init(arenaId: UUID, version: Int, change: Change) { self.arenaId = arenaId; self.version = version; self.change = change }
}

// MARK: meetings (topic `meetings`, key = meeting id)

/// A meeting around one child (samarbeidsmøte, ansvarsgruppe) or an extra meeting was called.
public struct MeetingCalled: DomainEvent, Equatable {
    public static let type = "meeting.called"
    public static let topic = EventTopic.meetings
    public var meetingId: UUID
    public var arenaId: UUID
    public var subject: UUID { meetingId }
    public init(meetingId: UUID, arenaId: UUID) { self.meetingId = meetingId; self.arenaId = arenaId }
}

public struct MeetingCancelled: DomainEvent, Equatable {
    public static let type = "meeting.cancelled"
    public static let topic = EventTopic.meetings
    public enum Reason: String, Codable, Sendable { case noCases = "no_cases", byOwner = "by_owner", seriesChanged = "series_changed" }
    public var meetingId: UUID
    public var arenaId: UUID
    public var reason: Reason
    public var subject: UUID { meetingId }
    public init(meetingId: UUID, arenaId: UUID, reason: Reason) { self.meetingId = meetingId; self.arenaId = arenaId; self.reason = reason }
}

public struct MeetingMoved: DomainEvent, Equatable {
    public static let type = "meeting.moved"
    public static let topic = EventTopic.meetings
    public var meetingId: UUID
    public var arenaId: UUID
    public var sequence: Int
    public var subject: UUID { meetingId }
    public init(meetingId: UUID, arenaId: UUID, sequence: Int) { self.meetingId = meetingId; self.arenaId = arenaId; self.sequence = sequence }
}

/// Someone was invited to a meeting besides its standing participants ("til hele eller deler
/// av møtet", seed 001): for the whole meeting, or for some agenda items only. Identifiers
/// only; once the agenda has gone out, the notifier sends it to the new participant.
public struct MeetingParticipantInvited: DomainEvent, Equatable {
    public static let type = "meeting.participant_invited"
    public static let topic = EventTopic.meetings
    public var meetingId: UUID
    public var personId: UUID
    /// The items the invitation is for; empty for the whole meeting.
    public var agendaItemIds: [UUID]
    public var subject: UUID { meetingId }
    public init(meetingId: UUID, personId: UUID, agendaItemIds: [UUID]) {
        self.meetingId = meetingId
        self.personId = personId
        self.agendaItemIds = agendaItemIds
    }
}

/// An extra participant's invitation was withdrawn by the organiser.
public struct MeetingParticipantRemoved: DomainEvent, Equatable {
    public static let type = "meeting.participant_removed"
    public static let topic = EventTopic.meetings
    public var meetingId: UUID
    public var personId: UUID
    public var subject: UUID { meetingId }
    public init(meetingId: UUID, personId: UUID) { self.meetingId = meetingId; self.personId = personId }
}

/// The agenda is frozen and ready to be sent.
public struct AgendaPublished: DomainEvent, Equatable {
    public static let type = "agenda.published"
    public static let topic = EventTopic.meetings
    public var meetingId: UUID
    public var arenaId: UUID
    public var itemCount: Int
    public var subject: UUID { meetingId }
    public init(meetingId: UUID, arenaId: UUID, itemCount: Int) { self.meetingId = meetingId; self.arenaId = arenaId; self.itemCount = itemCount }
}

public struct MinutesApproved: DomainEvent, Equatable {
    public static let type = "minutes.approved"
    public static let topic = EventTopic.meetings
    public var meetingId: UUID
    public var arenaId: UUID
    public var version: Int
    public var subject: UUID { meetingId }
    public init(meetingId: UUID, arenaId: UUID, version: Int) { self.meetingId = meetingId; self.arenaId = arenaId; self.version = version }
}

/// An ansvarsgruppe meeting (minutes are always written) ended a while ago and its minutes
/// are still not approved: its organiser is reminded, once per meeting.
public struct MinutesOverdue: DomainEvent, Equatable {
    public static let type = "minutes.overdue"
    public static let topic = EventTopic.meetings
    public var meetingId: UUID
    public var arenaId: UUID
    /// Who is reminded: whoever called the meeting, else the arena's owner.
    public var organiserId: UUID
    public var subject: UUID { meetingId }
    public init(meetingId: UUID, arenaId: UUID, organiserId: UUID) {
        self.meetingId = meetingId; self.arenaId = arenaId; self.organiserId = organiserId
    }
}

// MARK: notifications (topic `notifications`, key = meeting id; a notice's failure: the document id)

public enum DocumentKind: String, Codable, Sendable, CaseIterable {
    case agenda, minutes, cancellation
}

/// Every recipient of a document has it (or has a permanent failure recorded).
public struct DocumentSent: DomainEvent, Equatable {
    /// Announced as `agenda.sent`, `minutes.sent` or `cancellation.sent` (``eventType``).
    public static let type = "document.sent"
    public static let topic = EventTopic.notifications
    public var meetingId: UUID
    public var documentId: UUID
    public var documentKind: DocumentKind
    public var delivered: Int
    public var failed: Int
    public var subject: UUID { meetingId }
    public init(meetingId: UUID, documentId: UUID, documentKind: DocumentKind, delivered: Int, failed: Int) {
        self.meetingId = meetingId; self.documentId = documentId; self.documentKind = documentKind
        self.delivered = delivered; self.failed = failed
    }
    /// The CloudEvents type this instance is announced under.
    public var eventType: String { "\(documentKind.rawValue).sent" }
}

public struct NotificationFailed: DomainEvent, Equatable {
    public static let type = "notification.failed"
    public static let topic = EventTopic.notifications
    /// nil for a notice (a document about a child's cooperation, not a meeting).
    public var meetingId: UUID?
    public var documentId: UUID
    public var deliveryId: UUID
    /// SMTP reply code or a local code such as `no_address`; never the address.
    public var reasonCode: String
    public var subject: UUID { meetingId ?? documentId }
    public init(meetingId: UUID?, documentId: UUID, deliveryId: UUID, reasonCode: String) {
        self.meetingId = meetingId; self.documentId = documentId; self.deliveryId = deliveryId; self.reasonCode = reasonCode
    }
}
