import Foundation
@testable import SamtakRuntime
import Testing

/// The log line's parts written by hand: what `ISO8601DateFormatter` and escaping by scalar
/// wrote before. Pure: no I/O.
@Suite("Log lines: time and quoting")
struct LogLineTests {
    @Test("the time as ISO8601DateFormatter writes it (UTC, milliseconds), over 3,000 instants from 1970 to 2200")
    func time() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SystemRandomNumberGenerator()
        var instants: [Double] = [0, 0.999, 1.0005, 951_782_399.999, 951_782_400, 1_796_614_316.123, 4_102_444_800]
        for _ in 0..<1500 { instants.append((Double.random(in: 0...7_258_118_400, using: &generator) * 1000).rounded(.down) / 1000) }
        for _ in 0..<1500 { instants.append(Double.random(in: 0...7_258_118_400, using: &generator)) }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            #expect(RFC3339Now.string(date) == formatter.string(from: date), "\(instant)")
        }
        #expect(RFC3339Now.string().count == 24)
    }

    @Test("quoting: plain text as it is, escapes where JSON needs them")
    func quoting() {
        #expect(JSONLogHandler.quote("GET /v1/me/tasks") == #""GET /v1/me/tasks""#)
        #expect(JSONLogHandler.quote("æøå – 😀") == "\"æøå – 😀\"")
        #expect(JSONLogHandler.quote("a\"b\\c\nd\re\tf\u{1}") == #""a\"b\\c\nd\re\tf\u0001""#)
        #expect(JSONLogHandler.quote("") == "\"\"")
    }

    @Test("a request's duration in milliseconds to a tenth")
    func duration() {
        #expect(LogDuration.milliseconds(0) == "0.0")
        #expect(LogDuration.milliseconds(49_999) == "0.0")
        #expect(LogDuration.milliseconds(50_000) == "0.1")
        #expect(LogDuration.milliseconds(12_345_678) == "12.3")
        #expect(LogDuration.milliseconds(99_960_000) == "100.0")
        #expect(LogDuration.milliseconds(-5) == "0.0")
    }
}
