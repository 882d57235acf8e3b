import Foundation
import SamtakDomain
@testable import SamtakIntake
import Testing

/// The unknown-field check follows what a body's `init(from:)` asks for (`RecordingDecoder`),
/// not a list of fields written beside the struct.
@Suite("Intake JSON: unknown fields from the decoding")
struct RecordingDecoderTests {
    struct Window: Decodable, Sendable {
        var from: LocalTime
        var to: LocalTime
    }
    struct Adaptation: Decodable, Sendable {
        var description: String
        var lastedWeeks: Int?
        var window: Window?
    }
    struct Body: StrictRequestBody {
        var title: String
        var note: String?
        var dueDate: LocalDate?
        var birthDate: LocalDate?
        var adaptations: [Adaptation]?
        var window: Window?
        var labels: [String: String]?
    }

    func decode(_ json: String) throws -> Body {
        try APIJSON.decode(Body.self, from: Data(json.utf8))
    }

    /// The violations of a refused body, or `[]` when it was accepted.
    func violations(_ json: String) -> [Problem.Violation] {
        do {
            _ = try decode(json)
            return []
        } catch let problem as Problem {
            #expect(problem.code == "validation")  // Problem.validation: 422
            return problem.violations
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    func unknown(_ fields: String...) -> [Problem.Violation] {
        fields.map { .init(field: $0, rule: "unknown_field", message: "is not a field of this request") }
    }

    @Test func acceptsEveryFieldTheTypeReads() throws {
        let body = try decode(#"""
            {"title":"T","note":"n","due_date":"2027-03-01","window":{"from":"08:00","to":"09:00"},
             "adaptations":[{"description":"a","lasted_weeks":2,"window":{"from":"10:00","to":"11:00"}},{"description":"b"}]}
            """#)
        #expect(body.title == "T")
        #expect(body.dueDate == LocalDate(year: 2027, month: 3, day: 1))
        #expect(body.adaptations?.map(\.description) == ["a", "b"])
        #expect(body.adaptations?[0].window?.to == LocalTime(hour: 11, minute: 0))
    }

    @Test func optionalFieldAbsentIsNoViolation() throws {
        let body = try decode(#"{"title":"T"}"#)
        #expect(body.note == nil && body.adaptations == nil && body.window == nil)
        #expect(try decode(#"{"title":"T","note":null,"adaptations":null}"#).note == nil)
    }

    @Test func unknownKeyAtTheTop() {
        #expect(violations(#"{"title":"T","colour":"red","age":3}"#) == unknown("age", "colour"))
    }

    @Test func unknownKeyInANestedObject() {
        #expect(violations(#"{"title":"T","window":{"from":"08:00","to":"09:00","tz":"UTC"}}"#) == unknown("window.tz"))
    }

    @Test func unknownKeyInAnArrayOfObjects() {
        #expect(violations(#"{"title":"T","adaptations":[{"description":"a"},{"description":"b"},{"description":"c","lasted":1}]}"#)
                == unknown("adaptations[2].lasted"))
    }

    @Test func unknownKeyAtDepthTwo() {
        #expect(violations(#"{"title":"T","adaptations":[{"description":"a","window":{"from":"08:00","to":"09:00","x":1}}]}"#)
                == unknown("adaptations[0].window.x"))
    }

    /// Only the wire's snake_case spelling is a field, although JSONDecoder would match a
    /// camelCase key to the property too.
    @Test func camelCaseSpellingIsUnknown() {
        #expect(violations(#"{"title":"T","dueDate":"2027-03-01"}"#) == unknown("dueDate"))
    }

    /// A `[String: X]` reads every key, and JSONDecoder keeps its keys as sent.
    @Test func dictionaryKeysAreAllReadAndNotConverted() throws {
        #expect(try decode(#"{"title":"T","labels":{"any_key":"x","other":"y"}}"#).labels == ["any_key": "x", "other": "y"])
    }

    /// An unknown field is named before the body's other problems, as before.
    @Test func unknownFieldComesBeforeAMissingOne() {
        #expect(violations(#"{"colour":"red"}"#) == unknown("colour"))
        #expect(violations(#"{"title":"T","adaptations":[{"lasted":1}]}"#) == unknown("adaptations[0].lasted"))
    }

    @Test func decodingErrorsKeepTheirFieldPaths() {
        #expect(violations(#"{"note":"n"}"#) == [.init(field: "title", rule: "required", message: "is required")])
        #expect(violations(#"{"title":"T","adaptations":[{"description":"a"},{"description":3}]}"#)
                == [.init(field: "adaptations[1].description", rule: "type", message: "must be a string")])
        #expect(violations(#"{"title":"T","window":{"from":"25:00","to":"09:00"}}"#).map(\.field) == ["window.from"])
        #expect(violations(#"{"title":"T","adaptations":"x"}"#).map(\.rule) == ["type"])
    }

    /// `LocalDate` still sees the decoder's `userInfo` (the date ranges) and the field's name.
    @Test func dateRangesStillApply() {
        #expect(violations(#"{"title":"T","due_date":"0100-01-01"}"#).map { [$0.field, $0.rule] } == [["due_date", "range"]])
        #expect(violations(#"{"title":"T","birth_date":"2999-01-01"}"#).map { [$0.field, $0.rule] } == [["birth_date", "range"]])
        #expect(violations(#"{"title":"T","due_date":"2027-02-30"}"#).map { [$0.field, $0.rule] } == [["due_date", "format"]])
    }

    /// The violations JSONDecoder's own error gives for `json` decoded directly, without the
    /// recording decoder: what the API answered before the unknown-field check followed the decoding.
    func direct(_ json: String) -> [Problem.Violation] {
        do {
            _ = try APIJSON.decoder().decode(Body.self, from: Data(json.utf8))
            return []
        } catch let error as DecodingError {
            return [APIJSON.violation(for: error)]
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    /// Every decoding error through the recording decoder is the one JSONDecoder gives itself:
    /// same field path, rule and message (null, wrong types, missing keys, formats, at depth).
    @Test(arguments: [
        #"{"title":null}"#, #"{"title":3}"#, #"{}"#, #"[]"#, #"{"title":"T","note":4}"#,
        #"{"title":"T","adaptations":null}"#, #"{"title":"T","adaptations":{}}"#, #"{"title":"T","adaptations":[null]}"#,
        #"{"title":"T","adaptations":[{"description":"a"},3]}"#, #"{"title":"T","adaptations":[{}]}"#,
        #"{"title":"T","adaptations":[{"description":"a","lasted_weeks":"2"}]}"#,
        #"{"title":"T","adaptations":[{"description":"a","window":{"from":"08:00"}}]}"#,
        #"{"title":"T","window":"08:00"}"#, #"{"title":"T","window":{"from":8,"to":"09:00"}}"#,
        #"{"title":"T","due_date":"2027-13-01"}"#, #"{"title":"T","due_date":20270101}"#, #"{"title":"T","birth_date":"1899-12-31"}"#,
        #"{"title":"T","labels":{"a":1}}"#, #"{"title":"T","labels":[]}"#,
    ])
    func sameErrorsAsJSONDecoder(_ json: String) {
        #expect(violations(json) == direct(json), "\(json)")
    }
}
