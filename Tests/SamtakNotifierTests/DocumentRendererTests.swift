import Foundation
import SamtakDomain
import Testing
@testable import SamtakNotifier

@Suite("Document rendering")
struct DocumentRendererTests {
    let renderer: DocumentRenderer

    init() throws {
        renderer = try DocumentRenderer()
    }

    @Test("agenda: subject, meeting, participants and cases in Norwegian")
    func agenda() throws {
        let doc = try renderer.render(Fixtures.request(Fixtures.agenda))
        #expect(doc.subject == "Saksliste: Ressursteam Nordby skole, tirsdag 2. mars 2027 kl. 14.00")
        for expected in [
            "SAKSLISTE", "Hei Kjersti Ødegård,",
            "Tid:  tirsdag 2. mars 2027 kl. 14.00–15.30",
            "Sted: Møterom 2, Nordby skole",
            "Møteleder: Åse Bråten <ase.braten@nordby.kommune.no>",
            "- Kari Nordmann (helsesykepleier, Helsestasjon Nordby)",
            "- Per Hansen (PPT-rådgiver, PPT Nordby)",
            "Sak 1: Oppfølging av tiltak for elev 7B",
            "    Tid: kl. 14.00–14.20 (20 min)",
            "    Innleder: Per Hansen",
            "Sak 2: elev 5. trinn, anonymisert",
            "    Tid: kl. 14.20–14.50 (30 min)",
            "Sak 3: Kompetanseheving om skolevegring",
            "Les sakslisten i Samtak:", Fixtures.readLink,
        ] {
            #expect(doc.text.contains(expected), "text lacks \(expected):\n\(doc.text)")
        }
        // No presenter line for the case without one.
        #expect(!doc.text.contains("Sak 2: elev 5. trinn, anonymisert\n    Tid: kl. 14.20–14.50 (30 min)\n    Innleder"))
        #expect(!doc.text.contains("\n\n\n"), "no holes in the plain text")
        for expected in [
            "<h1 style=\"margin:0 0 16px 0;font-size:22px;\">Ressursteam Nordby skole</h1>",
            "tirsdag 2. mars 2027 kl. 14.00–15.30", "Møterom 2, Nordby skole",
            "<td style=\"padding:4px 8px 4px 0;vertical-align:top;\">Kari Nordmann</td>",
            "helsesykepleier", "Helsestasjon Nordby",
            "Oppfølging av tiltak for elev 7B", "14.00–14.20 (20 min)", "Per Hansen",
            "href=\"\(Fixtures.readLink)\"", "<html lang=\"nb\">",
        ] {
            #expect(doc.html.contains(expected), "html lacks \(expected)")
        }
    }

    @Test("minutes: attendance, absence, discussion, decision, follow-ups and next meeting")
    func minutes() throws {
        let doc = try renderer.render(Fixtures.request(Fixtures.minutes))
        #expect(doc.subject == "Referat: Ressursteam Nordby skole, tirsdag 2. mars 2027 kl. 14.00")
        for expected in [
            "REFERAT",
            "Til stede: Kari Nordmann, Per Hansen og Åse Bråten",
            "Forfall: Ola Berg",
            "SAK 1: Oppfølging av tiltak for elev 7B",
            "  Drøfting:\n    Tiltakene har virket godt.\n    Fraværet er redusert siden januar.\n\n    Foreldrene er fornøyde.",
            "  Konklusjon:\n    Tiltakene videreføres ut skoleåret.",
            "  - Sende oppdatert plan til foreldrene (ansvarlig: Per Hansen, frist: fredag 12. mars 2027)",
            "  - Avtale samtale med eleven (ansvarlig: Kari Nordmann)",
            "SAK 2: elev 5. trinn, anonymisert",
            "Anbefaler henvisning til PPT.",
            "Neste møte: tirsdag 16. mars 2027 kl. 14.00",
            "Les referatet i Samtak:",
        ] {
            #expect(doc.text.contains(expected), "text lacks \(expected):\n\(doc.text)")
        }
        for expected in [
            "Kari Nordmann, Per Hansen og Åse Bråten", "Ola Berg",
            "Tiltakene har virket godt.<br>Fraværet er redusert siden januar.</p>",
            "<p style=\"margin:0 0 8px 0;\">Foreldrene er fornøyde.</p>",
            "Sende oppdatert plan til foreldrene", "fredag 12. mars 2027",
            "<strong>Neste møte:</strong> tirsdag 16. mars 2027 kl. 14.00",
        ] {
            #expect(doc.html.contains(expected), "html lacks \(expected)")
        }
    }

