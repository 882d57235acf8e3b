import Foundation
@testable import SamtakWeb
import SamtakDomain
import Testing

/// The pure parts of the transition pages (issue 16): the API's problems become bokmål
/// sentences at the form's fields, the stages and who is responsible in words, the school year.
@Suite("Web: the transition pages (pure parts)")
struct TransitionPageUnitTests {
    static func answer(_ status: Int, code: String = "validation", errors: [(String, String)] = []) -> APIAnswer {
        let body: [String: Any] = ["code": code, "errors": errors.map { ["field": $0.0, "rule": $0.1, "message": "x"] }]
        return APIAnswer(status: status, body: Array(try! JSONSerialization.data(withJSONObject: body)))
    }

    static func fields(_ answer: APIAnswer) -> [String] {
        var errors = FieldErrors()
        WebRoutes.transitionErrors(answer, rows: [0, 2], into: &errors)
        return errors.summary.map { String($0["href"]!.dropFirst()) }
    }

    @Test("each problem of planning a season lands at the form's own field")
    func planningErrors() {
        // The request's second meeting is the form's third row (the second was left blank).
        #expect(Self.fields(Self.answer(422, errors: [("meetings[0].sending_unit_id", "service")])) == ["sending_unit_id_0"])
        #expect(Self.fields(Self.answer(422, errors: [("meetings[1].starts_at", "range")])) == ["day_2"])
        #expect(Self.fields(Self.answer(422, errors: [("meetings[1].location", "max_length")])) == ["location_2"])
        #expect(Self.fields(Self.answer(422, errors: [("meetings", "unique")])) == ["sending_unit_id_2"])
        #expect(Self.fields(Self.answer(422, errors: [("school_year", "format")])) == ["school_year"])
        #expect(Self.fields(Self.answer(422, errors: [("receiving_unit_id", "service")])) == ["receiving_unit_id"])
        #expect(Self.fields(Self.answer(409, code: "season_exists")) == ["school_year"])
        #expect(Self.fields(Self.answer(403, code: "forbidden")) == ["receiving_unit_id"])
        // A problem the page does not know still says something, at the first field.
        #expect(Self.fields(Self.answer(422)) == ["stage"])
    }

    @Test("the three stages have their own bokmål names; PPT is named as responsible only for its code")
    func words() {
        let names = TransitionStage.allCases.map { WebRoutes.stageText($0.rawValue) }
        #expect(Set(names).count == 3 && !names.contains("Overgang"))
        #expect(WebRoutes.responsibleText("ppt").hasPrefix("PPT"))
        #expect(WebRoutes.responsibleText("school") == "Mottakende skole")
    }

    @Test("the school year runs from August to July, Oslo time")
    func schoolYear() {
        func at(_ text: String) -> Date { OsloTime.instant(for: LocalDateTime(text)!) }
        #expect(WebRoutes.currentSchoolYear(at("2026-12-06T12:00")) == "2026/2027")
        #expect(WebRoutes.currentSchoolYear(at("2027-07-31T23:00")) == "2026/2027")
        #expect(WebRoutes.currentSchoolYear(at("2027-08-01T00:30")) == "2027/2028")
    }
}
