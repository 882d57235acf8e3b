import Foundation

/// The iTIP method of a calendar object (RFC 5546).
public enum CalendarMethod: String, Sendable {
    case request = "REQUEST"
    case cancel = "CANCEL"
}

/// An iCalendar (RFC 5545) object for one meeting sent to one attendee: an invitation
/// (`METHOD:REQUEST`, `STATUS:CONFIRMED`) or a cancellation (`METHOD:CANCEL`,
/// `STATUS:CANCELLED`). Send a cancellation with a higher `sequence` than the last invitation.
///
/// Times are written in UTC ("Z"). A meeting is a single event (no RRULE), so UTC is exact and
/// every client shows it in its own zone; a TZID=Europe/Oslo form would need a VTIMEZONE block
/// that clients (Outlook in particular) match strictly, for no gain on single events.
public struct CalendarInvite: Sendable, Equatable {
    public var method: CalendarMethod
    public var meeting: MeetingSummary
    public var attendee: Recipient
    public var organizerEmail: String
    /// DTSTAMP: when the object was created.
    public var timestamp: Date
    /// Optional DESCRIPTION (e.g. the link to the meeting in Samtak). Nil leaves it out.
    public var eventDescription: String?
    /// Optional URL property. Nil leaves it out.
    public var url: String?

    public init(
        method: CalendarMethod, meeting: MeetingSummary, attendee: Recipient, organizerEmail: String,
        timestamp: Date = Date(), eventDescription: String? = nil, url: String? = nil
    ) {
        self.method = method
        self.meeting = meeting
        self.attendee = attendee
        self.organizerEmail = organizerEmail
        self.timestamp = timestamp
        self.eventDescription = eventDescription
        self.url = url
    }

    /// Stable per meeting, so updates and cancellations replace the same calendar entry.
    public var uid: String { Self.uid(for: meeting.meetingID) }

    public static func uid(for meetingID: UUID) -> String { "meeting-\(meetingID.uuidString.lowercased())@samtak" }

    /// The value for `MailMessage`'s `calendar:` parameter.
    public var mailPart: (method: CalendarMethod, content: String) { (method, render()) }

    public func render() -> String {
        var lines: [String] = [
            "BEGIN:VCALENDAR",
            "PRODID:-//Samtak//Samtak notifier//NB",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:\(method.rawValue)",
            "BEGIN:VEVENT",
            "UID:\(uid)",
            "SEQUENCE:\(max(meeting.sequence, 0))",
            "DTSTAMP:\(MIMEEncoding.icsUTC(timestamp))",
            "DTSTART:\(MIMEEncoding.icsUTC(meeting.start))",
            "DTEND:\(MIMEEncoding.icsUTC(max(meeting.end, meeting.start)))",
            "SUMMARY:\(Self.text(meeting.title))",
        ]
        if !meeting.location.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            lines.append("LOCATION:\(Self.text(meeting.location))")
        }
        if let description = eventDescription, !description.isEmpty {
            lines.append("DESCRIPTION:\(Self.text(description))")
        }
        if let url, !url.isEmpty {
            lines.append("URL:\(Self.uri(url))")
        }
        lines.append("ORGANIZER\(Self.cn(meeting.ownerName)):mailto:\(Self.uri(organizerEmail))")
        let attendeeStatus = method == .cancel ? "" : ";PARTSTAT=NEEDS-ACTION;RSVP=FALSE"
        lines.append(
            "ATTENDEE\(Self.cn(attendee.name));CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT\(attendeeStatus):mailto:\(Self.uri(attendee.email))"
        )
        lines.append("STATUS:\(method == .cancel ? "CANCELLED" : "CONFIRMED")")
        lines.append("TRANSP:OPAQUE")
        lines.append("END:VEVENT")
        lines.append("END:VCALENDAR")
        return lines.map(Self.foldLine).joined(separator: "\r\n") + "\r\n"
    }

    // MARK: RFC 5545 encoding

    /// TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks.
    static func text(_ value: String) -> String {
        var out = ""
        var previousCR = false
        for scalar in value.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            switch scalar {
            case "\\": out.append("\\\\")
            case ";": out.append("\\;")
            case ",": out.append("\\,")
            case "\r": out.append("\\n")
            case "\n": if !previousCR { out.append("\\n") }
            default:
                if scalar.properties.generalCategory == .control { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `;CN=...` parameter, quoted when needed; DQUOTE is not allowed in a parameter value.
    static func cn(_ name: String) -> String {
        let cleaned = MIMEEncoding.headerSafe(name).replacingOccurrences(of: "\"", with: "'")
        guard !cleaned.isEmpty else { return "" }
        let needsQuotes = cleaned.contains(where: { $0 == ";" || $0 == ":" || $0 == "," })
        return needsQuotes ? ";CN=\"\(cleaned)\"" : ";CN=\(cleaned)"
    }

    /// A URI value with anything that would break the content line removed.
    static func uri(_ value: String) -> String {
        String(MIMEEncoding.headerSafe(value).filter { $0 != " " && $0 != "\"" })
    }

    /// Folds a content line at 75 octets (RFC 5545 3.1): continuation lines start with one
    /// space; a UTF-8 sequence is never split.
    static func foldLine(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var out = ""
        var current = 0
        var limit = 75
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if current + size > limit {
                out.append("\r\n ")
                current = 0
                limit = 74  // the leading space counts toward the 75 octets
            }
            out.unicodeScalars.append(scalar)
            current += size
        }
        return out
    }
}
