import Foundation
import SamtakDomain
import Testing
@testable import SamtakNotifier

@Suite("MIME messages")
struct MailMessageTests {
    static let messageID = MailMessage.messageID(document: UUID(uuidString: "0A6F2E4C-5D31-4F7B-9C21-8E5B3A1D7F90")!,
                                                 recipient: UUID(uuidString: "3C8B1D2E-7A45-4E69-B0F1-6D2C9A8E4B13")!)

    static func message(calendar: Bool, subject: String? = nil) throws -> (MailMessage, RenderedDocument, String) {
        let doc = try DocumentRenderer().render(Fixtures.request(Fixtures.agenda))
        let ics = CalendarInvite(method: .request, meeting: Fixtures.meeting, attendee: Fixtures.recipient,
                                 organizerEmail: Fixtures.sender.email, timestamp: Fixtures.meeting.start).render()
        let message = MailMessage(
            from: Fixtures.sender, to: Fixtures.recipient, subject: subject ?? doc.subject, messageID: messageID,
            date: Fixtures.oslo(2027, 2, 23, 8, 15), text: doc.text, html: doc.html,
            calendar: calendar ? (method: .request, content: ics) : nil,
            headers: [("X-Samtak-Document", "agenda"), ("Bcc", "should-not-pass@example.no")])
        return (message, doc, ics)
    }

    @Test("parses with Python's email package: names, subject, parts, Message-ID")
    func parsesWithPython() async throws {
        let subject = "Saksliste: Møte om «Ærlig talt» – Øvre Årstad skole, tirsdag 2. mars 2027 kl. 14.00 (revidert utgave)"
        let (message, doc, ics) = try Self.message(calendar: true, subject: subject)
        let raw = message.render()
        let path = try PythonTools.temporaryFile(raw, suffix: ".eml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let parsed = try await PythonTools.json(script: PythonScripts.parseMail, arguments: [path])

        #expect((parsed["defects"] as? [Any])?.isEmpty == true, "defects: \(parsed["defects"] ?? "")")
        #expect(parsed["bare_lf"] as? Bool == false)
        #expect((parsed["max_line"] as? Int ?? 9999) <= 78)
        let from = try #require(parsed["from"] as? [String: String])
        #expect(from["name"] == "Samtak – Nordby kommune")
        #expect(from["address"] == "samtak@nordby.kommune.no")
        let to = try #require(parsed["to"] as? [String: String])
        #expect(to["name"] == "Kjersti Ødegård")
        #expect(to["address"] == "kjersti.odegard@nordby.kommune.no")
        #expect(parsed["subject"] as? String == subject)
        #expect(parsed["message_id"] as? String == Self.messageID)
        #expect(parsed["date"] as? Double == Fixtures.oslo(2027, 2, 23, 8, 15).timeIntervalSince1970)
        #expect(parsed["mime_version"] as? String == "1.0")
        #expect(parsed["auto_submitted"] as? String == "auto-generated")
        #expect(parsed["content_type"] as? String == "multipart/mixed")
        let names = (parsed["header_names"] as? [String]) ?? []
        #expect(names.contains("X-Samtak-Document"))
        #expect(!names.contains("Bcc"), "reserved headers are not taken from the caller")

        let parts = try #require(parsed["parts"] as? [[String: Any]])
        let types = parts.map { $0["type"] as? String ?? "" }
        #expect(types == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar", "application/ics"])
        func part(_ type: String) -> [String: Any]? { parts.first { $0["type"] as? String == type } }
        func lf(_ s: String) -> String { s.replacingOccurrences(of: "\r\n", with: "\n") }
        #expect(lf(part("text/plain")?["content"] as? String ?? "") == lf(doc.text))
        #expect(lf(part("text/html")?["content"] as? String ?? "") == lf(doc.html))
        #expect(part("text/plain")?["charset"] as? String == "utf-8")
        #expect(part("text/calendar")?["method"] as? String == "REQUEST")
        #expect(part("text/calendar")?["content"] as? String == ics)
        #expect(part("application/ics")?["filename"] as? String == "invite.ics")
        #expect(part("application/ics")?["disposition"] as? String == "attachment")
    }

    @Test("without a calendar the message is multipart/alternative")
    func withoutCalendar() async throws {
        let (message, _, _) = try Self.message(calendar: false)
        let path = try PythonTools.temporaryFile(message.render(), suffix: ".eml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let parsed = try await PythonTools.json(script: PythonScripts.parseMail, arguments: [path])
        #expect(parsed["content_type"] as? String == "multipart/alternative")
        let types = (parsed["parts"] as? [[String: Any]] ?? []).map { $0["type"] as? String ?? "" }
        #expect(types == ["multipart/alternative", "text/plain", "text/html"])
        #expect((parsed["defects"] as? [Any])?.isEmpty == true)
    }

    @Test("headers: encoded-words, CRLF, Date in RFC 5322 form, no header injection")
    func headers() throws {
        var (message, _, _) = try Self.message(calendar: false)
        message.subject = "Hei\r\nBcc: victim@example.no"
        let raw = message.render()
        let head = raw.components(separatedBy: "\r\n\r\n")[0]
        #expect(head.contains("\r\nDate: Tue, 23 Feb 2027 08:15:00 +0100\r\n"))
        #expect(head.contains("\r\nMessage-ID: \(Self.messageID)\r\n"))
        #expect(head.contains("\r\nMIME-Version: 1.0\r\n"))
        #expect(head.contains("\r\nAuto-Submitted: auto-generated\r\n"))
        #expect(head.contains("To: =?UTF-8?B?"))
        #expect(head.contains(" <kjersti.odegard@nordby.kommune.no>"))
        #expect(head.contains("Subject: Hei Bcc: victim@example.no"))
        #expect(!head.contains("\r\nBcc:"))
        #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(MIMEEncoding.rfc5322Date(Fixtures.oslo(2027, 7, 1, 9, 5)) == "Thu, 01 Jul 2027 09:05:00 +0200")
    }

    @Test("quoted-printable: soft breaks at 76, '=' and non-ASCII encoded, trailing space protected")
    func quotedPrintable() {
        let long = String(repeating: "Dette er en lang linje med æøå og = tegn. ", count: 10) + " "
        let encoded = MIMEEncoding.quotedPrintable(long + "\n.start\nslutt")
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76)
            #expect(!line.hasSuffix(" "))
            #expect(!line.hasPrefix("."))
        }
        #expect(encoded.contains("=C3=A6=C3=B8=C3=A5"))
        #expect(encoded.contains("=3D"))
        #expect(encoded.hasSuffix("=2Estart\r\nslutt"))
    }

