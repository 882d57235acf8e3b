import Foundation
import Mustache
import SamtakDomain

/// Renders agendas, minutes and cancellations (or, in notice mode, a notice with a link) as a
/// subject, a plain-text body and an HTML body, in Norwegian bokmål with Oslo times.
///
/// The templates are compiled once in `init`; `render` is pure and safe to call concurrently.
public struct DocumentRenderer: Sendable {
    private let library: MustacheLibrary

    public init() throws {
        var library = MustacheLibrary()
        for (name, text) in DocumentTemplates.all {
            do {
                try library.register(text, named: name)
            } catch {
                throw DocumentRenderError("template \(name) does not compile: \(error)")
            }
        }
        self.library = library
    }

    public func render(_ request: DocumentRequest) throws -> RenderedDocument {
        let link = request.readLink.trimmingCharacters(in: .whitespaces)
        guard Self.isWebLink(link) else {
            throw DocumentRenderError("the read link must be an http or https URL")
        }
        let kind = request.content.kind
        let meeting = request.meeting
        let subject: String
        var context: [String: Any] = [
            "kindName": kind.subjectPrefix,
            "kindNameUpper": kind.subjectPrefix.uppercased(),
            "when": NorwegianText.meetingTime(start: meeting.start, end: meeting.end),
            "arenaName": NorwegianText.oneLine(meeting.arenaName),
            "readLink": link,
            "linkText": Self.linkText(kind),
            "isAgenda": kind == .agenda,
            "isMinutes": kind == .minutes,
            "isCancellation": kind == .cancellation,
        ]
        let textTemplate: String
        let htmlTemplate: String

        switch request.deliveryMode {
        case .notice:
            // Only the arena name, the time, the document kind and the link.
            let moved = request.moved && kind == .agenda
            let prefix = moved ? "Et møte er flyttet" : kind.subjectPrefix
            subject = "\(prefix): \(NorwegianText.oneLine(meeting.arenaName)), \(NorwegianText.dateTime(meeting.start))"
            if moved {
                context["isAgenda"] = false
                context["isMoved"] = true
                context["kindNameUpper"] = prefix.uppercased()
            }
            textTemplate = "notice_text"
            htmlTemplate = "notice_html"
        case .content:
            let title = NorwegianText.oneLine(meeting.title)
            subject = "\(kind.subjectPrefix): \(title), \(NorwegianText.dateTime(meeting.start))"
            Self.addMeeting(meeting, recipient: request.recipient, to: &context)
            switch request.content {
            case .agenda(let participants, let items):
                Self.addAgenda(participants: participants, items: items, to: &context)
                textTemplate = "agenda_text"
                htmlTemplate = "agenda_html"
            case .minutes(let attendance, let absent, let items, let nextMeeting):
                Self.addMinutes(attendance: attendance, absent: absent, items: items, nextMeeting: nextMeeting, to: &context)
                textTemplate = "minutes_text"
                htmlTemplate = "minutes_html"
            case .cancellation(let reason):
                context["reasonText"] = Self.indentedOrDash(reason, indent: "  ")
                context["reasonParagraphs"] = Self.htmlParagraphs(reason)
                textTemplate = "cancellation_text"
                htmlTemplate = "cancellation_html"
            }
        }
        context["subject"] = subject

        guard let text = library.render(context, withTemplate: textTemplate),
            let html = library.render(context, withTemplate: htmlTemplate)
        else {
            throw DocumentRenderError("template \(textTemplate) or \(htmlTemplate) is missing")
        }
        return RenderedDocument(subject: subject, text: Self.tidyText(text), html: html)
    }

    // MARK: Contexts

    private static func addMeeting(_ meeting: MeetingSummary, recipient: Recipient, to context: inout [String: Any]) {
        let title = NorwegianText.oneLine(meeting.title)
        let arena = NorwegianText.oneLine(meeting.arenaName)
        let location = NorwegianText.oneLine(meeting.location)
        let owner = NorwegianText.oneLine(meeting.ownerName)
        let ownerEmail = NorwegianText.oneLine(meeting.ownerEmail ?? "")
        let recipientName = NorwegianText.oneLine(recipient.name)
        context["title"] = title
        context["showArena"] = !arena.isEmpty && arena != title
        context["hasLocation"] = !location.isEmpty
        context["location"] = location
        context["hasOwner"] = !owner.isEmpty
        context["ownerName"] = owner
        context["hasOwnerEmail"] = !ownerEmail.isEmpty
        context["ownerEmail"] = ownerEmail
        context["hasRecipientName"] = !recipientName.isEmpty
        context["recipientName"] = recipientName
    }

