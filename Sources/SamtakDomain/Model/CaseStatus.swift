import Foundation

/// The life of a case or referral:
///
/// ```
///  submitted ──schedule──▶ scheduled ──discuss──▶ discussed ──close──▶ closed
///     │  ▲                    │   │                   └──referOn──▶ referredOn
///     │  └────unschedule──────┘   │
///     │  ▲                        └──requestInformation──▶ awaitingInformation ──resubmit──▶ submitted
///     └──withdraw──▶ withdrawn ◀──withdraw── scheduled / awaitingInformation
/// ```
/// `unschedule` returns a case to `submitted` when its meeting is cancelled or moved and
/// no later meeting could take it yet. A BUP intake meeting may also `close` a referral
/// straight from `scheduled` (accepted / rejected) or ask for more information.
public enum CaseStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case submitted
    case scheduled
    case discussed
    case closed
    case referredOn = "referred_on"
    case withdrawn
    case awaitingInformation = "awaiting_information"

    public var isFinal: Bool { self == .closed || self == .referredOn || self == .withdrawn }
    /// On an agenda, or waiting to be put on one.
    public var isOpen: Bool { !isFinal }
}

public enum CaseTransition: String, Codable, Sendable, CaseIterable {
    case schedule, unschedule, discuss, close, referOn = "refer_on", withdraw
    case requestInformation = "request_information", resubmit
}

public struct InvalidCaseTransition: Error, Equatable, Sendable, CustomStringConvertible {
    public var from: CaseStatus
    public var transition: CaseTransition
    public var description: String { "a \(from.rawValue) case cannot \(transition.rawValue.replacingOccurrences(of: "_", with: " "))" }
}

extension CaseStatus {
    /// The status after `transition`, or an error naming what is not allowed.
    public func applying(_ transition: CaseTransition) throws(InvalidCaseTransition) -> CaseStatus {
        switch (self, transition) {
        case (.submitted, .schedule), (.scheduled, .schedule): return .scheduled
        case (.scheduled, .unschedule): return .submitted
        case (.scheduled, .discuss): return .discussed
        case (.discussed, .discuss): return .discussed
        case (.discussed, .close), (.scheduled, .close): return .closed
        case (.discussed, .referOn), (.scheduled, .referOn): return .referredOn
        case (.submitted, .withdraw), (.scheduled, .withdraw), (.awaitingInformation, .withdraw): return .withdrawn
        case (.scheduled, .requestInformation), (.discussed, .requestInformation): return .awaitingInformation
        case (.awaitingInformation, .resubmit): return .submitted
        default: throw InvalidCaseTransition(from: self, transition: transition)
        }
    }

    public func allows(_ transition: CaseTransition) -> Bool {
        (try? applying(transition)) != nil
    }
}

/// The states of a meeting:
/// `planned → agendaPublished → held → minutesApproved`, and `planned/agendaPublished → cancelled`.
public enum MeetingStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case planned
    case agendaPublished = "agenda_published"
    case held
    case minutesApproved = "minutes_approved"
    case cancelled
}

/// The intake meeting's answer to a BUP referral.
public enum IntakeDecision: String, Codable, Sendable, CaseIterable, Hashable {
    case accepted
    case rejected
    case needsMoreInformation = "needs_more_information"
}

/// What a meeting decided for one case (a code; the words go in the minutes' text).
public enum CaseDecision: String, Codable, Sendable, CaseIterable, Hashable {
    /// Discussed; follow-up continues, case stays open for a later meeting if needed.
    case followUp = "follow_up"
    /// Done.
    case close
    /// Refer the pupil to PPT: creates a PPT referral (seed 003).
    case referToPPT = "refer_to_ppt"
    /// Call a samarbeidsmøte around the child: creates the meeting (seed 001).
    case callSamarbeidsmote = "call_samarbeidsmote"
    /// BUP intake: accepted / rejected / needs more information.
    case accepted
    case rejected
    case needsMoreInformation = "needs_more_information"
    /// Tildelingsmøte: the application (avlastning and the like) is granted / denied (issue 18);
    /// "more information needed" is `needsMoreInformation`.
    case granted
    case denied

    /// The transition the decision causes for the case.
    public var caseTransition: CaseTransition {
        switch self {
        case .followUp: .discuss
        case .close, .accepted, .granted, .denied: .close
        case .rejected: .close
        case .referToPPT, .callSamarbeidsmote: .referOn
        case .needsMoreInformation: .requestInformation
        }
    }
}

/// Minutes are drafted (any participant, versioned) until the organiser approves them.
public enum MinutesStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case draft
    case approved
}

/// What happens to a meeting.
public enum MeetingTransition: String, Sendable, CaseIterable, Hashable {
    /// The agenda goes out (at the lead time, or now at the organiser's word).
    case publishAgenda = "publish_agenda"
    /// Minutes are written: the meeting has been held.
    case writeMinutes = "write_minutes"
    case approveMinutes = "approve_minutes"
    case cancel
}

public struct InvalidMeetingTransition: Error, Sendable, Hashable, CustomStringConvertible {
    public var from: MeetingStatus
    public var transition: MeetingTransition
    public var description: String { "\(transition.rawValue) is not allowed for a \(from.rawValue) meeting" }
}

extension MeetingStatus {
    /// `planned → agenda_published → held → minutes_approved`, `planned | agenda_published → cancelled`;
    /// minutes are rewritten while the meeting is held.
    public func applying(_ transition: MeetingTransition) throws(InvalidMeetingTransition) -> MeetingStatus {
        switch (self, transition) {
        case (.planned, .publishAgenda): return .agendaPublished
        case (.agendaPublished, .writeMinutes), (.held, .writeMinutes): return .held
        case (.held, .approveMinutes): return .minutesApproved
        case (.planned, .cancel), (.agendaPublished, .cancel): return .cancelled
        default: throw InvalidMeetingTransition(from: self, transition: transition)
        }
    }

    public func allows(_ transition: MeetingTransition) -> Bool {
        (try? applying(transition)) != nil
    }
}

extension CaseDecision {
    /// The decisions a meeting of `kind` makes, in the order a form offers them (issue 18):
    /// a ressursteam discusses and may refer to PPT or call a samarbeidsmøte; BUP's intake
    /// meeting takes a referral in, or not, or asks for more; a tildelingsmøte decides
    /// applications (granted, denied, more information needed), it does not "refer on"; the
    /// beslutningsteam coordinates an offer (may call a samarbeidsmøte); every other arena
    /// discusses and follows up or closes.
    public static func allowed(in kind: ArenaKind) -> [CaseDecision] {
        switch kind {
        case .ressursteam: [.followUp, .close, .referToPPT, .callSamarbeidsmote]
        case .bupIntake: [.accepted, .rejected, .needsMoreInformation]
        case .tildelingsmote: [.granted, .denied, .needsMoreInformation]
        case .beslutningsteam: [.followUp, .close, .callSamarbeidsmote]
        case .hjelpetjenesten, .ansvarsgruppe, .samarbeidsmote, .transition, .droftingsteam, .tverrfagligTeam, .pedagogiskTeam, .slt,
             .rusteam, .klassegjennomgang, .relasjonskartlegging, .systemCollaboration, .network, .other:
            [.followUp, .close]
        }
    }

    public func isAllowed(in kind: ArenaKind) -> Bool { Self.allowed(in: kind).contains(self) }
}
