import Foundation

/// An instant in UTC as text, "2027-01-05T13:00:00Z" or with milliseconds
/// "2027-01-05T13:00:00.123Z", written as bytes (no formatter, no String per part): the API's
/// dates (`ResponseJSON`, whole seconds as Foundation's `.iso8601`) and the log lines' times
/// (`JSONLogHandler`, as `ISO8601DateFormatter` with fractional seconds).
public enum UTCText {
    /// `seconds` since 1970 (whole), and the milliseconds after it (0...999) when they are to
    /// be written. Years outside 0...9999 are written with as many digits as they have.
    public static func format(seconds: Int, milliseconds: Int? = nil) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let day = LocalDate(daysSinceEpoch: days)
        guard (0...9999).contains(day.year) else {
            func pad(_ value: Int, _ width: Int) -> String {
                let text = String(value)
                return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
            }
            let fraction = milliseconds.map { "." + pad($0, 3) } ?? ""
            return "\(pad(day.year, 4))-\(pad(day.month, 2))-\(pad(day.day, 2))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))\(fraction)Z"
        }
        var bytes: [UInt8] = Array((milliseconds == nil ? "0000-00-00T00:00:00Z" : "0000-00-00T00:00:00.000Z").utf8)
        func put(_ value: Int, at offset: Int, width: Int) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(day.year, at: 0, width: 4); put(day.month, at: 5, width: 2); put(day.day, at: 8, width: 2)
        put(rest / 3600, at: 11, width: 2); put(rest / 60 % 60, at: 14, width: 2); put(rest % 60, at: 17, width: 2)
        if let milliseconds { put(milliseconds, at: 20, width: 3) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