    @Test("encoded-words never split a character and stay short")
    func encodedWords() {
        let words = MIMEEncoding.encodedWords(String(repeating: "æøå😀", count: 20))
        #expect(words.count > 1)
        var decoded = ""
        for word in words {
            #expect(word.utf8.count <= 75)
            let payload = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            let data = Data(base64Encoded: String(payload))!
            let piece = String(data: data, encoding: .utf8)
            #expect(piece != nil, "a word split a UTF-8 sequence")
            decoded += piece ?? ""
        }
        #expect(decoded == String(repeating: "æøå😀", count: 20))
    }

    @Test("Message-ID is normalised to angle brackets and the stable helper uses identifiers only")
    func messageIDs() throws {
        var (message, _, _) = try Self.message(calendar: false)
        message.messageID = "abc@samtak"
        #expect(message.normalizedMessageID == "<abc@samtak>")
        #expect(Self.messageID.hasPrefix("<0a6f2e4c-5d31-4f7b-9c21-8e5b3a1d7f90."))
        #expect(Self.messageID.hasSuffix("@samtak>"))
        #expect(("Message-ID: " + Self.messageID).utf8.count <= 78)
        let other = MailMessage.messageID(document: UUID(uuidString: "0A6F2E4C-5D31-4F7B-9C21-8E5B3A1D7F90")!, recipient: UUID())
        #expect(other != Self.messageID, "differs per recipient")
        let (a, _, _) = try Self.message(calendar: true)
        let (b, _, _) = try Self.message(calendar: true)
        #expect(a.render() == b.render(), "rendering is deterministic")
    }
}
