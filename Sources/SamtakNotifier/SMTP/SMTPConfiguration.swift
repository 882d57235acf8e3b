import Foundation
import SamtakRuntime

/// How the notifier reaches its SMTP relay.
public struct SMTPConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// STARTTLS on a plain `smtp://` connection (ignored for `smtps://`, which is TLS from the start).
    public enum StartTLS: String, Sendable, Equatable, CaseIterable {
        /// Never upgrade (local sinks only).
        case never
        /// Upgrade when the server offers STARTTLS, otherwise continue in clear text.
        case ifAvailable = "if_available"
        /// Fail the send unless the connection can be upgraded.
        case required
    }

    /// "smtp://host:port" or "smtps://host:port" (implicit TLS).
    public var url: String
    public var startTLS: StartTLS
    public var username: String?
    public var password: String?
    /// Limit for one send, connecting included.
    public var timeout: Duration
    /// The name sent in EHLO/HELO; nil lets libcurl choose.
    public var heloDomain: String?

    public init(
        url: String = "smtp://127.0.0.1:2525", startTLS: StartTLS = .ifAvailable, username: String? = nil,
        password: String? = nil, timeout: Duration = .seconds(30), heloDomain: String? = nil
    ) {
        self.url = url
        self.startTLS = startTLS
        self.username = username
        self.password = password
        self.timeout = timeout
        self.heloDomain = heloDomain
    }

    /// Reads `SAMTAK_SMTP_URL` (default `smtp://127.0.0.1:2525`), `SAMTAK_SMTP_STARTTLS`
    /// (`never` | `if_available` | `required`, default `if_available`, in production
    /// `required`), `SAMTAK_SMTP_USERNAME`, `SAMTAK_SMTP_PASSWORD` (or `SAMTAK_SMTP_PASSWORD_FILE`),
    /// `SAMTAK_SMTP_TIMEOUT_S` (seconds, default 30) and `SAMTAK_SMTP_HELO_DOMAIN` (optional).
    /// Empty values count as unset. With `SAMTAK_ENV=production` the connection must be
    /// encrypted: `smtps://`, or STARTTLS `required` (`never` and `if_available` are refused).
    public static func fromEnvironment(_ env: [String: String]) throws -> SMTPConfiguration {
        func value(_ key: String) -> String? {
            guard let v = env[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            return v
        }
        let reader = EnvironmentReader(env)
        let mode: RuntimeMode
        do {
            mode = try reader.choice("SAMTAK_ENV", default: .development)
        } catch {
            throw SMTPConfigurationError("SAMTAK_ENV must be development or production")
        }
        var config = SMTPConfiguration()
        if mode == .production { config.startTLS = .required }
        if let url = value("SAMTAK_SMTP_URL") { config.url = url }
        if let mode = value("SAMTAK_SMTP_STARTTLS") {
            guard let parsed = StartTLS(rawValue: mode.lowercased()) else {
                throw SMTPConfigurationError("SAMTAK_SMTP_STARTTLS must be never, if_available or required")
            }
            config.startTLS = parsed
        }
        config.username = value("SAMTAK_SMTP_USERNAME")
        // A password may legitimately have leading/trailing spaces: taken verbatim (from a
        // file, one trailing newline removed).
        do {
            config.password = try reader.secret("SAMTAK_SMTP_PASSWORD")
        } catch {
            throw SMTPConfigurationError(error.description)
        }
        if mode == .production && !config.usesImplicitTLS && config.startTLS != .required {
            throw SMTPConfigurationError(
                "SAMTAK_SMTP_STARTTLS must be required in production (or SAMTAK_SMTP_URL smtps://): mail carries personal data")
        }
        if let text = value("SAMTAK_SMTP_TIMEOUT_S") {
            guard let seconds = Double(text), seconds.isFinite, seconds > 0, seconds <= 3600 else {
                throw SMTPConfigurationError("SAMTAK_SMTP_TIMEOUT_S must be a number of seconds in (0, 3600] (got \"\(text)\")")
            }
            config.timeout = .milliseconds(Int64((seconds * 1000).rounded()))
        }
        config.heloDomain = value("SAMTAK_SMTP_HELO_DOMAIN")
        try config.validate()
        return config
    }

    /// Checks the URL scheme, host and port, the HELO name and the credentials.
    public func validate() throws(SMTPConfigurationError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps"
        else {
            throw SMTPConfigurationError("SAMTAK_SMTP_URL must be smtp://host:port or smtps://host:port")
        }
        guard let host = components.host, !host.isEmpty else {
            throw SMTPConfigurationError("SAMTAK_SMTP_URL has no host")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw SMTPConfigurationError("SAMTAK_SMTP_URL has an invalid port")
        }
        if components.user != nil || components.password != nil {
            throw SMTPConfigurationError(
                "SAMTAK_SMTP_URL must not contain credentials; use SAMTAK_SMTP_USERNAME and SAMTAK_SMTP_PASSWORD")
        }
        if !(components.path.isEmpty || components.path == "/") || components.query != nil || components.fragment != nil {
            throw SMTPConfigurationError("SAMTAK_SMTP_URL must not have a path; set SAMTAK_SMTP_HELO_DOMAIN for the EHLO name")
        }
        if let helo = heloDomain {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:")
            guard !helo.isEmpty, helo.allSatisfy({ allowed.contains($0) }) else {
                throw SMTPConfigurationError("SAMTAK_SMTP_HELO_DOMAIN must be a host name or address literal")
            }
        }
        if password != nil && username == nil {
            throw SMTPConfigurationError("SAMTAK_SMTP_PASSWORD is set without SAMTAK_SMTP_USERNAME")
        }
        if timeout <= .zero {
            throw SMTPConfigurationError("the SMTP timeout must be positive")
        }
    }

    /// The URL handed to libcurl: libcurl sends the URL path as the EHLO name.
    var curlURL: String {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        if let heloDomain { return base + "/" + heloDomain }
        return base
    }

    var usesImplicitTLS: Bool { url.lowercased().hasPrefix("smtps:") }

    var timeoutMilliseconds: Int {
        let (seconds, attoseconds) = timeout.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int(max(1, min(ms, Int64(Int32.max))))
    }

    /// Without the password.
    public var description: String {
        "SMTPConfiguration(url: \(url), startTLS: \(startTLS.rawValue), username: \(username ?? "none"), "
            + "password: \(password == nil ? "none" : "<redacted>"), timeout: \(timeout), heloDomain: \(heloDomain ?? "default"))"
    }
}

/// An invalid SMTP configuration (the message names the variable, never the password).
public struct SMTPConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
