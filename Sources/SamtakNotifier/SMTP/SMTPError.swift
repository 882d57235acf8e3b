/// Why a send failed, and whether trying again later can help.
///
/// `description` never contains e-mail addresses or message content: it is safe to log.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Try again later: 4xx replies, connection failures, timeouts, TLS and authentication
        /// problems (a relay misconfiguration must not fail every recipient for good).
        case transient
        /// Do not retry this message to this recipient: 5xx replies such as 550 unknown recipient,
        /// or an address that cannot be used at all.
        case permanent
    }

    public var kind: Kind
    /// The last SMTP reply code libcurl saw, when there was one.
    public var replyCode: Int?
    /// libcurl's result code (CURLcode), when libcurl was involved.
    public var curlCode: Int32?
    public var summary: String

    public init(kind: Kind, replyCode: Int? = nil, curlCode: Int32? = nil, summary: String) {
        self.kind = kind
        self.replyCode = replyCode
        self.curlCode = curlCode
        self.summary = summary
    }

    public var description: String {
        var parts: [String] = []
        if let replyCode { parts.append("SMTP reply \(replyCode)") }
        if let curlCode { parts.append("curl code \(curlCode)") }
        let detail = parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
        return "SMTP \(kind == .transient ? "transient" : "permanent") failure: \(summary)\(detail)"
    }

    /// SMTP reply codes that concern the relay's authentication or TLS policy, not the message.
    static let configurationReplyCodes: Set<Int> = [530, 534, 535, 538]

    /// Classifies a failed transfer by its reply code (when there is one) and libcurl result.
    static func classify(replyCode: Int?, curlCode: Int32, authenticationFailed: Bool, summary: String) -> SMTPError {
        let reply = replyCode.flatMap { (400...599).contains($0) ? $0 : nil }
        if let reply, (500...599).contains(reply) {
            if authenticationFailed || configurationReplyCodes.contains(reply) {
                return SMTPError(kind: .transient, replyCode: reply, curlCode: curlCode, summary: summary)
            }
            return SMTPError(kind: .permanent, replyCode: reply, curlCode: curlCode, summary: summary)
        }
        return SMTPError(kind: .transient, replyCode: reply, curlCode: curlCode, summary: summary)
    }

    /// Removes anything that looks like an e-mail address (a word with "@") from a text.
    static func scrubbed(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.contains("@") ? "<address>" : String($0) }
            .joined(separator: " ")
    }
}
