import Foundation
@testable import SamtakWeb
import Testing

/// The pure parts of issue 15's pages: forms with repeated fields, the adaptations rows as the
/// API's text, the API's codes and times in bokmål, the case problem at its field.
@Suite("Web: the school's pages (pure parts)")
struct SchoolPageUnitTests {
    @Test("a form keeps every value of a repeated name, decodes + and %, and trims on request")
    func formFields() {
        let form = FormFields(body: "a=1&b=to+ord&a=2&c=%C3%A6%C3%B8%C3%A5&d=+x+")
        #expect(form["a"] == "1" && form.all("a") == ["1", "2"])
        #expect(form["b"] == "to ord" && form["c"] == "æøå")
        #expect(form.text("d") == "x" && form.text("missing") == "")
    }

    @Test("agenda rows: a case seen in full links to it, a redacted one says so without a link, everything is escaped")
    func agendaItems() {
        let rows: [[String: Any]] = [
            ["time": "09.00", "title": "Lesing & skriving <5. trinn>", "caseId": "3f272cd7-7ebf-4e68-8433-4ff406f0f52d", "note": "",
             "overCapacity": false],
            ["time": "09.15", "title": "Sak 2: elev 5. trinn", "caseId": "", "note": "anonymisert", "overCapacity": true],
        ]
        #expect(WebRoutes.agendaItemsHTML(rows) == """
            <li><span class="tid">09.00</span> <a href="/saker/3f272cd7-7ebf-4e68-8433-4ff406f0f52d">Lesing &amp; skriving &lt;5. trinn&gt;</a>
                </li>
            <li><span class="tid">09.15</span> Sak 2: elev 5. trinn
                <span class="hint">anonymisert</span> <span class="merkelapp">over kapasitet</span></li>

            """)
        #expect(WebRoutes.agendaItemsHTML([]).isEmpty)
    }

    @Test("home rows: a case links to its meeting only when placed, a follow-up shows its due date only when it has one, all escaped")
    func homeItems() {
        let placed: [String: Any] = ["id": "c1", "title": "Uro & <støy>", "status": "Satt opp på et møte", "meetingId": "m1", "meetingWhen": "3. mars 2027 kl. 09.00"]
        let waiting: [String: Any] = ["id": "c2", "title": "Lesing", "status": "Sendt inn, venter på et møte", "meetingId": "", "meetingWhen": ""]
        #expect(WebRoutes.homeCaseItemsHTML([placed, waiting]) == """
                <li><a href="/saker/c1">Uro &amp; &lt;støy&gt;</a>: Satt opp på et møte (<a href="/moter/m1">møtet 3. mars 2027 kl. 09.00</a>)</li>
                <li><a href="/saker/c2">Lesing</a>: Sendt inn, venter på et møte</li>

            """)
        let overdue: [String: Any] = ["what": "Ring \"mor\"", "due": "1. mars 2027", "overdue": true, "meetingId": "m1", "arenaName": "Ressursteam",
                                      "meetingWhen": "3. feb. 2027"]
        let undated: [String: Any] = ["what": "Følg opp", "due": "", "overdue": false, "meetingId": "m2", "arenaName": "A&B", "meetingWhen": "x"]
        #expect(WebRoutes.homeFollowUpItemsHTML([overdue, undated]) == """
                <li><strong class="forfalt">Fristen er passert:</strong> Ring &quot;mor&quot;, frist 1. mars 2027 (<a href="/moter/m1/referat">Ressursteam, 3. feb. 2027</a>)</li>
                <li>Følg opp (<a href="/moter/m2/referat">A&amp;B, x</a>)</li>

            """)
        #expect(WebRoutes.homeMeetingItemsHTML([["id": "m1", "arenaName": "<i>", "when": "i dag", "status": "Planlagt"]])
            == "    <li><a href=\"/moter/m1\">&lt;i&gt;, i dag</a> <span class=\"merkelapp\">Planlagt</span></li>\n")
        #expect(WebRoutes.homeArenaItemsHTML([["id": "a1", "name": "PPT's team"]]) == "<li><a href=\"/arenaer/a1\">PPT&#39;s team</a></li>")
        #expect(WebRoutes.homeCaseItemsHTML([]).isEmpty && WebRoutes.homeFollowUpItemsHTML([]).isEmpty)
    }

    @Test("adaptation rows become the API's structured adaptations; rows without what was tried are left out")
    func adaptations() {
        let form = FormFields(body: "tiltak_0_hva=Lesetrening&tiltak_0_fra=september&tiltak_0_varighet=seks+uker&tiltak_0_resultat=Bedre"
            + "&tiltak_1_hva=&tiltak_1_resultat=ingenting&tiltak_2_hva=Pauser")
        #expect(WebRoutes.adaptations(form) == [
            ["what": "Lesetrening", "since": "september", "duration": "seks uker", "result": "Bedre"],
            ["what": "Pauser", "since": "", "duration": "", "result": ""],
        ])
        #expect(WebRoutes.adaptations(FormFields(body: "")).isEmpty)
    }

    @Test("the API's instants are read by hand exactly as Foundation's ISO 8601 parser reads them; other forms fall back to it")
    func instants() throws {
        for text in ["2027-01-05T13:00:00Z", "2027-03-28T00:59:59Z", "2027-03-28T01:00:00Z", "2024-02-29T23:59:59Z", "1999-12-31T00:00:00Z"] {
            #expect(Bokmal.utcSeconds(text) == (try Date(text, strategy: .iso8601)), "\(text)")
        }
        for text in ["2027-02-30T10:00:00Z", "2027-01-05T24:00:00Z", "2027-01-05 13:00:00Z", "2027-01-05T13:00:00+01:00", "2027-01-05T13:00:00.000Z", ""] {
            #expect(Bokmal.utcSeconds(text) == nil, "\(text)")
        }
        #expect(Bokmal.date("2027-01-05T14:00:00+01:00") == Bokmal.date("2027-01-05T13:00:00Z"))
    }

    @Test("times in Europe/Oslo, dates and codes in bokmål")
    func bokmal() {
        #expect(Bokmal.dateTime("2027-01-05T13:00:00Z") == "tirsdag 5. januar 2027 kl. 14.00")
        #expect(Bokmal.dateTime("2027-07-01T07:30:00Z") == "torsdag 1. juli 2027 kl. 09.30")
        #expect(Bokmal.day("2027-01-15") == "15. januar 2027")
        #expect(Bokmal.caseStatus("scheduled") == "Satt opp på et møte")
        #expect(Bokmal.decision("refer_to_ppt") == "Henvises til PPT")
        #expect(Bokmal.failureReason("smtp_550") == "E-posttjeneren avviste meldingen (kode 550).")
        #expect(Bokmal.finding("contains an eleven-digit number (possibly a national identity number)").contains("elleve sifre"))
    }

    @Test("the API's problems land at the form's fields, in bokmål, never echoing input")
    func caseProblems() {
        let consent = APIAnswer(status: 422, body: Array(#"{"code":"consent_required","errors":[{"field":"child_id","rule":"consent_required","message":"x"}]}"#.utf8))
        var errors = FieldErrors()
        WebRoutes.caseErrors(consent, kind: "named", into: &errors)
        #expect(errors["child_id"]?.contains("anonymt") == true)
        let screened = APIAnswer(status: 422, body: Array(#"{"code":"personal_data_suspected","errors":[{"field":"concern","rule":"personal_data_suspected","message":"contains what looks like a date of birth"}]}"#.utf8))
        errors = FieldErrors()
        WebRoutes.caseErrors(screened, kind: "anonymous", into: &errors)
        #expect(errors["concern"]?.contains("fødselsdato") == true)
        #expect(errors["confirm_no_personal_data"] != nil)
        #expect(errors.summary.first?["href"] == "#concern")
    }
}