    private static func addAgenda(participants: [ParticipantLine], items: [AgendaItemLine], to context: inout [String: Any]) {
        context["hasParticipants"] = !participants.isEmpty
        context["participants"] = participants.map { p -> [String: Any] in
            let role = NorwegianText.oneLine(p.role)
            let unit = NorwegianText.oneLine(p.unit)
            let details = [role, unit].filter { !$0.isEmpty }.joined(separator: ", ")
            return [
                "name": NorwegianText.oneLine(p.name), "role": role, "unit": unit,
                "hasDetails": !details.isEmpty, "details": details,
            ]
        }
        context["hasItems"] = !items.isEmpty
        context["items"] = items.sorted { $0.position < $1.position }.map { item -> [String: Any] in
            let presenter = NorwegianText.oneLine(item.presenter ?? "")
            return [
                "position": item.position,
                "itemTitle": itemTitle(item.title, position: item.position),
                "hasPresenter": !presenter.isEmpty,
                "presenter": presenter,
                "slot": NorwegianText.slot(start: item.start, minutes: item.minutes),
                "minutes": item.minutes,
            ]
        }
    }

    private static func addMinutes(
        attendance: [String], absent: [String], items: [MinutesItemLine], nextMeeting: Date?,
        to context: inout [String: Any]
    ) {
        let present = attendance.map(NorwegianText.oneLine).filter { !$0.isEmpty }
        let away = absent.map(NorwegianText.oneLine).filter { !$0.isEmpty }
        context["attendanceText"] = present.isEmpty ? "ikke registrert" : NorwegianText.list(present)
        context["absentText"] = away.isEmpty ? "ingen" : NorwegianText.list(away)
        context["items"] = items.sorted { $0.position < $1.position }.map { item -> [String: Any] in
            [
                "position": item.position,
                "itemTitle": itemTitle(item.title, position: item.position),
                "discussionText": indentedOrDash(item.discussion, indent: "    "),
                "discussionParagraphs": htmlParagraphs(item.discussion),
                "decisionText": indentedOrDash(item.decision, indent: "    "),
                "decisionParagraphs": htmlParagraphs(item.decision),
                "hasFollowUps": !item.followUps.isEmpty,
                "followUps": item.followUps.map { f -> [String: Any] in
                    [
                        "what": NorwegianText.oneLine(f.what),
                        "who": NorwegianText.oneLine(f.who),
                        "hasDue": f.due != nil,
                        "dueText": f.due.map(NorwegianText.date) ?? "",
                    ]
                },
            ]
        }
        context["nextMeetingText"] = nextMeeting.map(NorwegianText.dateTime) ?? "ikke fastsatt"
    }

    // MARK: Helpers

    private static func linkText(_ kind: DocumentKind) -> String {
        switch kind {
        case .agenda: "Les sakslisten i Samtak"
        case .minutes: "Les referatet i Samtak"
        case .cancellation: "Se møtet i Samtak"
        }
    }

    /// The title without a leading "Sak N:" that some callers include already.
    static func itemTitle(_ title: String, position: Int) -> String {
        let line = NorwegianText.oneLine(title)
        for prefix in ["Sak \(position):", "Sak \(position) :", "Sak \(position) –", "Sak \(position) -"]
        where line.hasPrefix(prefix) {
            let rest = line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            if !rest.isEmpty { return rest }
        }
        return line
    }

    private static func indentedOrDash(_ text: String, indent: String) -> String {
        let out = NorwegianText.indented(text, by: indent)
        return out.isEmpty ? indent + "–" : out
    }

    /// Paragraphs for HTML: `[{lines: [{line, br}]}]`, escaped by the template.
    private static func htmlParagraphs(_ text: String) -> [[String: Any]] {
        let paragraphs = NorwegianText.paragraphs(text)
        if paragraphs.isEmpty { return [["lines": [["line": "–", "br": false]]]] }
        return paragraphs.map { lines in
            ["lines": lines.enumerated().map { i, l -> [String: Any] in ["line": l, "br": i < lines.count - 1] }]
        }
    }

    private static func isWebLink(_ link: String) -> Bool {
        guard let url = URL(string: link), let scheme = url.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = url.host, !host.isEmpty
        else { return false }
        return !link.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "<" || $0 == ">" })
    }

    /// Collapses three or more consecutive newlines to two and trims trailing spaces, so
    /// optional sections never leave holes in the plain text.
    private static func tidyText(_ text: String) -> String {
        var lines: [Substring] = []
        var blank = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = raw
            while line.last == " " { line = line.dropLast() }
            if line.isEmpty {
                blank += 1
                if blank > 1 { continue }
            } else {
                blank = 0
            }
            lines.append(line)
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}
