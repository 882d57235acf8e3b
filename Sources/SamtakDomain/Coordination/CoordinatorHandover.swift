import Foundation

/// A handover of the coordinator role:
///
/// ```
///  pending ──accept (recipient)──▶ accepted   (the old assignment ends, a new one starts)
///     ├────decline (recipient)──▶ declined
///     └────cancel (coordinator)─▶ cancelled
/// ```
/// Nothing happens to the coordinator until the recipient accepts; at most one handover is
/// pending per child.
public enum HandoverStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case pending, accepted, declined, cancelled
}

public enum HandoverAction: String, Codable, Sendable, CaseIterable, Hashable {
    case accept, decline, cancel
}

public enum HandoverError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Only a pending handover can be answered or cancelled.
    case notPending(HandoverStatus)
    /// Only the recipient accepts or declines.
    case notRecipient
    /// Only the coordinator who asked cancels.
    case notRequester

    public var code: String {
        switch self {
        case .notPending: "handover_not_pending"
        case .notRecipient: "not_recipient"
        case .notRequester: "not_requester"
        }
    }

    public var description: String {
        switch self {
        case .notPending(let status): "the handover is \(status.rawValue), not pending"
        case .notRecipient: "only the person asked to take over may accept or decline"
        case .notRequester: "only the coordinator who asked may cancel the handover"
        }
    }
}

public enum HandoverMachine {
    /// The status after `action` by `actor`, or why it is not allowed.
    public static func apply(_ action: HandoverAction, to status: HandoverStatus, actor: UUID, from: UUID, to recipient: UUID)
        throws(HandoverError) -> HandoverStatus {
        guard status == .pending else { throw .notPending(status) }
        switch action {
        case .accept, .decline:
            guard actor == recipient else { throw .notRecipient }
            return action == .accept ? .accepted : .declined
        case .cancel:
            guard actor == from else { throw .notRequester }
            return .cancelled
        }
    }
}
