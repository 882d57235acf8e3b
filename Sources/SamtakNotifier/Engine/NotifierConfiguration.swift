import Foundation
import SamtakRuntime

/// The notifier's own settings (the shared ones are in `RuntimeConfiguration`; the SMTP relay
/// in ``SMTPConfiguration/fromEnvironment(_:)``).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SAMTAK_SMTP_URL` | `smtp://127.0.0.1:2525` | relay, `smtp://` or `smtps://` (implicit TLS) |
/// | `SAMTAK_SMTP_STARTTLS` | `if_available` | `never`, `if_available`, `required` |
/// | `SAMTAK_SMTP_USERNAME` / `SAMTAK_SMTP_PASSWORD` | none | relay authentication |
/// | `SAMTAK_SMTP_TIMEOUT_S` | 30 | limit for one send, connecting included |
/// | `SAMTAK_SMTP_HELO_DOMAIN` | libcurl's choice | EHLO name |
/// | `SAMTAK_NOTIFIER_FROM` | `Samtak <samtak@nordby.example>` | From of every message (`Name <address>` or an address) |
/// | `SAMTAK_PUBLIC_URL` | `http://127.0.0.1:8090` (samtak-web) | base of the read links (`/v1/meetings/<id>`, `.../minutes`) |
/// | `SAMTAK_NOTIFIER_WORKERS` | 8 | concurrent sends per process (1–64) |
/// | `SAMTAK_NOTIFIER_LEASE_S` | 120 | how long a claimed delivery belongs to its worker; must exceed the SMTP timeout (a multiple of it lets a worker claim ahead, ``claimDepth``) |
/// | `SAMTAK_NOTIFIER_MAX_ATTEMPTS` | 20 | attempts before a delivery is given up (`retries_exhausted`) |
/// | `SAMTAK_NOTIFIER_RETRY_BASE_MS` | 1000 | first retry delay; doubles per attempt |
/// | `SAMTAK_NOTIFIER_RETRY_MAX_S` | 600 | longest retry delay |
/// | `SAMTAK_NOTIFIER_POLL_MS` | 2000 | longest sleep without a notification (safety net) |
/// | `SAMTAK_NOTIFIER_SWEEP_S` | 60 | period of the sweep that announces complete documents (and probes a relay found unreachable) |
/// | `SAMTAK_NOTIFIER_CATCHUP_GRACE_S` | 60 | an event published this long ago that never arrived from the broker is taken from the outbox (``InboxCatchUp``) |
public struct NotifierConfiguration: Sendable {
    public var from: Recipient
    public var publicURL: String
    public var workers: Int
    public var lease: Duration
    public var maxAttempts: Int
    public var retryBase: Duration
    public var retryCap: Duration
    public var pollInterval: Duration
    public var sweepInterval: Duration
    public var catchUpGrace: Duration
    public var smtp: SMTPConfiguration

    /// How many claims' worth of deliveries (of up to `workers` each) a worker holds at once:
    /// the next claims' facts are read and their copies rendered while the current ones are
    /// being sent, their sends queued for the `workers` SMTP threads. A copy queued behind
    /// d − 1 rounds of sends waits at most d − 1 SMTP timeouts before its own send, so the
    /// depth d is the largest with d × timeout < lease, at most 3 (3 with the defaults, 120 s
    /// and 30 s); 1 when the lease covers only one send.
    public var claimDepth: Int {
        var depth = 1
        while depth < 3 && smtp.timeout * (depth + 1) < lease { depth += 1 }
        return depth
    }

    public static let defaultFrom = "Samtak <samtak@nordby.example>"
    public static let defaultPublicURL = "http://127.0.0.1:8090"

    public init(
        from: Recipient = Recipient(name: "Samtak", email: "samtak@nordby.example"), publicURL: String = NotifierConfiguration.defaultPublicURL,
        workers: Int = 8, lease: Duration = .seconds(120), maxAttempts: Int = 20, retryBase: Duration = .seconds(1),
        retryCap: Duration = .seconds(600), pollInterval: Duration = .seconds(2), sweepInterval: Duration = .seconds(60),
        catchUpGrace: Duration = .seconds(60), smtp: SMTPConfiguration = SMTPConfiguration()
    ) {
        self.from = from
        self.publicURL = publicURL
        self.workers = workers
        self.lease = lease
        self.maxAttempts = maxAttempts
        self.retryBase = retryBase
        self.retryCap = retryCap
        self.pollInterval = pollInterval
        self.sweepInterval = sweepInterval
        self.catchUpGrace = catchUpGrace
        self.smtp = smtp
    }

