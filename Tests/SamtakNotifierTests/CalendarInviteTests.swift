import Foundation
import SamtakDomain
import Testing
@testable import SamtakNotifier

@Suite("iCalendar invitations")
struct CalendarInviteTests {
    static let longSummary =
        "Ansvarsgruppemøte på Øvre Årstad skole – oppfølging av tiltak, skoleskyss og overgang til ungdomsskolen; "
        + "drøfting med helsesøster, PPT og barnevernstjenesten (æøå ÆØÅ)"

    static func invite(_ method: CalendarMethod, sequence: Int = 2) -> CalendarInvite {
        var meeting = Fixtures.meeting
        meeting.title = longSummary
        meeting.location = "Møterom «Fjellet», 2. etg.; Årstadveien 12\nInngang B"
        meeting.sequence = sequence
        return CalendarInvite(
            method: method, meeting: meeting,
            attendee: Recipient(name: "Kjersti Ødegård, PPT", email: "kjersti.odegard@nordby.kommune.no"),
            organizerEmail: "samtak@nordby.kommune.no",
            timestamp: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test("REQUEST parses with the icalendar package: method, UID, SEQUENCE, DTSTART, folding")
    func requestParses() async throws {
        let invite = Self.invite(.request)
        let ics = invite.render()
        let path = try PythonTools.temporaryFile(ics, suffix: ".ics")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let parsed = try await PythonTools.json(script: PythonScripts.parseCalendar, arguments: [path])

        #expect(parsed["method"] as? String == "REQUEST")
        #expect(parsed["version"] as? String == "2.0")
        #expect((parsed["prodid"] as? String)?.contains("Samtak") == true)
        #expect(parsed["events"] as? Int == 1)
        #expect(parsed["uid"] as? String == "meeting-6f1c2a34-93b1-4c1e-8e0d-2b7a5c9d1e40@samtak")
        #expect(parsed["uid"] as? String == invite.uid)
        #expect(parsed["sequence"] as? Int == 2)
        #expect(parsed["dtstart"] as? Double == Fixtures.meeting.start.timeIntervalSince1970)
        #expect(parsed["dtend"] as? Double == Fixtures.meeting.end.timeIntervalSince1970)
        #expect(parsed["dtstart_utc"] as? Bool == true)
        #expect(parsed["summary"] as? String == Self.longSummary)
        #expect(parsed["location"] as? String == "Møterom «Fjellet», 2. etg.; Årstadveien 12\nInngang B")
        #expect(parsed["status"] as? String == "CONFIRMED")
        #expect(parsed["organizer"] as? String == "mailto:samtak@nordby.kommune.no")
        #expect(parsed["organizer_cn"] as? String == "Åse Bråten")
        #expect(parsed["attendee"] as? String == "mailto:kjersti.odegard@nordby.kommune.no")
        #expect(parsed["attendee_cn"] as? String == "Kjersti Ødegård, PPT")
        #expect((parsed["errors"] as? [Any])?.isEmpty == true)

        let folding = try #require(parsed["folding"] as? [String: Any])
        #expect((folding["max_octets"] as? Int ?? 999) <= 75)
        #expect(folding["all_utf8"] as? Bool == true, "a fold split a multi-byte character")
        #expect(folding["bare_lf"] as? Bool == false)
        #expect((folding["continuations"] as? Int ?? 0) >= 2, "the long summary must be folded")
        #expect(ics.contains("DTSTART:20270302T130000Z"))
        #expect(ics.contains("DTEND:20270302T143000Z"))
    }

    @Test("CANCEL parses: method CANCEL, STATUS CANCELLED, same UID, higher SEQUENCE")
    func cancelParses() async throws {
        let ics = Self.invite(.cancel, sequence: 3).render()
        let path = try PythonTools.temporaryFile(ics, suffix: ".ics")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let parsed = try await PythonTools.json(script: PythonScripts.parseCalendar, arguments: [path])
        #expect(parsed["method"] as? String == "CANCEL")
        #expect(parsed["status"] as? String == "CANCELLED")
        #expect(parsed["uid"] as? String == "meeting-6f1c2a34-93b1-4c1e-8e0d-2b7a5c9d1e40@samtak")
        #expect(parsed["sequence"] as? Int == 3)
        #expect(parsed["dtstart"] as? Double == Fixtures.meeting.start.timeIntervalSince1970)
        #expect((parsed["folding"] as? [String: Any])?["all_utf8"] as? Bool == true)
    }

    @Test("lines fold at 75 octets without splitting UTF-8, CRLF endings, TEXT escaping")
    func foldingAndEscaping() {
        let ics = Self.invite(.request).render()
        #expect(ics.hasSuffix("END:VCALENDAR\r\n"))
        let physical = ics.components(separatedBy: "\r\n").dropLast()
        for line in physical {
            #expect(line.utf8.count <= 75, "line too long: \(line)")
            #expect(!line.contains("\n") && !line.contains("\r"))
        }
        // Unfold and check escaping of the location.
        let unfolded = ics.replacingOccurrences(of: "\r\n ", with: "")
        #expect(unfolded.contains("LOCATION:Møterom «Fjellet»\\, 2. etg.\\; Årstadveien 12\\nInngang B\r\n"))
        #expect(unfolded.contains("SUMMARY:\(CalendarInvite.text(Self.longSummary))\r\n"))
        #expect(CalendarInvite.text("a\\b;c,d\r\ne\nf") == "a\\\\b\\;c\\,d\\ne\\nf")
        // Multi-byte characters at every possible fold position.
        for pad in 0..<4 {
            let line = "SUMMARY:" + String(repeating: "x", count: pad) + String(repeating: "æ€😀", count: 40)
            let folded = CalendarInvite.foldLine(line)
            #expect(folded.replacingOccurrences(of: "\r\n ", with: "") == line)
            for piece in folded.components(separatedBy: "\r\n") {
                #expect(piece.utf8.count <= 75)
            }
        }
    }

    @Test("parameter values with commas are quoted; DQUOTE is replaced")
    func parameters() {
        #expect(CalendarInvite.cn("Kari Nordmann") == ";CN=Kari Nordmann")
        #expect(CalendarInvite.cn("Nordmann, Kari") == ";CN=\"Nordmann, Kari\"")
        #expect(CalendarInvite.cn("Kari \"K\" N") == ";CN=Kari 'K' N")
        #expect(CalendarInvite.cn("") == "")
    }

    @Test("a notice-mode invitation shows only the arena")
    func noticeInvite() {
        var meeting = Fixtures.meeting
        meeting.title = "Ansvarsgruppe for Emil Nilsen"
        meeting.arenaName = "Ansvarsgruppe Nordby"
        let ics = CalendarInvite(method: .request, meeting: meeting.redactedForNotice(), attendee: Fixtures.recipient,
                                 organizerEmail: "samtak@nordby.kommune.no").render()
        #expect(ics.contains("SUMMARY:Ansvarsgruppe Nordby\r\n"))
        #expect(!ics.contains("Emil"))
        #expect(!ics.contains("LOCATION"))
        #expect(!ics.contains("Møterom"))
    }
}
