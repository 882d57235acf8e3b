import Foundation
import SamtakDomain

/// Whether a document goes out with its content or only as a notice with a link
/// (`SamtakDomain.DeliveryMode`: `.content` / `.notice`).
public typealias DeliveryModeChoice = DeliveryMode

/// What a recipient's document shows about the meeting itself.
///
/// The delivery engine has already redacted every field for this recipient; the renderer and
/// the calendar writer only format what they are given.
public struct MeetingSummary: Sendable, Equatable {
    /// The arena (forum) the meeting belongs to, e.g. "Ressursteam Nordby skole". Notices show only this.
    public var arenaName: String
    /// The meeting's own title, e.g. "Ressursteam Nordby skole" or "Ansvarsgruppe, mars".
    public var title: String
    public var start: Date
    public var end: Date
    public var location: String
    /// The meeting owner (møteleder / sekretær).
    public var ownerName: String
    public var ownerEmail: String?
    public var meetingID: UUID
    /// iCalendar SEQUENCE: increase it every time the meeting is rescheduled or cancelled.
    public var sequence: Int

    public init(
        arenaName: String, title: String, start: Date, end: Date, location: String,
        ownerName: String, ownerEmail: String? = nil, meetingID: UUID, sequence: Int
    ) {
        self.arenaName = arenaName
        self.title = title
        self.start = start
        self.end = end
        self.location = location
        self.ownerName = ownerName
        self.ownerEmail = ownerEmail
        self.meetingID = meetingID
        self.sequence = sequence
    }

    /// The meeting as a notice may show it: the arena name as title, and no place or owner.
    /// Use it for the calendar invitation that goes with a notice-mode message.
    public func redactedForNotice() -> MeetingSummary {
        MeetingSummary(
            arenaName: arenaName, title: arenaName, start: start, end: end, location: "",
            ownerName: "", ownerEmail: nil, meetingID: meetingID, sequence: sequence
        )
    }
}

/// A participant invited to the meeting, as listed in the agenda.
public struct ParticipantLine: Sendable, Equatable {
    public var name: String
    /// E.g. "helsesykepleier".
    public var role: String
    /// E.g. "Helsestasjon Nordby".
    public var unit: String

    public init(name: String, role: String, unit: String) {
        self.name = name
        self.role = role
        self.unit = unit
    }
}

/// One case (sak) on the agenda.
public struct AgendaItemLine: Sendable, Equatable {
    /// 1-based position on the agenda ("Sak 3").
    public var position: Int
    /// The (already redacted) title, without the "Sak N:" prefix.
    public var title: String
    public var presenter: String?
    public var start: Date
    public var minutes: Int

    public init(position: Int, title: String, presenter: String? = nil, start: Date, minutes: Int) {
        self.position = position
        self.title = title
        self.presenter = presenter
        self.start = start
        self.minutes = minutes
    }
}

/// A follow-up action agreed in the meeting.
public struct FollowUpLine: Sendable, Equatable {
    public var what: String
    public var who: String
    public var due: LocalDate?

    public init(what: String, who: String, due: LocalDate? = nil) {
        self.what = what
        self.who = who
        self.due = due
    }
}

/// One case in the minutes.
public struct MinutesItemLine: Sendable, Equatable {
    public var position: Int
    public var title: String
    public var discussion: String
    public var decision: String
    public var followUps: [FollowUpLine]

    public init(position: Int, title: String, discussion: String, decision: String, followUps: [FollowUpLine] = []) {
        self.position = position
        self.title = title
        self.discussion = discussion
        self.decision = decision
        self.followUps = followUps
    }
}

/// A person who receives a message.
public struct Recipient: Sendable, Equatable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }
}

/// The document-specific part of a request.
public enum DocumentContent: Sendable, Equatable {
    case agenda(participants: [ParticipantLine], items: [AgendaItemLine])
    case minutes(attendance: [String], absent: [String], items: [MinutesItemLine], nextMeeting: Date?)
    case cancellation(reason: String)

    /// `SamtakDomain.DocumentKind` of this content.
    public var kind: DocumentKind {
        switch self {
        case .agenda: .agenda
        case .minutes: .minutes
        case .cancellation: .cancellation
        }
    }
}

extension DocumentKind {
    /// Subject prefix and heading: "Saksliste", "Referat", "Avlyst".
    public var subjectPrefix: String {
        switch self {
        case .agenda: "Saksliste"
        case .minutes: "Referat"
        case .cancellation: "Avlyst"
        }
    }
}

/// Everything needed to render one recipient's copy of one document.
public struct DocumentRequest: Sendable, Equatable {
    public var meeting: MeetingSummary
    public var content: DocumentContent
    public var recipient: Recipient
    public var deliveryMode: DeliveryModeChoice
    /// Where the recipient reads the document in Samtak (must be an http or https URL).
    public var readLink: String
    /// An agenda sent again because the meeting was moved: a notice then says "Et møte er
    /// flyttet" (with the new time and the link) instead of "the agenda is ready".
    public var moved: Bool

    public init(
        meeting: MeetingSummary, content: DocumentContent, recipient: Recipient,
        deliveryMode: DeliveryModeChoice, readLink: String, moved: Bool = false
    ) {
        self.moved = moved
        self.meeting = meeting
        self.content = content
        self.recipient = recipient
        self.deliveryMode = deliveryMode
        self.readLink = readLink
    }
}

/// A rendered document: the e-mail subject, a plain-text body and an HTML body.
public struct RenderedDocument: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String

    public init(subject: String, text: String, html: String) {
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// Why a document could not be rendered.
public struct DocumentRenderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
