import Foundation
import SamtakDomain
import Testing
@testable import SamtakNotifier

@Suite("SMTP delivery through libcurl to the local sink")
struct SMTPSenderTests {
    static func renderedMessage(to recipient: Recipient = Fixtures.recipient, id: UUID = UUID()) throws -> (String, String) {
        let doc = try DocumentRenderer().render(Fixtures.request(Fixtures.agenda))
        let ics = CalendarInvite(method: .request, meeting: Fixtures.meeting, attendee: recipient,
                                 organizerEmail: Fixtures.sender.email).render()
        let messageID = MailMessage.messageID(document: Fixtures.meetingID, recipient: id)
        let message = MailMessage(
            from: Fixtures.sender, to: recipient, subject: doc.subject, messageID: messageID, date: Date(),
            text: doc.text, html: doc.html, calendar: (method: .request, content: ics))
        return (message.render(), messageID)
    }

    @Test("a message arrives in the sink and parses")
    func delivers() async throws {
        let sink = try await SMTPSinkProcess.start()
        defer { sink.stop() }
        let sender = SMTPSender(configuration: sink.configuration)
        let (raw, messageID) = try Self.renderedMessage()
        try await sender.send(message: raw, from: Fixtures.sender.email, to: Fixtures.recipient.email)

        let files = try await sink.waitForMessages(1)
        #expect(files.count == 1)
        let path = try #require(files.first).path
        let parsed = try await PythonTools.json(script: PythonScripts.parseMail, arguments: [path])
        #expect(parsed["delivered_to"] as? String == Fixtures.recipient.email)
        #expect(parsed["message_id"] as? String == messageID)
        #expect(parsed["subject"] as? String == "Saksliste: Ressursteam Nordby skole, tirsdag 2. mars 2027 kl. 14.00")
        #expect((parsed["to"] as? [String: String])?["name"] == "Kjersti Ødegård")
        #expect((parsed["defects"] as? [Any])?.isEmpty == true)
        let types = (parsed["parts"] as? [[String: Any]] ?? []).map { $0["type"] as? String ?? "" }
        #expect(types.contains("text/calendar"))
        // What arrived is byte for byte what was sent (after the sink's two trace headers).
        let stored = try String(contentsOfFile: path, encoding: .utf8)
        #expect(stored.hasSuffix(raw) || stored.hasSuffix(raw + "\r\n") || stored.hasSuffix(String(raw.dropLast(2))))
    }

    @Test("a recipient rejected with 550 is a permanent failure")
    func rejectedRecipient() async throws {
        let sink = try await SMTPSinkProcess.start(rejecting: ["ukjent@nordby.kommune.no"])
        defer { sink.stop() }
        let sender = SMTPSender(configuration: sink.configuration)
        let (raw, _) = try Self.renderedMessage()
        do {
            try await sender.send(message: raw, from: Fixtures.sender.email, to: "ukjent@nordby.kommune.no")
            Issue.record("the send should have failed")
        } catch {
            #expect(error.kind == .permanent)
            #expect(error.replyCode == 550)
            #expect(!error.description.contains("@"), "the description must not contain addresses: \(error)")
        }
        // The same sender still works for another recipient afterwards (reused handle).
        try await sender.send(message: raw, from: Fixtures.sender.email, to: Fixtures.recipient.email)
        #expect(try await sink.waitForMessages(1).count == 1)
    }