    public init(environment: [String: String]) throws(ConfigurationError) {
        let env = EnvironmentReader(environment)
        let smtp: SMTPConfiguration
        do {
            smtp = try SMTPConfiguration.fromEnvironment(environment)
        } catch let error as SMTPConfigurationError {
            throw ConfigurationError(variable: "SAMTAK_SMTP_*", problem: error.description)
        } catch {
            throw ConfigurationError(variable: "SAMTAK_SMTP_*", problem: "invalid")
        }
        guard let from = Self.parseAddress(env.string("SAMTAK_NOTIFIER_FROM", default: Self.defaultFrom)) else {
            throw ConfigurationError(variable: "SAMTAK_NOTIFIER_FROM", problem: "expected `Name <address>` or an address")
        }
        var publicURL = env.string("SAMTAK_PUBLIC_URL", default: Self.defaultPublicURL)
        while publicURL.hasSuffix("/") { publicURL.removeLast() }
        guard let components = URLComponents(string: publicURL), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
              components.host?.isEmpty == false, components.query == nil, components.fragment == nil
        else {
            throw ConfigurationError(variable: "SAMTAK_PUBLIC_URL", problem: "expected an http or https URL without query")
        }
        self.init(
            from: from, publicURL: publicURL,
            workers: try env.integer("SAMTAK_NOTIFIER_WORKERS", default: 8, range: 1...64),
            lease: .seconds(try env.integer("SAMTAK_NOTIFIER_LEASE_S", default: 120, range: 2...86_400)),
            maxAttempts: try env.integer("SAMTAK_NOTIFIER_MAX_ATTEMPTS", default: 20, range: 1...1000),
            retryBase: .milliseconds(try env.integer("SAMTAK_NOTIFIER_RETRY_BASE_MS", default: 1000, range: 10...3_600_000)),
            retryCap: .seconds(try env.integer("SAMTAK_NOTIFIER_RETRY_MAX_S", default: 600, range: 1...86_400)),
            pollInterval: .milliseconds(try env.integer("SAMTAK_NOTIFIER_POLL_MS", default: 2000, range: 20...600_000)),
            sweepInterval: .seconds(try env.integer("SAMTAK_NOTIFIER_SWEEP_S", default: 60, range: 1...86_400)),
            catchUpGrace: .seconds(try env.integer("SAMTAK_NOTIFIER_CATCHUP_GRACE_S", default: 60, range: 1...86_400)),
            smtp: smtp
        )
        guard lease > smtp.timeout else {
            throw ConfigurationError(variable: "SAMTAK_NOTIFIER_LEASE_S", problem: "must be longer than SAMTAK_SMTP_TIMEOUT_S")
        }
    }

    /// "Name <address>" or "address" → a sender; nil when it is not a usable address.
    static func parseAddress(_ text: String) -> Recipient? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            let name = trimmed[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            return SMTPSender.isUsableAddress(address) ? Recipient(name: name, email: address) : nil
        }
        return SMTPSender.isUsableAddress(trimmed) ? Recipient(name: "", email: trimmed) : nil
    }

    /// The delay before attempt `attempts + 1` after a transient failure: `retryBase`
    /// doubling per attempt, at most `retryCap`, with ±20 % jitter so a burst of failures
    /// does not come back as a burst.
    public func retryDelay(afterAttempt attempts: Int, jitter: Double = Double.random(in: 0.8...1.2)) -> Duration {
        let exponent = min(max(attempts - 1, 0), 30)
        let base = Double(retryBase.components.seconds) + Double(retryBase.components.attoseconds) / 1e18
        let cap = Double(retryCap.components.seconds) + Double(retryCap.components.attoseconds) / 1e18
        let seconds = min(base * pow(2, Double(exponent)), cap) * jitter
        return .milliseconds(Int64((max(seconds, 0.01) * 1000).rounded()))
    }
}