    @Test("minutes without next meeting, absence or cases")
    func minutesEmpty() throws {
        let doc = try renderer.render(Fixtures.request(.minutes(attendance: ["Kari Nordmann"], absent: [], items: [], nextMeeting: nil)))
        #expect(doc.text.contains("Forfall: ingen"))
        #expect(doc.text.contains("Ingen saker ble behandlet."))
        #expect(doc.text.contains("Neste møte: ikke fastsatt"))
    }

    @Test("cancellation: which meeting and why")
    func cancellation() throws {
        let doc = try renderer.render(Fixtures.request(Fixtures.cancellation))
        #expect(doc.subject == "Avlyst: Ressursteam Nordby skole, tirsdag 2. mars 2027 kl. 14.00")
        for expected in [
            "AVLYST MØTE", "Dette møtet er avlyst:", "Ressursteam Nordby skole",
            "Tid:  tirsdag 2. mars 2027 kl. 14.00–15.30", "Årsak:\n  Møteleder er syk; nytt møte kalles inn.",
        ] {
            #expect(doc.text.contains(expected), "text lacks \(expected):\n\(doc.text)")
        }
        #expect(doc.html.contains("Møteleder er syk; nytt møte kalles inn."))
        #expect(doc.html.contains("Dette møtet er avlyst:"))
    }

    @Test("notice mode shows only arena, time, kind and link", arguments: [DocumentKind.agenda, .minutes, .cancellation])
    func notice(kind: DocumentKind) throws {
        // A title that differs from the arena (it could name the child) must not appear either.
        var meeting = Fixtures.meeting
        meeting.title = "Ansvarsgruppe for Emil Nilsen"
        meeting.arenaName = "Ansvarsgruppe Nordby"
        let content: DocumentContent
        switch kind {
        case .agenda: content = Fixtures.agenda
        case .minutes: content = Fixtures.minutes
        case .cancellation: content = Fixtures.cancellation
        }
        let doc = try renderer.render(Fixtures.request(content, mode: .notice, meeting: meeting))
        #expect(doc.subject == "\(kind.subjectPrefix): Ansvarsgruppe Nordby, tirsdag 2. mars 2027 kl. 14.00")
        for body in [doc.text, doc.html] {
            #expect(body.contains("Ansvarsgruppe Nordby"))
            #expect(body.contains("tirsdag 2. mars 2027 kl. 14.00–15.30"))
            #expect(body.contains(Fixtures.readLink))
            #expect(body.contains("personvernhensyn"))
            var forbidden = [
                "Emil", "Nilsen", "Møterom", "Åse", "Bråten", "Kjersti", "Kari", "Per Hansen", "Ola Berg",
                "helsesykepleier", "Helsestasjon",
            ]
            forbidden += Fixtures.agendaItems.map(\.title) + Fixtures.minutesItems.flatMap { [$0.title, $0.discussion, $0.decision] }
            forbidden += ["Møteleder er syk", "elev", "Tiltak", "PPT"]
            for word in forbidden {
                #expect(!body.contains(word), "notice (\(kind)) contains \(word)")
            }
        }
        let kindWord = ["agenda": "Sakslisten", "minutes": "Referatet", "cancellation": "er avlyst"][kind.rawValue]!
        #expect(doc.text.contains(kindWord))
        #expect(doc.html.contains(kindWord))
        #expect(doc.text.contains(kind.subjectPrefix.uppercased()))
    }

    @Test("a moved meeting's notice says \"Et møte er flyttet\" with the new time and the link, never content or a name")
    func movedNotice() throws {
        var meeting = Fixtures.meeting
        meeting.title = "Ansvarsgruppe for Emil Nilsen"
        meeting.arenaName = "Ansvarsgruppe Nordby"
        var request = Fixtures.request(Fixtures.agenda, mode: .notice, meeting: meeting)
        request.moved = true
        let doc = try renderer.render(request)
        #expect(doc.subject == "Et møte er flyttet: Ansvarsgruppe Nordby, tirsdag 2. mars 2027 kl. 14.00")
        for body in [doc.text, doc.html] {
            #expect(body.contains("Et møte er flyttet"), "\(body)")
            #expect(body.contains("Møtet i Ansvarsgruppe Nordby er nå tirsdag 2. mars 2027 kl. 14.00–15.30"), "\(body)")
            #expect(body.contains(Fixtures.readLink))
            #expect(!body.contains("Sakslisten"), "a moved meeting's notice is not \"the agenda is ready\"")
            for word in ["Emil", "Nilsen", "Møterom"] + Fixtures.agendaItems.map(\.title) {
                #expect(!body.contains(word), "moved notice contains \(word)")
            }
        }
        // Staff who get the content: the agenda as before (its calendar part carries the new time).
        var content = Fixtures.request(Fixtures.agenda, mode: .content, meeting: meeting)
        content.moved = true
        #expect(try renderer.render(content).subject.hasPrefix("Saksliste: "))
    }

