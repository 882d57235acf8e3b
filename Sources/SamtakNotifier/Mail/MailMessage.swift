import Foundation

/// One extra header line of a `MailMessage`.
public struct MailHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The calendar object carried by a `MailMessage`.
public struct MailCalendarPart: Sendable, Equatable {
    public var method: CalendarMethod
    /// The iCalendar text (`CalendarInvite.render()`).
    public var content: String

    public init(method: CalendarMethod, content: String) {
        self.method = method
        self.content = content
    }
}

/// An RFC 5322 / MIME message, UTF-8 throughout, CRLF line endings.
///
/// Structure without a calendar object:
///
///     multipart/alternative { text/plain ; text/html }
///
/// and with one (the layout Google Calendar and Exchange send themselves):
///
///     multipart/mixed {
///         multipart/alternative { text/plain ; text/html ; text/calendar; method=REQUEST|CANCEL }
///         application/ics attachment "invite.ics" (same object)
///     }
///
/// Outlook/Exchange and Gmail recognise an invitation (accept/decline bar, automatic
/// cancellation) only when `text/calendar; method=...` is an alternative of the body; a bare
/// attachment is shown as a file. The `.ics` attachment is for clients that ignore the
/// alternative (some webmail and mobile clients) so the user can still add it by hand.
///
/// Text and HTML are quoted-printable; the calendar is base64 so its CRLFs and folding survive
/// any relay untouched. Non-ASCII names and subjects are RFC 2047 encoded-words.
public struct MailMessage: Sendable, Equatable {
    public var from: Recipient
    public var to: Recipient
    public var subject: String
    /// "<...@samtak>", stable per (document, recipient) so a retried send is recognisably the same.
    public var messageID: String
    public var date: Date
    public var text: String
    public var html: String
    public var calendar: MailCalendarPart?
    /// Extra headers. Headers the message writes itself (From, To, Subject, Date, Message-ID,
    /// MIME-Version, Content-*, Auto-Submitted) and names that are not valid field names are
    /// ignored.
    public var headers: [MailHeader]

    public init(
        from: Recipient, to: Recipient, subject: String, messageID: String, date: Date, text: String, html: String,
        calendar: (method: CalendarMethod, content: String)?, headers: [(String, String)] = []
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.messageID = messageID
        self.date = date
        self.text = text
        self.html = html
        self.calendar = calendar.map { MailCalendarPart(method: $0.method, content: $0.content) }
        self.headers = headers.map { MailHeader(name: $0.0, value: $0.1) }
    }

    /// A Message-ID stable per (document, recipient): "<document-uuid.recipient-hash@samtak>",
    /// where the recipient part is a 64-bit hash of the recipient's identifier. Identifiers, not
    /// addresses, so the header reveals nothing about the recipient; short enough for one line.
    public static func messageID(document: UUID, recipient: UUID) -> String {
        "<\(document.uuidString.lowercased()).\(MIMEEncoding.stableHash(recipient.uuidString.lowercased()))@samtak>"
    }

    /// The Message-ID in angle brackets, with characters that cannot appear in a msg-id removed.
    var normalizedMessageID: String {
        var core = MIMEEncoding.headerSafe(messageID)
        if core.hasPrefix("<") { core.removeFirst() }
        if core.hasSuffix(">") { core.removeLast() }
        core = String(core.filter { $0.isASCII && !$0.isWhitespace && $0 != "<" && $0 != ">" })
        if !core.contains("@") { core += "@samtak" }
        return "<\(core)>"
    }

    private static let reservedHeaders: Set<String> = [
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
        "content-transfer-encoding", "content-disposition", "auto-submitted", "x-auto-response-suppress",
    ]

    private static func isValidFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: ":") }
    }

    public func render() -> String {
        let crlf = MIMEEncoding.crlf
        let idHash = MIMEEncoding.stableHash(normalizedMessageID)
        // "=_" cannot occur in quoted-printable or base64 output, so the boundaries are safe.
        let mixedBoundary = "=_samtak_mixed_\(idHash)"
        let altBoundary = "=_samtak_alt_\(idHash)"

        var head: [String] = [
            MIMEEncoding.addressHeader(name: "From", recipient: from),
            MIMEEncoding.addressHeader(name: "To", recipient: to),
            MIMEEncoding.unstructuredHeader(name: "Subject", value: subject),
            "Date: \(MIMEEncoding.rfc5322Date(date))",
            // Never folded: some clients keep the folding space when threading replies.
            "Message-ID: \(normalizedMessageID)",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "X-Auto-Response-Suppress: OOF, AutoReply",
        ]
        for header in headers
        where Self.isValidFieldName(header.name) && !Self.reservedHeaders.contains(header.name.lowercased()) {
            head.append(MIMEEncoding.unstructuredHeader(name: header.name, value: header.value))
        }

        var alternative: [String] = [
            part(
                headers: ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
                body: MIMEEncoding.quotedPrintable(text)),
            part(
                headers: ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
                body: MIMEEncoding.quotedPrintable(html)),
        ]

        var body: String
        if let calendar {
            let ics = Data(MIMEEncoding.crlfNormalized(calendar.content).utf8)
            alternative.append(
                part(
                    headers: [
                        "Content-Type: text/calendar; charset=utf-8; method=\(calendar.method.rawValue)",
                        "Content-Transfer-Encoding: base64",
                    ],
                    body: MIMEEncoding.base64Lines(ics)))
            let alternativePart = part(
                headers: ["Content-Type: multipart/alternative;\r\n boundary=\"\(altBoundary)\""],
                body: multipart(alternative, boundary: altBoundary))
            let attachment = part(
                headers: [
                    "Content-Type: application/ics; name=\"invite.ics\"",
                    "Content-Disposition: attachment; filename=\"invite.ics\"",
                    "Content-Transfer-Encoding: base64",
                ],
                body: MIMEEncoding.base64Lines(ics))
            head.append("Content-Type: multipart/mixed;\r\n boundary=\"\(mixedBoundary)\"")
            body = multipart([alternativePart, attachment], boundary: mixedBoundary)
        } else {
            head.append("Content-Type: multipart/alternative;\r\n boundary=\"\(altBoundary)\"")
            body = multipart(alternative, boundary: altBoundary)
        }
        body = "This is a multi-part message in MIME format." + crlf + crlf + body
        return head.joined(separator: crlf) + crlf + crlf + body
    }

    private func part(headers: [String], body: String) -> String {
        headers.joined(separator: MIMEEncoding.crlf) + MIMEEncoding.crlf + MIMEEncoding.crlf + body
    }

    private func multipart(_ parts: [String], boundary: String) -> String {
        let crlf = MIMEEncoding.crlf
        var out = ""
        for p in parts {
            out += "--\(boundary)" + crlf + p + crlf
        }
        out += "--\(boundary)--" + crlf
        return out
    }
}
