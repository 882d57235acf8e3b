import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakNotifier
import SamtakPostgres
import SamtakTestSupport
import Testing

/// Per-recipient documents through the real pipeline: fan-out in a transaction, the delivery
/// worker rendering at send time, libcurl to the sink, the stored .eml parsed by Python's
/// email and icalendar packages.
@Suite("Documents per recipient, delivered to the local SMTP sink", .timeLimit(.minutes(5)))
struct DocumentDeliveryTests {
    static func mail(_ mails: [ReceivedMail], _ key: String) throws -> ReceivedMail {
        let address = EngineWorld.address(try #require(EngineWorld.names[key])).lowercased()
        let found = mails.filter { $0.recipient == address }
        try #require(found.count == 1, "\(key) should have exactly one message, has \(found.count)")
        return found[0]
    }

    @Test("ressursteam agenda: names where consent covers the service, anonymised otherwise, guardians see only their child")
    func agendaPerRecipient() async throws {
        try await withEngine { harness, sink, world in
            let meeting = try await harness.sql { connection in
                let meeting = try world.insertMeeting(on: connection)
                _ = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                return meeting
            }
            let document = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            harness.startWorker()
            let counts = try #require(try await harness.waitUntilComplete(document))
            // rektor, coordinator, nurse, advisor, caseworker (participants), teacher (case owner), two guardians.
            #expect(counts.delivered == 8 && counts.failed == 0)
            let mails = try await Mailbox.read(sink)
            #expect(mails.count == 8)
            for mail in mails { #expect(mail.defects.isEmpty, "\(mail.recipient): \(mail.defects)") }

            // Consent covers health station and PPT for this arena: they see the child.
            for key in ["nurse", "advisor"] {
                let copy = try Self.mail(mails, key)
                #expect(copy.text.contains("Sak 1: \(EngineWorld.namedTitle)"), "\(key):\n\(copy.text)")
                #expect(copy.html.contains("Emma Nordli"))
                #expect(copy.text.contains("Sak 2: \(EngineWorld.anonymousTitle)"))
                #expect(copy.text.contains("Sak 3: \(EngineWorld.systemTitle)"))
                #expect(copy.text.contains("Innleder: Guri Solberg"))
            }
            // Child welfare takes part, but the consent does not name it.
            let welfare = try Self.mail(mails, "caseworker")
            #expect(welfare.text.contains("Sak 1: elev 5. trinn, anonymisert"), "\(welfare.text)")
            #expect(!welfare.everything.contains("Emma"), "child welfare must not see the child's name")
            #expect(!welfare.everything.contains("Nordli"), "nor a guardian's name")
            #expect(welfare.text.contains("Sak 2: \(EngineWorld.anonymousTitle)"))
            #expect(welfare.text.contains("Sak 3: \(EngineWorld.systemTitle)"))
            // The presenter of a redacted item is not shown (it could point at the class).
            #expect(!welfare.text.contains("Innleder: Guri Solberg"))

            // Guardians (issue 17): a notice with a link to Samtak, whatever the arena chose: never the content
            // (not even their own child's item) or the child's name; they read their child's part in Samtak.
            for key in ["hilde", "tor"] {
                let copy = try Self.mail(mails, key)
                #expect(!copy.everything.contains("Emma") && !copy.everything.contains(EngineWorld.namedTitle))
                #expect(!copy.everything.contains(EngineWorld.anonymousTitle) && !copy.everything.contains(EngineWorld.systemTitle))
                #expect(copy.text.contains("https://samtak.nordby.example/v1/meetings/\(meeting.uuidString.lowercased())"))
            }
            // The teacher who owns the case sees it in full.
            #expect(try Self.mail(mails, "teacher").text.contains(EngineWorld.namedTitle))
            // Participants are listed (staff only, never the guardians).
            let nurse = try Self.mail(mails, "nurse")
            #expect(nurse.text.contains("Vigdis Aune (saksbehandler barnevern, Barneverntjenesten i Nordby)"))
            #expect(!nurse.text.contains("Hilde Nordli"))
            #expect(nurse.subject == "Saksliste: Ressursteam – Nordby barneskole, tirsdag 2. mars 2027 kl. 14.00")
            #expect(nurse.text.contains("https://samtak.nordby.example/v1/meetings/\(meeting.uuidString.lowercased())"))

            // Each copy naming the child is in the access log, with its basis.
            let logged = try await harness.sql { connection in
                try connection.query("SELECT actor_id, basis FROM access_log WHERE action = 'send' AND child_id = \(world.emma)")
                    .map { row throws(PostgresError) in (try row.decode(UUID.self, 0), try row.decode(String.self, 1)) }
            }
            let bases = Dictionary(logged.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
            // The teacher owns the case and sees it because she works at Emma's school (owning it is no basis, issue 12).
            #expect(bases[world.nurse] == "consent" && bases[world.teacher] == "own_unit")
            // The guardians' notices name nobody, so they disclose nothing.
            #expect(bases[world.hilde] == nil)
            #expect(bases[world.caseworker] == nil)
            // The copy showing the named case redacted records that read without the child,
            // as the API's agenda read does (one visibility rule, AgendaVisibility).
            let redactedReads = try await harness.sql { connection in
                try connection.query("""
                    SELECT count(*)::int8 FROM access_log
                    WHERE action = 'send' AND actor_id = \(world.caseworker) AND child_id IS NULL AND resource = 'agenda'
                    """).first?.decode(Int.self, 0)
            }
            #expect(redactedReads == 1)
        }
    }

    @Test("child welfare invited for one item after the agenda went out gets the agenda with that item only, redacted")
    func invitedForOneItemAfterPublication() async throws {
        try await withEngine { harness, sink, world in
            let (meeting, namedItem) = try await harness.sql { connection in
                let meeting = try EngineWorld.insertMeeting(arena: world.arena, caseworker: nil, on: connection)
                let cases = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                let item = try connection.query("SELECT id FROM agenda_items WHERE case_id = \(cases.named)").first!.decode(UUID.self, 0)
                return (meeting, item)
            }
            let agenda = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            harness.startWorker()
            // Without child welfare: rektor, coordinator, nurse, advisor, teacher, two guardians.
            #expect(try await harness.waitUntilComplete(agenda)?.delivered == 7)

            try await harness.sql { connection in
                try connection.execute("""
                    INSERT INTO meeting_item_participants (agenda_item_id, person_id, meeting_id, invited_by)
                    VALUES (\(namedItem), \(world.caseworker), \(meeting), \(world.rektor))
                    """)
            }
            let invited = try EventEnvelope(MeetingParticipantInvited(meetingId: meeting, personId: world.caseworker, agendaItemIds: [namedItem]),
                                            source: "/samtak/intake")
            let document = try #require(try await harness.apply(invited))
            #expect(try await harness.waitUntilComplete(document)?.delivered == 1)
            // The same event again makes nothing more.
            #expect(try await harness.apply(invited) == document)
            let mails = try await Mailbox.read(sink)
            #expect(mails.count == 8)
            let welfare = try Self.mail(mails, "caseworker")
            #expect(welfare.text.contains("Sak 1: elev 5. trinn, anonymisert"), "\(welfare.text)")
            #expect(!welfare.everything.contains("Emma") && !welfare.everything.contains(EngineWorld.anonymousTitle)
                    && !welfare.everything.contains(EngineWorld.systemTitle), "\(welfare.text)")
        }
    }

    @Test("a notice-mode arena sends no case titles at all, only the notice with the link")
    func noticeMode() async throws {
        try await withEngine(deliveryMode: .notice) { harness, sink, world in
            let meeting = try await harness.sql { connection in
                let meeting = try world.insertMeeting(on: connection)
                _ = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                return meeting
            }
            let document = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            harness.startWorker()
            #expect(try await harness.waitUntilComplete(document)?.delivered == 8)
            let mails = try await Mailbox.read(sink)
            #expect(mails.count == 8)
            for mail in mails {
                for secret in ["Emma", "Nordli", "lese- og skrivevansker", "Rutiner for overgang", "Sak 1", "anonymisert", "Møterom", "Guri"] {
                    #expect(!mail.everything.contains(secret), "\(mail.recipient) got \"\(secret)\"")
                }
                #expect(mail.text.contains("Sakslisten til møtet i Ressursteam – Nordby barneskole"))
                #expect(mail.text.contains("https://samtak.nordby.example/v1/meetings/\(meeting.uuidString.lowercased())"))
                #expect(mail.calendarMethod == "REQUEST")
            }
            // Nothing was disclosed, so nothing is logged.
            let logged = try await harness.sql { try $0.query("SELECT count(*) FROM access_log").first?.decode(Int.self, 0) }
            #expect(logged == 0)
        }
    }

    @Test("iCalendar parts parse with icalendar: REQUEST with the meeting's UID and SEQUENCE, then CANCEL with the next")
    func calendarParts() async throws {
        try await withEngine { harness, sink, world in
            let meeting = try await harness.sql { connection in
                let meeting = try world.insertMeeting(sequence: 3, on: connection)
                _ = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                return meeting
            }
            harness.startWorker()
            let agenda = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            #expect(try await harness.waitUntilComplete(agenda) != nil)
            // The owner cancels: status, reason and sequence + 1, as the intake API does.
            try await harness.sql { connection in
                _ = try connection.execute("""
                    UPDATE meetings SET status = 'cancelled', cancelled_reason = 'by_owner', sequence = sequence + 1 WHERE id = \(meeting)
                    """)
            }
            let cancellation = try #require(try await harness.fanOut(.cancellation, meeting: meeting, reason: .byOwner))
            #expect(try await harness.waitUntilComplete(cancellation)?.delivered == 8)

            let mails = try await Mailbox.read(sink)
            #expect(mails.count == 16)
            let uid = "meeting-\(meeting.uuidString.lowercased())@samtak"
            let requests = mails.filter { $0.calendarMethod == "REQUEST" }
            let cancels = mails.filter { $0.calendarMethod == "CANCEL" }
            #expect(requests.count == 8 && cancels.count == 8)
            for mail in requests {
                #expect(mail.calendarUID == uid && mail.calendarSequence == 3 && mail.calendarStatus == "CONFIRMED")
                #expect(mail.calendarParams == "REQUEST")
                #expect(mail.calendarSummary == "Ressursteam – Nordby barneskole")
            }
            for mail in cancels {
                #expect(mail.calendarUID == uid && mail.calendarSequence == 4 && mail.calendarStatus == "CANCELLED")
                #expect(mail.subject.hasPrefix("Avlyst: "))
                // The family's notice says only that the meeting is cancelled, with the link (issue 17).
                let family = [EngineWorld.names["hilde"], EngineWorld.names["tor"]].compactMap { $0 }.map { EngineWorld.address($0).lowercased() }
                #expect(mail.text.contains("Møtet er avlyst av møteleder.") || family.contains(mail.recipient))
                #expect(!mail.everything.contains("Emma"))
            }
            // Every recipient has two different messages (two Message-IDs).
            let byRecipient = Dictionary(grouping: mails, by: \.recipient)
            for (recipient, copies) in byRecipient {
                #expect(Set(copies.map(\.messageID)).count == 2, "\(recipient)")
            }
            // Each message parses as RFC 5322 with the full header set (the strict check of one).
            let path = try #require(sink.messages().first).path
            let parsed = try await PythonTools.json(script: PythonScripts.parseMail, arguments: [path])
            #expect((parsed["defects"] as? [Any])?.isEmpty == true)
            #expect(parsed["bare_lf"] as? Bool == false)
            #expect((parsed["max_line"] as? Int ?? 999) <= 998)
            #expect((parsed["from"] as? [String: String])?["address"] == "samtak@nordby.example")
        }
    }

    /// Moves the meeting a day later with sequence 2, as the intake does, and applies `meeting.moved`.
    static func moveByADay(_ meeting: UUID, harness: EngineHarness, world: EngineWorld) async throws -> UUID? {
        let later = EngineWorld.meetingStart.addingTimeInterval(86400)
        try await harness.sql { connection in
            _ = try connection.execute("""
                UPDATE meetings SET starts_at = \(later), ends_at = \(later.addingTimeInterval(3600)), sequence = 2 WHERE id = \(meeting)
                """)
        }
        return try await harness.apply(try EventEnvelope(MeetingMoved(meetingId: meeting, arenaId: world.arena, sequence: 2), source: "/samtak/intake"))
    }

    @Test("a meeting moved after its agenda went out: the agenda again, with the new time and a higher SEQUENCE")
    func movedMeeting() async throws {
        try await withEngine { harness, sink, world in
            let meeting = try await harness.sql { try world.insertMeeting(sequence: 1, on: $0) }
            harness.startWorker()
            // Moved before anything was announced: nothing to send (the agenda will carry the time).
            let early = try EventEnvelope(MeetingMoved(meetingId: meeting, arenaId: world.arena, sequence: 1), source: "/samtak/intake")
            #expect(try await harness.apply(early) == nil)
            let agenda = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            #expect(try await harness.waitUntilComplete(agenda) != nil)
            let update = try #require(try await Self.moveByADay(meeting, harness: harness, world: world))
            #expect(try await harness.waitUntilComplete(update)?.delivered == 5)
            let updates = try await Mailbox.read(sink).filter { $0.calendarSequence == 2 }
            #expect(updates.count == 5)
            for mail in updates {
                #expect(mail.calendarMethod == "REQUEST")
                #expect(mail.subject.contains("onsdag 3. mars 2027 kl. 14.00"), "\(mail.subject)")
            }
        }
    }

    @Test("a meeting about their child moved: the guardians' notice says \"Et møte er flyttet\" with the link, never content or the name")
    func movedMeetingFamilyNotice() async throws {
        try await withEngine { harness, sink, world in
            let meeting = try await harness.sql { connection in
                let meeting = try world.insertMeeting(sequence: 1, on: connection)
                _ = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                return meeting
            }
            harness.startWorker()
            let agenda = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            #expect(try await harness.waitUntilComplete(agenda)?.delivered == 8)
            let update = try #require(try await Self.moveByADay(meeting, harness: harness, world: world))
            #expect(try await harness.waitUntilComplete(update)?.delivered == 8)
            let updates = try await Mailbox.read(sink).filter { $0.calendarSequence == 2 }
            for key in ["hilde", "tor"] {
                let copy = try Self.mail(updates, key)
                #expect(copy.subject == "Et møte er flyttet: Ressursteam – Nordby barneskole, onsdag 3. mars 2027 kl. 14.00", "\(copy.subject)")
                #expect(copy.text.contains("Et møte er flyttet."), "\(copy.text)")
                #expect(copy.text.contains("https://samtak.nordby.example/v1/meetings/\(meeting.uuidString.lowercased())"))
                #expect(!copy.everything.contains("Emma") && !copy.everything.contains(EngineWorld.namedTitle))
                #expect(!copy.text.contains("Sakslisten"))
            }
            // Staff get the agenda again with the new time, as before.
            let nurse = try Self.mail(updates, "nurse")
            #expect(nurse.subject == "Saksliste: Ressursteam – Nordby barneskole, onsdag 3. mars 2027 kl. 14.00")
            #expect(nurse.text.contains(EngineWorld.namedTitle))
            // The first agenda was no move: its notice to the family said the agenda is ready.
            let first = try await Mailbox.read(sink).filter { $0.calendarSequence == 1 }
            #expect(try Self.mail(first, "hilde").text.contains("Sakslisten til møtet i Ressursteam – Nordby barneskole"))
        }
    }

    @Test("a participant only with consent (the nurse in skolefravær) gets no copy until a consent names her service; then Emma in full")
    func nurseOnlyWithConsent() async throws {
        try await withEngine { harness, sink, world in
            let meeting = try await harness.sql { connection in
                _ = try connection.execute("""
                    UPDATE arena_participants SET presence = 'with_consent' WHERE arena_id = \(world.arena) AND role = 'school_nurse'
                    """)
                _ = try connection.execute("UPDATE consents SET services = \(["school", "ppt"]) WHERE id = \(world.consent)")
                let meeting = try world.insertMeeting(on: connection)
                _ = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                return meeting
            }
            harness.startWorker()
            let first = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            // Everyone of the ressursteam's agenda but the nurse: rektor, coordinator, advisor, caseworker, teacher, two guardians.
            #expect(try await harness.waitUntilComplete(first)?.delivered == 7)
            let nurseAddress = EngineWorld.address(EngineWorld.names["nurse"]!).lowercased()
            #expect(try await Mailbox.read(sink).filter { $0.recipient == nurseAddress }.isEmpty)
            // The advisor (PPT, named by the consent) still sees Emma's case in full.
            #expect(try Self.mail(try await Mailbox.read(sink), "advisor").text.contains(EngineWorld.namedTitle))

            // The parents consent to the health station too: the next copy reaches the nurse, with Emma's case in full.
            try await harness.sql { connection in
                _ = try connection.execute("UPDATE consents SET services = \(["school", "ppt", "health_station"]) WHERE id = \(world.consent)")
            }
            let second = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            #expect(try await harness.waitUntilComplete(second)?.delivered == 8)
            let nurse = try Self.mail(try await Mailbox.read(sink), "nurse")
            #expect(nurse.text.contains(EngineWorld.namedTitle), "\(nurse.text)")
        }
    }

    @Test("a consent withdrawn after the agenda was published and before the send: that send no longer names the child")
    func consentWithdrawnBeforeSend() async throws {
        try await withEngine { harness, sink, world in
            let meeting = try await harness.sql { connection in
                let meeting = try world.insertMeeting(on: connection)
                _ = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                return meeting
            }
            // Published (deliveries created) while the consent was in force ...
            let document = try #require(try await harness.fanOut(.agenda, meeting: meeting))
            // ... withdrawn before the worker runs.
            try await harness.sql { connection in
                _ = try connection.execute("UPDATE consents SET withdrawn_at = now(), withdrawn_by = \(world.hilde) WHERE id = \(world.consent)")
            }
            harness.startWorker()
            #expect(try await harness.waitUntilComplete(document)?.delivered == 8)
            let mails = try await Mailbox.read(sink)
            for key in ["nurse", "advisor", "caseworker"] {
                let copy = try Self.mail(mails, key)
                #expect(copy.text.contains("Sak 1: elev 5. trinn, anonymisert"), "\(key)")
                #expect(!copy.everything.contains("Emma"), "\(key) must no longer see the child")
            }
            // The case owner sees the case on other grounds than consent; the guardians get a notice (issue 17).
            #expect(!(try Self.mail(mails, "hilde").everything.contains(EngineWorld.namedTitle)))
            #expect(try Self.mail(mails, "teacher").text.contains(EngineWorld.namedTitle))
        }
    }

    @Test("minutes: discussion, decision and follow-ups only where the recipient sees the case in full")
    func minutesPerRecipient() async throws {
        try await withEngine { harness, sink, world in
            let meeting = try await harness.sql { connection in
                let meeting = try world.insertMeeting(on: connection)
                let cases = try world.insertCases(meeting: meeting, arena: world.arena, on: connection)
                try Self.insertMinutes(meeting: meeting, named: cases.named, world: world, on: connection)
                return meeting
            }
            let document = try #require(try await harness.fanOut(.minutes, meeting: meeting))
            harness.startWorker()
            #expect(try await harness.waitUntilComplete(document)?.delivered == 8)
            let mails = try await Mailbox.read(sink)
            let nurse = try Self.mail(mails, "nurse")
            #expect(nurse.subject.hasPrefix("Referat: "))
            #expect(nurse.text.contains("Fraværet har økt siden jul."))
            #expect(nurse.text.contains("Eleven henvises til PPT."))
            #expect(nurse.text.contains("Sende henvisning til PPT (ansvarlig: Guri Solberg, frist: fredag 12. mars 2027)"))
            #expect(nurse.text.contains("Til stede: Frode Nygaard, Randi Kvam og Hilde Nordli"))
            #expect(nurse.text.contains("/minutes"))
            #expect(nurse.calendarMethod == nil)
            let welfare = try Self.mail(mails, "caseworker")
            #expect(!welfare.everything.contains("Fraværet har økt"))
            #expect(!welfare.everything.contains("Sende henvisning"))
            #expect(!welfare.everything.contains("Emma") && !welfare.everything.contains("Nordli"))
            #expect(welfare.text.contains("Til stede: Frode Nygaard, Randi Kvam og foresatt"))
            // The guardian: a notice with the link to the minutes, no content (issue 17).
            let guardian = try Self.mail(mails, "tor")
            #expect(!guardian.everything.contains("Fraværet har økt siden jul.") && !guardian.everything.contains("Emma"))
            #expect(!guardian.everything.contains(EngineWorld.systemTitle))
            #expect(guardian.text.contains("/minutes"))
        }
    }

    static func insertMinutes(meeting: UUID, named: UUID, world: EngineWorld, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO minutes (meeting_id, status, present, absent, approved_by, approved_at)
            VALUES (\(meeting), 'approved', \([world.rektor, world.nurse, world.hilde]), \([UUID]()), \(world.rektor), now())
            """)
        let item = try connection.query("SELECT id FROM agenda_items WHERE case_id = \(named)").first!.decode(UUID.self, 0)
        try connection.execute("""
            INSERT INTO minutes_entries (meeting_id, agenda_item_id, discussion, decision, decision_text)
            VALUES (\(meeting), \(item), 'Fraværet har økt siden jul.', 'refer_to_ppt', '')
            """)
        try connection.execute("""
            INSERT INTO follow_up_actions (id, meeting_id, agenda_item_id, description, responsible_id, due_date)
            VALUES (\(UUID()), \(meeting), \(item), 'Sende henvisning til PPT', \(world.teacher), '2027-03-12')
            """)
        try connection.execute("UPDATE meetings SET status = 'minutes_approved' WHERE id = \(meeting)")
    }
}