    @Test("HTML escapes a <script> title and other markup; text keeps it readable")
    func htmlEscaping() throws {
        var meeting = Fixtures.meeting
        meeting.title = "Team \"A\" & <b>B</b>"
        let items = [AgendaItemLine(position: 1, title: "<script>alert('x')</script>", presenter: "<img src=x onerror=alert(1)>",
                                    start: Fixtures.meeting.start, minutes: 10)]
        let doc = try renderer.render(Fixtures.request(.agenda(participants: [ParticipantLine(name: "<i>Ola</i>", role: "r&d", unit: "u")], items: items),
                                                       meeting: meeting))
        #expect(!doc.html.contains("<script>"))
        #expect(!doc.html.contains("<img"))
        #expect(!doc.html.contains("<b>B</b>"))
        #expect(!doc.html.contains("<i>Ola</i>"))
        #expect(doc.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(doc.html.contains("Team &quot;A&quot; &amp; &lt;b&gt;B&lt;/b&gt;"))
        #expect(doc.html.contains("r&amp;d"))
        // Plain text is not HTML: it shows the characters as they are.
        #expect(doc.text.contains("Sak 1: <script>alert('x')</script>"))
        #expect(doc.text.contains("Team \"A\" & <b>B</b>"))

        let cancelled = try renderer.render(Fixtures.request(.cancellation(reason: "<script>x</script>\nlinje 2")))
        #expect(!cancelled.html.contains("<script>"))
        #expect(cancelled.html.contains("&lt;script&gt;x&lt;/script&gt;<br>linje 2"))
    }

    @Test("no template uses triple mustaches or {{& }}")
    func noUnescapedTemplates() {
        for (name, text) in DocumentTemplates.all {
            #expect(!text.contains("{{{"), "\(name) uses a triple mustache")
            #expect(!text.contains("{{&"), "\(name) uses {{& }}")
            #expect(!text.contains("{{ &"), "\(name) uses {{ & }}")
            #expect(!text.contains("{{="), "\(name) changes delimiters")
        }
    }

    @Test("the read link must be http(s)")
    func readLinkValidated() throws {
        var request = Fixtures.request(Fixtures.agenda)
        request.readLink = "javascript:alert(1)"
        #expect(throws: DocumentRenderError.self) { try renderer.render(request) }
        request.readLink = "https://samtak.example/x\" onclick=\"y"
        #expect(throws: DocumentRenderError.self) { try renderer.render(request) }
    }

    @Test("summer time: a June meeting shows Oslo (CEST) wall time")
    func summerTime() throws {
        var meeting = Fixtures.meeting
        meeting.start = Fixtures.oslo(2027, 6, 15, 9, 0)
        meeting.end = Fixtures.oslo(2027, 6, 15, 10, 15)
        #expect(meeting.start == Date(timeIntervalSince1970: 1_813_042_800))  // 07:00 UTC
        let doc = try renderer.render(Fixtures.request(.cancellation(reason: "Ferie"), meeting: meeting))
        #expect(doc.subject == "Avlyst: Ressursteam Nordby skole, tirsdag 15. juni 2027 kl. 09.00")
        #expect(doc.text.contains("tirsdag 15. juni 2027 kl. 09.00–10.15"))
    }

    @Test("a title with the \"Sak N:\" prefix is not doubled; line breaks in one-line fields are flattened")
    func titleNormalisation() throws {
        let items = [AgendaItemLine(position: 3, title: "Sak 3: elev 5. trinn, anonymisert", start: Fixtures.meeting.start, minutes: 15)]
        var meeting = Fixtures.meeting
        meeting.title = "Ressursteam\nNordby skole"
        let doc = try renderer.render(Fixtures.request(.agenda(participants: [], items: items), meeting: meeting))
        #expect(doc.text.contains("Sak 3: elev 5. trinn, anonymisert"))
        #expect(!doc.text.contains("Sak 3: Sak 3"))
        #expect(doc.subject == "Saksliste: Ressursteam Nordby skole, tirsdag 2. mars 2027 kl. 14.00")
        #expect(doc.text.contains("Ingen deltakere er registrert."))
    }

    @Test("rendering is safe from many tasks at once")
    func concurrentRendering() async throws {
        let renderer = self.renderer
        let subjects = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<40 {
                group.addTask { try renderer.render(Fixtures.request(Fixtures.minutes)).subject }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(subjects == ["Referat: Ressursteam Nordby skole, tirsdag 2. mars 2027 kl. 14.00"])
    }
}
