import Foundation
import SamtakDomain
import Testing

@Suite("Civil time")
struct CivilTimeTests {
    typealias F = CalendarFixture

    @Test func localDateParsesAndFormats() throws {
        let d = try LocalDate(parsing: "2027-03-02")
        #expect(d.year == 2027 && d.month == 3 && d.day == 2)
        #expect(d.description == "2027-03-02")
        #expect(d.basicFormat == "20270302")
        #expect(d.weekday == .tuesday)
        #expect(LocalDate("2028-02-29") != nil)
    }

    @Test(arguments: ["2027-3-02", "2027-03-2", "27-03-02", "2027/03/02", "2027-03-02 ", " 2027-03-02", "2027-03-02T10:00", "", "2027-0a-02", "+027-03-02"])
    func localDateRejectsMalformed(_ text: String) {
        #expect(throws: CivilTimeParseError(type: "LocalDate", input: text, reason: .malformed(expectedFormat: "YYYY-MM-DD"))) {
            try LocalDate(parsing: text)
        }
    }

    @Test func localDateRejectsOutOfRangeFields() {
        func reason(_ text: String) -> CivilTimeParseError.Reason? {
            do {
                _ = try LocalDate(parsing: text)
                return nil
            } catch { return error.reason }
        }
        #expect(reason("2027-13-01") == .outOfRange(field: "month"))
        #expect(reason("2027-00-01") == .outOfRange(field: "month"))
        #expect(reason("2027-02-29") == .outOfRange(field: "day"))
        #expect(reason("2027-04-31") == .outOfRange(field: "day"))
        #expect(reason("2027-01-00") == .outOfRange(field: "day"))
        #expect(reason("0000-01-01") == .outOfRange(field: "year"))
        #expect(LocalDate(year: 2027, month: 2, day: 30) == nil)
    }

    @Test func daysSinceEpochAndWeekday() {
        #expect(F.date("1970-01-01").daysSinceEpoch == 0)
        #expect(F.date("1970-01-01").weekday == .thursday)
        #expect(F.date("2027-03-02").daysSinceEpoch == 20879)
        #expect(F.date("1900-03-01").daysSinceEpoch == -25508)
        #expect(F.date("2400-12-31").daysSinceEpoch == 157_419)
        #expect(LocalDate(daysSinceEpoch: -1).description == "1969-12-31")
        #expect(LocalDate(daysSinceEpoch: 20879) == F.date("2027-03-02"))
        // Round trip over a long range, with the weekday advancing by one each day.
        var expected = LocalDate(daysSinceEpoch: -200_000).weekday
        for n in stride(from: -200_000, through: 200_000, by: 1) {
            let d = LocalDate(daysSinceEpoch: n)
            #expect(d.daysSinceEpoch == n)
            if d.weekday != expected { Issue.record("weekday mismatch at \(d)"); break }
            expected = Weekday(rawValue: expected.rawValue % 7 + 1)!
        }
    }

    @Test func arithmetic() {
        let d = F.date("2027-01-31")
        #expect(d.adding(days: 1) == F.date("2027-02-01"))
        #expect(d.adding(days: -31) == F.date("2026-12-31"))
        #expect(d.adding(months: 1) == F.date("2027-02-28"))
        #expect(d.adding(months: 13) == F.date("2028-02-29"))
        #expect(d.adding(months: -2) == F.date("2026-11-30"))
        #expect(F.date("2028-02-29").adding(years: 1) == F.date("2029-02-28"))
        #expect(F.date("2027-01-01").days(until: F.date("2028-01-01")) == 365)
        #expect(F.date("2028-12-31").dayOfYear == 366)
        #expect(Array(F.date("2027-02-27")...F.date("2027-03-02")).map(\.description)
            == ["2027-02-27", "2027-02-28", "2027-03-01", "2027-03-02"])
        #expect(F.date("2027-01-01") < F.date("2027-01-02"))
        #expect(F.date("2026-12-31") < F.date("2027-01-01"))
    }

    @Test func localTimeAndDateTime() throws {
        #expect(try LocalTime(parsing: "14:00").description == "14:00:00")
        #expect(try LocalTime(parsing: "07:05:09").secondsSinceMidnight == 7 * 3600 + 5 * 60 + 9)
        #expect(throws: CivilTimeParseError.self) { try LocalTime(parsing: "7:05") }
        #expect(throws: CivilTimeParseError(type: "LocalTime", input: "24:00", reason: .outOfRange(field: "hour"))) {
            try LocalTime(parsing: "24:00")
        }
        #expect(throws: CivilTimeParseError(type: "LocalTime", input: "12:60", reason: .outOfRange(field: "minute"))) {
            try LocalTime(parsing: "12:60")
        }
        let dt = try LocalDateTime(parsing: "2027-03-02T14:00")
        #expect(dt.description == "2027-03-02T14:00:00")
        #expect(try LocalDateTime(parsing: "2027-03-02T14:00:30").time.second == 30)
        #expect(throws: CivilTimeParseError.self) { try LocalDateTime(parsing: "2027-03-02 14:00") }
        #expect(throws: CivilTimeParseError.self) { try LocalDateTime(parsing: "2027-02-30T14:00") }
        #expect(dt.adding(seconds: 36_000).description == "2027-03-03T00:00:00")
    }

    @Test func codableAsStrings() throws {
        struct Box: Codable, Equatable {
            var date: LocalDate
            var time: LocalTime
            var at: LocalDateTime
        }
        let box = Box(date: F.date("2027-03-02"), time: try LocalTime(parsing: "09:30"), at: F.dateTime("2027-03-02T09:30"))
        let json = String(decoding: try JSONEncoder().encode(box), as: UTF8.self)
        #expect(json.contains("\"2027-03-02\""))
        #expect(json.contains("\"09:30:00\""))
        #expect(json.contains("\"2027-03-02T09:30:00\""))
        #expect(try JSONDecoder().decode(Box.self, from: Data(json.utf8)) == box)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([LocalDate].self, from: Data(#"["2027-02-30"]"#.utf8))
        }
    }

    @Test func weekdayCodes() {
        #expect(Weekday.allCases.map(\.rfc5545Code) == ["MO", "TU", "WE", "TH", "FR", "SA", "SU"])
        #expect(Weekday(rfc5545Code: "th") == .thursday)
        #expect(Weekday(rfc5545Code: "XX") == nil)
        #expect(Weekday.monday.rawValue == 1 && Weekday.sunday.rawValue == 7)
        #expect(Weekday.friday.daysUntil(.monday) == 3)
    }
}