    @Test("nothing listening is a transient failure")
    func serverDown() async throws {
        let reservation = try LoopbackPortReservation()
        defer { reservation.release() }
        let port = reservation.port
        let sender = SMTPSender(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", timeout: .seconds(5)))
        let (raw, _) = try Self.renderedMessage()
        do {
            try await sender.send(message: raw, from: Fixtures.sender.email, to: Fixtures.recipient.email)
            Issue.record("the send should have failed")
        } catch {
            #expect(error.kind == .transient)
            #expect(error.replyCode == nil)
            #expect(error.curlCode == 7)  // CURLE_COULDNT_CONNECT
            #expect(!error.description.contains("@"))
        }
    }

    @Test("451 at DATA is transient, and the retry succeeds")
    func temporaryFailureThenSuccess() async throws {
        let sink = try await SMTPSinkProcess.start(failFirst: 1)
        defer { sink.stop() }
        let sender = SMTPSender(configuration: sink.configuration)
        let (raw, messageID) = try Self.renderedMessage()
        do {
            try await sender.send(message: raw, from: Fixtures.sender.email, to: Fixtures.recipient.email)
            Issue.record("the first send should have failed")
        } catch {
            #expect(error.kind == .transient)
            #expect(error.replyCode == 451)
        }
        #expect(sink.messages().isEmpty)
        try await sender.send(message: raw, from: Fixtures.sender.email, to: Fixtures.recipient.email)
        let files = try await sink.waitForMessages(1)
        #expect(files.count == 1)
        let stored = try String(contentsOf: try #require(files.first), encoding: .utf8)
        #expect(stored.contains("Message-ID: \(messageID)\r\n"))
    }

    @Test("50 concurrent sends all arrive, and `smtp_sink.py list` lists them")
    func concurrentSends() async throws {
        let sink = try await SMTPSinkProcess.start()
        defer { sink.stop() }
        let sender = SMTPSender(configuration: sink.configuration)
        let recipients = (1...50).map { Recipient(name: "Mottaker nr. \($0) Ødegård", email: "mottaker\($0)@nordby.kommune.no") }
        var messages: [(String, Recipient)] = []
        for recipient in recipients {
            messages.append((try Self.renderedMessage(to: recipient).0, recipient))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (raw, recipient) in messages {
                group.addTask {
                    try await sender.send(message: raw, from: Fixtures.sender.email, to: recipient.email)
                }
            }
            try await group.waitForAll()
        }
        let files = try await sink.waitForMessages(50)
        #expect(files.count == 50)

        let listing = try await PythonTools.runProcess(
            executable: PythonTools.python(), arguments: [PythonTools.sinkScript, "list", "--dir", sink.directory.path])
        #expect(listing.status == 0, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n")
        #expect(lines.count == 50)
        let listed = Set(lines.compactMap { $0.split(separator: "\t").first.map(String.init) })
        #expect(listed == Set(recipients.map(\.email)))
        #expect(lines.allSatisfy { $0.contains("\tSaksliste: Ressursteam Nordby skole, tirsdag 2. mars 2027 kl. 14.00\t<") })
    }

    @Test("unusable envelope addresses fail permanently without a connection")
    func invalidAddresses() async throws {
        let sender = SMTPSender(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:1"))
        for bad in ["", "no-at-sign", "a@b\r\nRCPT TO:<x@y>", "<a@b>", "a b@c.no"] {
            do {
                try await sender.send(message: "Subject: x\r\n\r\nx\r\n", from: Fixtures.sender.email, to: bad)
                Issue.record("accepted \(bad.debugDescription)")
            } catch {
                #expect(error.kind == .permanent)
                #expect(error.curlCode == nil)
            }
        }
    }

    @Test("a cancelled task does not send")
    func cancelled() async throws {
        let sender = SMTPSender(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:1"))
        let task = Task {
            try? await Task.sleep(for: .seconds(60))
            try await sender.send(message: "Subject: x\r\n\r\nx\r\n", from: Fixtures.sender.email, to: Fixtures.recipient.email)
        }
        task.cancel()
        do {
            try await task.value
            Issue.record("the cancelled send succeeded")
        } catch let error as SMTPError {
            #expect(error.kind == .transient)
            #expect(error.summary.contains("cancelled"))
        }
    }
}

@Suite("SMTP configuration and errors")
struct SMTPConfigurationTests {
    @Test("defaults from an empty environment")
    func defaults() throws {
        let config = try SMTPConfiguration.fromEnvironment([:])
        #expect(config.url == "smtp://127.0.0.1:2525")
        #expect(config.startTLS == .ifAvailable)
        #expect(config.username == nil)
        #expect(config.password == nil)
        #expect(config.timeout == .seconds(30))
        #expect(config.heloDomain == nil)
        #expect(config.curlURL == "smtp://127.0.0.1:2525")
    }

    @Test("all variables are read")
    func fullEnvironment() throws {
        let config = try SMTPConfiguration.fromEnvironment([
            "SAMTAK_SMTP_URL": "smtps://smtp.nordby.kommune.no:465",
            "SAMTAK_SMTP_STARTTLS": "required",
            "SAMTAK_SMTP_USERNAME": "samtak",
            "SAMTAK_SMTP_PASSWORD": "hemmelig passord",
            "SAMTAK_SMTP_TIMEOUT_S": "12.5",
            "SAMTAK_SMTP_HELO_DOMAIN": "samtak.nordby.kommune.no",
        ])
        #expect(config.url == "smtps://smtp.nordby.kommune.no:465")
        #expect(config.startTLS == .required)
        #expect(config.username == "samtak")
        #expect(config.password == "hemmelig passord")
        #expect(config.timeout == .milliseconds(12_500))
        #expect(config.timeoutMilliseconds == 12_500)
        #expect(config.curlURL == "smtps://smtp.nordby.kommune.no:465/samtak.nordby.kommune.no")
        #expect(!config.description.contains("hemmelig"))
        #expect(try SMTPConfiguration.fromEnvironment(["SAMTAK_SMTP_STARTTLS": "never"]).startTLS == .never)
        #expect(try SMTPConfiguration.fromEnvironment(["SAMTAK_SMTP_STARTTLS": "IF_AVAILABLE"]).startTLS == .ifAvailable)
    }

    @Test("invalid values are rejected with the variable named", arguments: [
        ["SAMTAK_SMTP_STARTTLS": "sometimes"],
        ["SAMTAK_SMTP_URL": "http://mail.example.no"],
        ["SAMTAK_SMTP_URL": "smtp://"],
        ["SAMTAK_SMTP_URL": "smtp://user:pw@mail.example.no:25"],
        ["SAMTAK_SMTP_URL": "smtp://mail.example.no:25/path"],
        ["SAMTAK_SMTP_TIMEOUT_S": "0"],
        ["SAMTAK_SMTP_TIMEOUT_S": "abc"],
        ["SAMTAK_SMTP_PASSWORD": "x"],
        ["SAMTAK_SMTP_HELO_DOMAIN": "bad name"],
    ])
    func invalid(env: [String: String]) {
        #expect(throws: SMTPConfigurationError.self) { try SMTPConfiguration.fromEnvironment(env) }
        do {
            _ = try SMTPConfiguration.fromEnvironment(env)
        } catch {
            #expect("\(error)".contains("SAMTAK_SMTP_"))
            #expect(!"\(error)".contains("pw@"))
        }
    }

    @Test("classification: 4xx and connection failures transient, 5xx permanent, authentication transient")
    func classification() {
        #expect(SMTPError.classify(replyCode: 451, curlCode: 8, authenticationFailed: false, summary: "x").kind == .transient)
        #expect(SMTPError.classify(replyCode: 550, curlCode: 55, authenticationFailed: false, summary: "x").kind == .permanent)
        #expect(SMTPError.classify(replyCode: 552, curlCode: 8, authenticationFailed: false, summary: "x").kind == .permanent)
        #expect(SMTPError.classify(replyCode: nil, curlCode: 28, authenticationFailed: false, summary: "x").kind == .transient)
        #expect(SMTPError.classify(replyCode: 535, curlCode: 67, authenticationFailed: true, summary: "x").kind == .transient)
        #expect(SMTPError.classify(replyCode: 250, curlCode: 56, authenticationFailed: false, summary: "x").replyCode == nil)
        #expect(SMTPError.scrubbed("RCPT failed for kari@nordby.no: 550") == "RCPT failed for <address> 550")
    }
}
