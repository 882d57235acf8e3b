import Foundation
import SamtakDomain
import Logging
import Synchronization

/// Writes one JSON object per line to standard error:
/// `{"ts":"...","level":"info","service":"samtak-intake","logger":"...","msg":"...","key":"value"}`.
///
/// Log messages and metadata are written by our code, which never puts personal data in
/// them (identifiers and codes only); see README, "Privacy".
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let service: String
    let format: RuntimeConfiguration.LogFormat

    public init(label: String, service: String, level: Logger.Level, format: RuntimeConfiguration.LogFormat) {
        self.label = label
        self.service = service
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let timestamp = RFC3339Now.string()
        var line: String
        switch format {
        case .json:
            line = "{\"ts\":\(Self.quote(timestamp)),\"level\":\(Self.quote(event.level.rawValue)),\"service\":\(Self.quote(service)),\"logger\":\(Self.quote(label)),\"msg\":\(Self.quote("\(event.message)"))"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                line += ",\(Self.quote(key)):\(Self.quote("\(value)"))"
            }
            line += "}\n"
        case .text:
            line = "\(timestamp) \(event.level.rawValue.uppercased()) \(service) \(event.message)"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
            line += "\n"
        }
        StandardErrorWriter.write(line)
    }

    static func quote(_ text: String) -> String {
        // Most texts (codes, routes, ids) need no escape.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) { return "\"" + text + "\"" }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Installs the handler for the whole process (once, at start).
    public static func bootstrap(_ configuration: RuntimeConfiguration) {
        let service = configuration.serviceName
        let level = configuration.logLevel
        let format = configuration.logFormat
        LoggingSystem.bootstrap { label in
            JSONLogHandler(label: label, service: service, level: level, format: format)
        }
    }
}

enum StandardErrorWriter {
    static let lock = Mutex(())
    static func write(_ line: String) {
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}

/// A log line's time, "2026-12-07T04:05:06.123Z" (UTC, milliseconds), as
/// `ISO8601DateFormatter` with `.withInternetDateTime, .withFractionalSeconds` writes it, but
/// written by hand: the formatter was shared between threads (not documented as safe on Linux)
/// and a few per cent of a service's CPU under load, one log line per request.
enum RFC3339Now {
    static func string() -> String { string(Date()) }

    static func string(_ date: Date) -> String {
        let milliseconds = Int((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        return UTCText.format(seconds: seconds, milliseconds: milliseconds - seconds * 1000)
    }
}
